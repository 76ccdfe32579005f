/**
 * collected(): the planner's single-item calls on the pool are sent as batches, and still each call gets its own
 * result or error.
 */
import type { Item } from '@ddb-encryption/core'
import { collected } from '../../src/pool-crypto'

const item = (id: string): Item => ({ id: { S: id } })
const idOf = (i: Item): string => (i['id'] as { S: string }).S

/** A `run` that upper-cases ids, fails a batch holding an id starting with "bad" (with that id's error), and logs each call. */
function fakeRun() {
  const calls: [string, string[]][] = []
  const run = async (items: Item[], which: string): Promise<Item[]> => {
    calls.push([which, items.map(idOf)])
    const bad = items.find((i) => idOf(i).startsWith('bad'))
    if (bad !== undefined) throw new Error(`failed ${idOf(bad)}`)
    return items.map((i) => item(`${which}:${idOf(i).toUpperCase()}`))
  }
  return { run, calls }
}

describe('collected (migrate pool crypto)', () => {
  it('sends the calls of one turn as one batch per config, answering each call with its own item', async () => {
    const { run, calls } = fakeRun()
    const one = collected(run)
    const answers = await Promise.all([one(item('a'), 'target'), one(item('b'), 'previous'), one(item('c'), 'target'), one(item('d'), 'target')])
    expect(answers.map(idOf)).toEqual(['target:A', 'previous:B', 'target:C', 'target:D'])
    expect(calls).toEqual([['target', ['a', 'c', 'd']], ['previous', ['b']]])
    // A later turn is a new batch.
    expect(idOf(await one(item('e'), 'target'))).toBe('target:E')
    expect(calls.length).toBe(3)
  })

  it('after a failed batch sends each item alone, so every call gets its own result or error', async () => {
    const { run, calls } = fakeRun()
    const one = collected(run)
    const settled = await Promise.allSettled([one(item('a'), 't'), one(item('bad1'), 't'), one(item('b'), 't'), one(item('bad2'), 't')])
    expect(settled.map((s) => (s.status === 'fulfilled' ? idOf(s.value) : (s.reason as Error).message)))
      .toEqual(['t:A', 'failed bad1', 't:B', 'failed bad2'])
    expect(calls).toEqual([['t', ['a', 'bad1', 'b', 'bad2']], ['t', ['a']], ['t', ['bad1']], ['t', ['b']], ['t', ['bad2']]])
  })

  it('rejects a lone failing call with the batch error itself, without sending it again', async () => {
    const { run, calls } = fakeRun()
    await expect(collected(run)(item('bad'), 't')).rejects.toThrow('failed bad')
    expect(calls.length).toBe(1)
  })
})
