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

  it.each([0, -3, 2.5, Number.NaN])('rejects length %p', (length) => {
    expect(() => randomKeyBytes(length)).toThrow(InvalidArgumentError)
  })
})
