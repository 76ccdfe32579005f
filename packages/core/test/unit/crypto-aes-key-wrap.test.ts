import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, JceTransformationError, UnwrappingError, WrappingError } from '../../src/errors'
import { AesKeyWrap } from '../../src/crypto/aes-key-wrap'
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const aes = (key: Uint8Array): LocalDelegatedKey =>
  LocalDelegatedKey.fromBytes({ key, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })

const KEK128 = '000102030405060708090A0B0C0D0E0F'
const KEK192 = '000102030405060708090A0B0C0D0E0F1011121314151617'
const KEK256 = '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'
const DATA128 = '00112233445566778899AABBCCDDEEFF'
const DATA192 = '00112233445566778899AABBCCDDEEFF0001020304050607'
const DATA256 = '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F'

// RFC 3394 section 4.
const RFC3394 = [
  ['4.1 128-bit data, 128-bit KEK', KEK128, DATA128, '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5'],
  ['4.2 128-bit data, 192-bit KEK', KEK192, DATA128, '96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D'],
  ['4.3 128-bit data, 256-bit KEK', KEK256, DATA128, '64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7'],
  ['4.4 192-bit data, 192-bit KEK', KEK192, DATA192, '031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2'],
  ['4.5 192-bit data, 256-bit KEK', KEK256, DATA192, 'A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1'],
  [
    '4.6 256-bit data, 256-bit KEK',
    KEK256,
    DATA256,
    '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21',
  ],
] as const

const cipherFor = (kek: string): string => `id-aes${(kek.length / 2) * 8}-wrap`

describe('AESWrap (RFC 3394)', () => {
  it('persistent wrap / unwrap contexts give a fresh context\'s bytes, call after call, also after failed unwraps', () => {
    for (const bytes of [16, 24, 32]) {
      const kekBytes = randomBytes(bytes)
      const kek = createSecretKey(kekBytes)
      const ours = new AesKeyWrap(`id-aes${bytes * 8}-wrap`, kek)
      for (let i = 0; i < 200; i++) {
        const key = randomBytes([16, 24, 32, 40][i % 4] as number)
        const fresh = createCipheriv(`id-aes${bytes * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
        const expected = new Uint8Array(Buffer.concat([fresh.update(key), fresh.final()]))
        const wrapped = ours.wrap(key)
        expect(Buffer.compare(wrapped, expected)).toBe(0)
        if (i % 3 === 0) {
          const tampered = wrapped.slice()
          tampered[i % tampered.length] = (tampered[i % tampered.length] as number) ^ 1
          expect(() => ours.unwrap(tampered)).toThrow(UnwrappingError)
        }
        expect(Buffer.compare(ours.unwrap(wrapped), key)).toBe(0)
      }
    }
  })

  it.each(RFC3394)('wraps RFC 3394 %s', async (_name, kek, data, expected) => {
    expect(await aes(hex(kek)).wrap('AESWrap', hex(data))).toEqual(hex(expected))
  })

  it.each(RFC3394)('unwraps RFC 3394 %s', (_name, kek, data, wrapped) => {
    expect(new AesKeyWrap(cipherFor(kek), createSecretKey(hex(kek))).unwrap(hex(wrapped))).toEqual(hex(data))
  })

  it('unwrap returns an AES key that decrypts what the original content key encrypted', async () => {
    const kek = aes(hex(KEK256))
    const contentBytes = hex(DATA256)
    const unwrapped = await kek.unwrap('AESWrap', await kek.wrap('AESWrap', contentBytes), 'AES/256', 'symmetric')
    expect(unwrapped.algorithm).toBe('AES')
    expect(unwrapped.sizeBits).toBe(256)
    const ciphertext = await aes(contentBytes).encrypt('AES/CBC/PKCS5Padding', 'a', new Uint8Array([1, 2, 3]))
    expect(await unwrapped.decrypt('AES/CBC/PKCS5Padding', 'a', ciphertext)).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('a 32-byte content key wraps to 40 bytes', async () => {
    expect((await aes(hex(KEK128)).wrap('AESWrap', new Uint8Array(32))).byteLength).toBe(40)
  })

  it('fails with UnwrappingError("Key unwrap failed") under the wrong KEK', async () => {
    const wrapped = await aes(hex(KEK128)).wrap('AESWrap', hex(DATA256))
    const wrong = aes(hex('ff' + KEK128.slice(2)))
    const error = await wrong.unwrap('AESWrap', wrapped, 'AES', 'symmetric').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect((error as Error).message).toBe('Key unwrap failed')
    expect((error as Error).cause).toBeDefined()
  })

  it('fails with UnwrappingError for every single-bit tampering', async () => {
    const kek = aes(hex(KEK128))
    const wrapped = await kek.wrap('AESWrap', hex(DATA256))
    for (let i = 0; i < wrapped.byteLength; i += 5) {
      const tampered = wrapped.slice()
      tampered[i] = (tampered[i] as number) ^ 0x01
      await expect(kek.unwrap('AESWrap', tampered, 'AES', 'symmetric')).rejects.toThrow(UnwrappingError)
    }
  })

  it.each([0, 8, 23, 41])('fails with UnwrappingError for a %i-byte input', async (length) => {
    await expect(aes(hex(KEK128)).unwrap('AESWrap', new Uint8Array(length), 'AES', 'symmetric')).rejects.toThrow(
      'Key unwrap failed',
    )
  })

  it('returns keys of the wrapped key algorithm and fails with UnwrappingError when the bytes do not fit it', async () => {
    const kek = aes(hex(KEK128))
    // 40 bytes of wrapped data hold a 32-byte key; ask for it as an HMAC key to show other algorithms work...
    const mac = await kek.unwrap('AESWrap', await kek.wrap('AESWrap', new Uint8Array(32).fill(7)), 'HmacSHA256', 'symmetric')
    expect(mac.algorithm).toBe('HmacSHA256')
    // ...and a 40-byte key is not an AES key.
    const wrapped40 = await kek.wrap('AESWrap', new Uint8Array(40))
    const error = await kek.unwrap('AESWrap', wrapped40, 'AES', 'symmetric').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect((error as Error).message).toBe('Key unwrap failed')
  })

  it.each([0, 8, 20])('refuses to wrap a %i-byte content key with WrappingError', async (length) => {
    await expect(aes(hex(KEK128)).wrap('AESWrap', new Uint8Array(length))).rejects.toThrow(WrappingError)
  })

  it('refuses non-AES keys and non-symmetric wrapped key types', async () => {
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(32), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    await expect(hmac.wrap('AESWrap', new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
    await expect(hmac.unwrap('AESWrap', new Uint8Array(40), 'AES', 'symmetric')).rejects.toThrow(DelegatedKeyError)
    await expect(aes(hex(KEK128)).unwrap('AESWrap', new Uint8Array(40), 'AES', 'private')).rejects.toThrow(UnwrappingError)
  })

  it('treats a bare AES transformation (no wrap algorithm on an AES-wrapped item) as an error', async () => {
    await expect(aes(hex(KEK128)).unwrap('AES', new Uint8Array(40), 'AES', 'symmetric')).rejects.toThrow(JceTransformationError)
    await expect(aes(hex(KEK128)).wrap('AES', new Uint8Array(32))).rejects.toThrow(JceTransformationError)
  })
})
