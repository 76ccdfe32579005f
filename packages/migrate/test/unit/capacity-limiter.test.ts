import { InvalidArgumentError } from '@ddb-encryption/core'
import { CapacityLimiter, isThrottling, withCapacity } from '../../src/capacity-limiter'
import { decodeKey, encodeKey } from '../../src/key-codec'
import { parseSegments } from '../../src/cli'

const throttle = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' })

describe('CapacityLimiter', () => {
  it('halves the rate on each throttle, retries, and recovers 5 % of the configured rate per success', async () => {
    const limiter = new CapacityLimiter({ unitsPerSecond: 100 })
    let calls = 0
    const result = await withCapacity(limiter, async () => {
      calls++
      if (calls <= 2) throw throttle()
      return 'ok'
    }, () => 1)
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(limiter.currentRate).toBe(30) // 100 -> 50 -> 25, then +5
  })

  it('passes other errors through at once and gives up after maxThrottles', async () => {
    const limiter = new CapacityLimiter()
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' })
    let calls = 0
    await expect(withCapacity(limiter, async () => { calls++; throw denied }, () => 0)).rejects.toBe(denied)
    expect(calls).toBe(1)
    calls = 0
    await expect(withCapacity(limiter, async () => { calls++; throw throttle() }, () => 0, 2)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' })
    expect(calls).toBe(3)
    expect(isThrottling(throttle())).toBe(true)
  })

  it('makes callers wait while the bucket is in debt', async () => {
    const limiter = new CapacityLimiter({ unitsPerSecond: 1000 })
    limiter.consume(1200) // 1000 in the bucket: 200 units of debt, 200 ms at 1000 units/s
    const started = Date.now()
    await limiter.acquire()
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('refuses a rate that is not positive', () => {
    expect(() => new CapacityLimiter({ unitsPerSecond: 0 })).toThrow(InvalidArgumentError)
  })
})

describe('checkpoint keys and --segments', () => {
  it('round-trips S, N and B key values', () => {
    const key = { pk: { S: 'a' }, sk: { N: '1.5' }, b: { B: new Uint8Array([0, 255, 7]) } }
    expect(decodeKey(encodeKey(key))).toEqual(key)
  })

  it('parses a-b/N and refuses ranges outside 0..N-1', () => {
    expect(parseSegments('0-3/16')).toEqual({ first: 0, last: 3, total: 16 })
    expect(parseSegments('5/8')).toEqual({ first: 5, last: 5, total: 8 })
    expect(() => parseSegments('3-1/4')).toThrow('--segments')
    expect(() => parseSegments('0-4/4')).toThrow('--segments')
  })
})
