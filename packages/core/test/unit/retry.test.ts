import { backoffDelayMs, retry } from '@ddb-encryption/core'

describe('backoffDelayMs', () => {
  it('doubles from baseDelayMs and stops at maxDelayMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, { baseDelayMs: 10 }))).toEqual([10, 20, 40, 80, 160])
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, { baseDelayMs: 10, maxDelayMs: 30 }))).toEqual([10, 20, 30, 30, 30])
  })

  it('with jitter, is a random delay up to the computed one', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(3, { baseDelayMs: 10, jitter: true }))
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...delays)).toBeLessThan(40)
    expect(new Set(delays).size).toBeGreaterThan(100)
  })
})

describe('retry', () => {
  it('tries again while `again` holds, passing the previous result, up to maxAttempts', async () => {
    const seen: Array<[number | undefined, number]> = []
    const last = await retry<number>({ maxAttempts: 4, baseDelayMs: 1 }, async (previous, n) => {
      seen.push([previous, n])
      return n * 10
    }, () => true)
    expect(last).toBe(40)
    expect(seen).toEqual([[undefined, 1], [10, 2], [20, 3], [30, 4]])
  })

  it('stops as soon as `again` is false, without sleeping', async () => {
    const started = Date.now()
    let calls = 0
    const last = await retry({ maxAttempts: 10, baseDelayMs: 10_000 }, async () => ++calls, (result) => result < 1)
    expect({ last, calls }).toEqual({ last: 1, calls: 1 })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('starts no retry after timeoutMs, and returns the last result for the caller to judge', async () => {
    let calls = 0
    const last = await retry({ baseDelayMs: 5, timeoutMs: 30 }, async () => ++calls, () => true)
    expect(last).toBe(calls)
    expect(calls).toBeGreaterThan(1)
    expect(calls).toBeLessThan(10)
  })

  it('lets an error of the attempt through unchanged, with no further try', async () => {
    const boom = new Error('boom')
    let calls = 0
    await expect(retry({ maxAttempts: 5, baseDelayMs: 1 }, async () => { calls++; throw boom }, () => true)).rejects.toBe(boom)
    expect(calls).toBe(1)
  })
})
