import { InvalidArgumentError, mapWithConcurrency } from '@ddb-encryption/core'

describe('mapWithConcurrency', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0
    let peak = 0
    const out = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setImmediate(r))
      running--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30])
    expect(peak).toBe(2)
  })

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = []
    await expect(mapWithConcurrency([1, 2, 3, 4], 1, async (n) => { started.push(n); if (n === 2) throw new Error('boom'); return n })).rejects.toThrow('boom')
    expect(started).toEqual([1, 2])
  })

  it('refuses a concurrency that is not a positive integer with InvalidArgumentError', async () => {
    for (const concurrency of [0, 1.5, Number.NaN]) {
      await expect(mapWithConcurrency([1], concurrency, async (n) => n)).rejects.toThrow(InvalidArgumentError)
    }
  })
})
