import { createHmac, createSecretKey, randomBytes } from 'node:crypto'
import { hmacSign, hmacVerify } from '../../src/crypto/hmac'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, InvalidKeyError, JceTransformationError } from '../../src/errors'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'))
const hmac = (key: Uint8Array, algorithm = 'HmacSHA256'): LocalDelegatedKey =>
  LocalDelegatedKey.fromBytes({ key, algorithm, keyType: 'symmetric', encoding: 'RAW' })

// RFC 4231 test case 1: key = 0x0b * 20, data = "Hi There".
const CASE1 = [
  ['HmacSHA224', '896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22'],
  ['HmacSHA256', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  ['HmacSHA384', 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6'],
  [
    'HmacSHA512',
    '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  ],
] as const
// RFC 4231 test case 2: key = "Jefe" (4 bytes), data = "what do ya want for nothing?".
const CASE2_SHA256 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'

describe('LocalDelegatedKey HMAC', () => {
  it.each(CASE1)('signs RFC 4231 test case 1 with %s', async (algorithm, mac) => {
    const key = hmac(hex('0b'.repeat(20)), algorithm)
    expect(await key.sign(algorithm, ascii('Hi There'))).toEqual(hex(mac))
    expect(await key.verify(algorithm, hex(mac), ascii('Hi There'))).toBe(true)
  })

  it('signs with the algorithm asked, whatever the key was declared as (JCE style)', async () => {
    const key = hmac(hex('0b'.repeat(20)), 'HmacSHA256')
    expect(await key.sign('HmacSHA512', ascii('Hi There'))).toEqual(hex(CASE1[3][1]))
  })

  it('verifies RFC 4231 test case 2 with a 4-byte key but refuses to sign with it', async () => {
    const key = hmac(ascii('Jefe'))
    const data = ascii('what do ya want for nothing?')
    expect(await key.verify('HmacSHA256', hex(CASE2_SHA256), data)).toBe(true)
    const error = await key.sign('HmacSHA256', data).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeyError)
    expect((error as Error).message).toMatch(/at least 128 bits \(16 bytes\)/)
  })

  it('signs with a 16-byte key (the minimum) and refuses 15 bytes', async () => {
    await expect(hmac(new Uint8Array(16).fill(1)).sign('HmacSHA256', ascii('x'))).resolves.toHaveLength(32)
    await expect(hmac(new Uint8Array(15).fill(1)).sign('HmacSHA256', ascii('x'))).rejects.toThrow(InvalidKeyError)
  })

  it('returns false, never throws, for altered data, altered or truncated MACs and the wrong key', async () => {
    const key = hmac(hex('0b'.repeat(20)))
    const data = ascii('Hi There')
    const mac = await key.sign('HmacSHA256', data)
    expect(await key.verify('HmacSHA256', mac, ascii('Hi there'))).toBe(false)
    for (let i = 0; i < mac.byteLength; i++) {
      const bad = mac.slice()
      bad[i] = (bad[i] as number) ^ 0x80
      expect(await key.verify('HmacSHA256', bad, data)).toBe(false)
    }
    expect(await key.verify('HmacSHA256', mac.subarray(0, 31), data)).toBe(false)
    expect(await key.verify('HmacSHA256', new Uint8Array(0), data)).toBe(false)
    expect(await key.verify('HmacSHA256', new Uint8Array(64), data)).toBe(false)
    expect(await key.verify('HmacSHA384', mac, data)).toBe(false)
    expect(await hmac(hex('0c'.repeat(20))).verify('HmacSHA256', mac, data)).toBe(false)
  })

  it('rejects unknown algorithms with JceTransformationError and other families with DelegatedKeyError', async () => {
    const key = hmac(new Uint8Array(32))
    await expect(key.sign('HmacMD5', ascii('x'))).rejects.toThrow(JceTransformationError)
    await expect(key.verify('hmacsha256', new Uint8Array(32), ascii('x'))).rejects.toThrow(JceTransformationError)
    await expect(key.sign('SHA256withRSA', ascii('x'))).rejects.toThrow(DelegatedKeyError)
    await expect(key.verify('SHA256withRSA', new Uint8Array(32), ascii('x'))).rejects.toThrow(DelegatedKeyError)
    const aes = LocalDelegatedKey.fromBytes({ key: new Uint8Array(16), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    await expect(aes.sign('HmacSHA256', ascii('x'))).rejects.toThrow(DelegatedKeyError)
    await expect(aes.verify('HmacSHA256', new Uint8Array(32), ascii('x'))).rejects.toThrow(DelegatedKeyError)
  })
})

describe('HMAC read back from a binary-string digest (the fast path) equals createHmac().digest()', () => {
  it('for every hash, random keys and data of 0..1200 bytes: same MAC bytes, same verdicts', () => {
    for (const hash of ['sha224', 'sha256', 'sha384', 'sha512'] as const) {
      for (let i = 0; i < 150; i++) {
        const keyBytes = randomBytes(16 + (i % 50))
        const data = randomBytes((i * 37) % 1201)
        const mac = hmacSign(hash, createSecretKey(keyBytes), data)
        const reference = createHmac(hash, keyBytes).update(data).digest()
        expect(Buffer.compare(mac, reference)).toBe(0)
        expect(mac.constructor).toBe(Uint8Array)
        expect(hmacVerify(hash, createSecretKey(keyBytes), reference, data)).toBe(true)
        const wrong = Buffer.from(reference)
        wrong[i % wrong.length] = (wrong[i % wrong.length] as number) ^ 0x80
        expect(hmacVerify(hash, createSecretKey(keyBytes), wrong, data)).toBe(false)
        expect(hmacVerify(hash, createSecretKey(keyBytes), reference.subarray(1), data)).toBe(false)
      }
    }
  })
})
