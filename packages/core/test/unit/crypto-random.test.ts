import { randomKeyBytes } from '../../src/crypto/random'
import { InvalidArgumentError } from '../../src/errors'

describe('randomKeyBytes', () => {
  it('returns plain Uint8Arrays of the requested length', () => {
    for (const length of [1, 16, 32, 5000]) {
      const bytes = randomKeyBytes(length)
      expect(bytes.constructor).toBe(Uint8Array)
      expect(bytes.byteLength).toBe(length)
    }
  })

  it('returns different bytes on every call', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 50; i++) seen.add(Buffer.from(randomKeyBytes(16)).toString('hex'))
    expect(seen.size).toBe(50)
  })

  it('does not hand out a view of a shared pool', () => {
    const bytes = randomKeyBytes(32)
    expect(bytes.buffer.byteLength).toBe(32)
  })

  it('hands out pooled bytes once: thousands of keys across pool refills are all different, also for mixed lengths', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 3000; i++) {
      const key = randomKeyBytes([32, 16, 24, 64, 7][i % 5] as number)
      // 8-byte windows: a key handed out twice, even in part, would repeat one of them.
      for (let at = 0; at + 8 <= key.length; at += 8) seen.add(Buffer.from(key.subarray(at, at + 8)).toString('hex'))
    }
    const windows = Array.from({ length: 3000 }, (_, i) => Math.floor(([32, 16, 24, 64, 7][i % 5] as number) / 8)).reduce((a, b) => a + b, 0)
    expect(seen.size).toBe(windows)
  })

  it.each([0, -3, 2.5, Number.NaN])('rejects length %p', (length) => {
    expect(() => randomKeyBytes(length)).toThrow(InvalidArgumentError)
  })
})
