import { createCipheriv, createDecipheriv } from 'node:crypto'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DecryptionError, DelegatedKeyError, JceTransformationError } from '../../src/errors'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const aes = (key: Uint8Array): LocalDelegatedKey =>
  LocalDelegatedKey.fromBytes({ key, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
const CBC = 'AES/CBC/PKCS5Padding'

// NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt.
const NIST_KEY = hex('2b7e151628aed2a6abf7158809cf4f3c')
const NIST_IV = hex('000102030405060708090a0b0c0d0e0f')
const NIST_PT = hex(
  '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
)
const NIST_CT = hex(
  '7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7',
)

/** The CBC block that PKCS#7 adds after a block-aligned plaintext, computed with raw AES-ECB (one CBC step). */
function paddingBlock(key: Uint8Array, previous: Uint8Array): Uint8Array {
  const input = previous.map((b) => b ^ 0x10)
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([ecb.update(input), ecb.final()]))
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

describe('LocalDelegatedKey AES/CBC/PKCS5Padding', () => {
  it('decrypts the NIST SP 800-38A F.2.1 CBC-AES128 example (IV ‖ ciphertext ‖ PKCS#7 block)', async () => {
    const blob = concat(NIST_IV, NIST_CT, paddingBlock(NIST_KEY, NIST_CT.subarray(48)))
    expect(await aes(NIST_KEY).decrypt(CBC, 'attr', blob)).toEqual(NIST_PT)
  })

  it('encrypts to IV ‖ CBC ciphertext that standard AES-CBC decrypts, with a fresh IV each time', async () => {
    const key = aes(NIST_KEY)
    const first = await key.encrypt(CBC, 'attr', NIST_PT)
    const second = await key.encrypt(CBC, 'attr', NIST_PT)
    // FORMAT.md 4.2: 16 + 16 * (floor(64 / 16) + 1)
    expect(first.byteLength).toBe(16 + 80)
    expect(first.subarray(0, 16)).not.toEqual(second.subarray(0, 16))
    const decipher = createDecipheriv('aes-128-cbc', NIST_KEY, first.subarray(0, 16))
    expect(new Uint8Array(Buffer.concat([decipher.update(first.subarray(16)), decipher.final()]))).toEqual(NIST_PT)
  })

  it.each([16, 24, 32])('round-trips with a %i-byte key for plaintexts of 0..40 bytes', async (length) => {
    const key = aes(Uint8Array.from({ length }, (_, i) => i * 7))
    for (let n = 0; n <= 40; n++) {
      const plaintext = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      const blob = await key.encrypt(CBC, 'attr', plaintext)
      expect(blob.byteLength).toBe(16 + 16 * (Math.floor(n / 16) + 1))
      expect(await key.decrypt(CBC, 'attr', blob)).toEqual(plaintext)
    }
  })

  it('fails with DecryptionError("Decryption failed") under the wrong key', async () => {
    const other = aes(hex('00'.repeat(16)))
    // A wrong key can produce valid-looking padding by chance (about 1 in 256); try a few ciphertexts.
    let failures = 0
    for (let i = 0; i < 8; i++) {
      const b = await aes(NIST_KEY).encrypt(CBC, 'attr', NIST_PT.subarray(0, 20))
      const result = await other.decrypt(CBC, 'attr', b).catch((e: unknown) => e)
      if (result instanceof DecryptionError) {
        expect(result.message).toBe('Decryption failed')
        failures++
      } else {
        expect(result).not.toEqual(NIST_PT.subarray(0, 20))
      }
    }
    expect(failures).toBeGreaterThan(4)
  })

  it('fails with DecryptionError when the last block is tampered (padding no longer valid)', async () => {
    const key = aes(NIST_KEY)
    const blob = await key.encrypt(CBC, 'attr', new Uint8Array(16))
    // Flipping a bit of the next-to-last block flips the same bit of the padding block's plaintext.
    const tampered = blob.slice()
    tampered[blob.byteLength - 17] = (tampered[blob.byteLength - 17] as number) ^ 0x01
    const error = await key.decrypt(CBC, 'attr', tampered).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecryptionError)
    expect((error as DecryptionError).code).toBe('ERR_DECRYPTION_FAILED')
  })

  it.each([0, 15, 16, 31, 33, 47])('fails with DecryptionError for a %i-byte input', async (length) => {
    const error = await aes(NIST_KEY).decrypt(CBC, 'attr', new Uint8Array(length)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecryptionError)
    expect((error as Error).message).toBe('Decryption failed')
  })

  it('rejects other transformations with JceTransformationError, without echoing data', async () => {
    const key = aes(NIST_KEY)
    for (const t of ['AES/GCM/NoPadding', 'AES/ECB/PKCS5Padding', 'AES', 'aes/cbc/pkcs5padding', 'AESWrap']) {
      const error = await key.encrypt(t, 'attr', hex('deadbeef')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(JceTransformationError)
      expect((error as Error).message).toContain('AES/CBC/PKCS5Padding')
      expect((error as Error).message).not.toContain('deadbeef')
      await expect(key.decrypt(t, 'attr', new Uint8Array(32))).rejects.toThrow(JceTransformationError)
    }
  })

  it('rejects non-AES keys with DelegatedKeyError', async () => {
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(16), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    await expect(hmac.encrypt(CBC, 'attr', new Uint8Array(1))).rejects.toThrow(DelegatedKeyError)
    await expect(hmac.decrypt(CBC, 'attr', new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
  })

  it('never mutates its input and returns plain Uint8Arrays', async () => {
    const key = aes(NIST_KEY)
    const input = NIST_PT.slice()
    const blob = await key.encrypt(CBC, 'attr', input)
    expect(input).toEqual(NIST_PT)
    const copy = blob.slice()
    const plain = await key.decrypt(CBC, 'attr', blob)
    expect(blob).toEqual(copy)
    expect(blob.constructor).toBe(Uint8Array)
    expect(plain.constructor).toBe(Uint8Array)
  })
})
