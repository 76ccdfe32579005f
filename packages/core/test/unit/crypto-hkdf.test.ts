import { hkdfSha256 } from '../../src/crypto/hkdf'
import { InvalidArgumentError } from '../../src/errors'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('hkdfSha256', () => {
  it('matches RFC 5869 test case 3 (SHA-256, zero-length salt and info)', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), '', 42)
    expect(toHex(okm)).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    )
  })

  it('derives the Direct KMS known answers of FORMAT.md 7.3 (two independent expansions)', () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => i)
    expect(toHex(hkdfSha256(ikm, 'Encryption', 32))).toBe('781ddf3715c39edff39465b0bdc122575ccc03d55a2bb23a3c2abadc853f0a78')
    expect(toHex(hkdfSha256(ikm, 'Signing', 32))).toBe('1ce18b7e6ba3388e72a987d0c3b7993222c321f3cd78aefc2c846699a325a157')
  })

  it('is a prefix-consistent expansion: a shorter output is the start of a longer one', () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
    const long = hkdfSha256(ikm, 'Encryption', 64)
    expect(hkdfSha256(ikm, 'Encryption', 16)).toEqual(long.subarray(0, 16))
    expect(hkdfSha256(ikm, 'Signing', 64)).not.toEqual(long)
  })

  it('returns a plain Uint8Array of the requested length', () => {
    const out = hkdfSha256(new Uint8Array(32), 'Signing', 48)
    expect(out.constructor).toBe(Uint8Array)
    expect(out.byteLength).toBe(48)
  })

  it.each([0, -1, 1.5, 255 * 32 + 1, Number.NaN])('rejects lengthBytes %p', (length) => {
    expect(() => hkdfSha256(new Uint8Array(32), 'x', length)).toThrow(InvalidArgumentError)
    expect(() => hkdfSha256(new Uint8Array(32), 'x', length)).toThrow(/lengthBytes/)
  })

  it('rejects non-Uint8Array input keying material', () => {
    expect(() => hkdfSha256('secret' as unknown as Uint8Array, 'x', 32)).toThrow(/ikm/)
  })
})
