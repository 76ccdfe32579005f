import { unwrapContentKey, unwrapContentKeys, wrapNewContentKey } from '../../src/crypto/key-operations'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, JceTransformationError, UnwrappingError, WrappingError } from '../../src/errors'
import { AesKeyWrap, unwrapContextReusable } from '../../src/crypto/aes-key-wrap'
import fc from 'fast-check'
import { createCipheriv, createDecipheriv, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'

// The module object itself (not an import namespace), so jest.spyOn can replace its functions for fault injection.
const nodeCrypto: typeof import('node:crypto') = jest.requireActual('node:crypto')

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

/** Node's own `id-aes*-wrap` on a fresh context: the reference for the batched wrap. */
function nativeWrap(kek: Uint8Array, key: Uint8Array): Uint8Array {
  const wrapper = createCipheriv(`id-aes${kek.byteLength * 8}-wrap`, createSecretKey(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
  return new Uint8Array(Buffer.concat([wrapper.update(key), wrapper.final()]))
}

function nativeUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const unwrapper = createDecipheriv(`id-aes${kek.byteLength * 8}-wrap`, createSecretKey(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
  return new Uint8Array(Buffer.concat([unwrapper.update(wrapped), unwrapper.final()]))
}

describe('AESWrap batched over a persistent ECB context (AesKeyWrap.wrapBatch / wrapNewKey) equals Node\'s id-aes*-wrap', () => {
  it.each(RFC3394)('wrapBatch gives RFC 3394 %s, alone and as every key of a batch', (_name, kek, data, expected) => {
    const wrap = new AesKeyWrap(cipherFor(kek), createSecretKey(hex(kek)))
    const key = hex(data)
    expect(wrap.wrapBatch(key, key.byteLength)).toEqual(hex(expected))
    const batch = new Uint8Array(key.byteLength * 5)
    for (let k = 0; k < 5; k++) batch.set(key, k * key.byteLength)
    const out = wrap.wrapBatch(batch, key.byteLength)
    for (let k = 0; k < 5; k++) expect(out.subarray(k * (key.byteLength + 8), (k + 1) * (key.byteLength + 8))).toEqual(hex(expected))
  })

  it('wrapBatch gives each key of random batches the native wrap, for 128/192/256-bit KEKs and key lengths 16..64, call after call', () => {
    for (const kekBytes of [16, 24, 32]) {
      const kek = new Uint8Array(randomBytes(kekBytes))
      const wrap = new AesKeyWrap(`id-aes${kekBytes * 8}-wrap`, createSecretKey(kek))
      for (const length of [16, 24, 32, 40, 64]) {
        for (const count of [1, 2, 7, 32]) {
          const keys = new Uint8Array(randomBytes(count * length))
          const copy = keys.slice()
          const out = wrap.wrapBatch(keys, length)
          expect(keys).toEqual(copy) // input untouched
          expect(out.byteLength).toBe(count * (length + 8))
          for (let k = 0; k < count; k++) {
            const one = keys.subarray(k * length, (k + 1) * length)
            expect(Buffer.compare(out.subarray(k * (length + 8), (k + 1) * (length + 8)), nativeWrap(kek, one))).toBe(0)
          }
        }
      }
    }
  })

  it('wrapBatch gives the native wrap also when the ECB context hands back blocks at an offset that is not 4-aligned', () => {
    const kek = new Uint8Array(randomBytes(32))
    const real = nodeCrypto.createCipheriv
    const spy = jest.spyOn(nodeCrypto, 'createCipheriv').mockImplementation(((...args: Parameters<typeof real>) => {
      const cipher = real(...args)
      const update = cipher.update.bind(cipher) as (data: Uint8Array) => Buffer
      // Each output copied to offset 1 of a larger Buffer: the word view cannot be used on it.
      ;(cipher as unknown as { update: (data: Uint8Array) => Buffer }).update = (data: Uint8Array) => {
        const blocks = update(data)
        const shifted = Buffer.alloc(blocks.byteLength + 1).subarray(1)
        shifted.set(blocks)
        return shifted
      }
      return cipher
    }) as typeof real)
    try {
      const wrap = new AesKeyWrap('id-aes256-wrap', createSecretKey(kek))
      const keys = new Uint8Array(randomBytes(5 * 32))
      const out = wrap.wrapBatch(keys, 32)
      expect(spy).toHaveBeenCalled()
      for (let k = 0; k < 5; k++) {
        expect(Buffer.compare(out.subarray(k * 40, (k + 1) * 40), nativeWrap(kek, keys.subarray(k * 32, (k + 1) * 32)))).toBe(0)
      }
    } finally {
      spy.mockRestore()
    }
  })

  it('wrapNewKey hands out distinct random keys, each with its native wrap, across several batches and lengths', () => {
    const kek = new Uint8Array(randomBytes(32))
    const wrap = new AesKeyWrap('id-aes256-wrap', createSecretKey(kek))
    const seen = new Set<string>()
    for (let i = 0; i < 100; i++) {
      const length = i % 10 === 9 ? 16 : 32 // two pools interleaved
      const { key: keyObject, wrapped } = wrap.wrapNewKey(length)
      expect(keyObject.type).toBe('secret')
      expect(keyObject.symmetricKeySize).toBe(length)
      const key = new Uint8Array(keyObject.export())
      expect(Buffer.compare(wrapped, nativeWrap(kek, key))).toBe(0)
      expect(Buffer.compare(nativeUnwrap(kek, wrapped), key)).toBe(0)
      expect(Buffer.compare(wrap.unwrap(wrapped), key)).toBe(0)
      const text = Buffer.from(key).toString('hex')
      expect(seen.has(text)).toBe(false)
      seen.add(text)
      // The caller owns what it got: wiping it must not touch the next keys.
      key.fill(0)
      wrapped.fill(0)
    }
  })

  it.each([0, 8, 20, 33])('wrapNewKey and wrapBatch refuse a %i-byte key length with WrappingError', (length) => {
    const wrap = new AesKeyWrap('id-aes128-wrap', createSecretKey(new Uint8Array(16)))
    expect(() => wrap.wrapNewKey(length)).toThrow(WrappingError)
    expect(() => wrap.wrapBatch(new Uint8Array(length * 2), length)).toThrow(WrappingError)
  })

  it('wrapNewContentKey: an AES content key of the asked length whose wrap unwraps (natively) to it', async () => {
    for (const kekBytes of [16, 24, 32]) {
      const kekRaw = new Uint8Array(randomBytes(kekBytes))
      const kek = aes(kekRaw)
      for (const bits of [128, 192, 256]) {
        const fresh = wrapNewContentKey(kek, 'AESWrap', bits)
        expect(fresh).toBeDefined()
        const { contentKey, wrapped } = fresh as NonNullable<typeof fresh>
        expect(contentKey.algorithm).toBe('AES')
        expect(contentKey).toBeInstanceOf(LocalDelegatedKey)
        expect((contentKey as LocalDelegatedKey).sizeBits).toBe(bits)
        expect(wrapped.byteLength).toBe(bits / 8 + 8)
        const bytes = nativeUnwrap(kekRaw, wrapped)
        // The content key is exactly the unwrapped bytes: what one encrypts, the other decrypts.
        const blob = await contentKey.encrypt('AES/CBC/PKCS5Padding', 'a', new Uint8Array([1, 2, 3]))
        expect(await aes(bytes).decrypt('AES/CBC/PKCS5Padding', 'a', blob)).toEqual(new Uint8Array([1, 2, 3]))
        // And the plain path reads it back the same way.
        const unwrapped = await kek.unwrap('AESWrap', wrapped, `AES/${bits}`, 'symmetric')
        expect(await unwrapped.decrypt('AES/CBC/PKCS5Padding', 'a', blob)).toEqual(new Uint8Array([1, 2, 3]))
      }
    }
  })

  it('wrapNewContentKey leaves everything else to the plain path (undefined): other keys, transformations and lengths', () => {
    const kek = aes(new Uint8Array(randomBytes(32)))
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(32), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    const rsa = LocalDelegatedKey.fromKeyObject(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'RSA')
    const forwarding = { algorithm: 'AES', wrap: kek.wrap.bind(kek) } as unknown as LocalDelegatedKey
    expect(wrapNewContentKey(hmac, 'AESWrap', 256)).toBeUndefined()
    expect(wrapNewContentKey(rsa, 'AESWrap', 256)).toBeUndefined()
    expect(wrapNewContentKey(rsa, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', 256)).toBeUndefined()
    expect(wrapNewContentKey(forwarding, 'AESWrap', 256)).toBeUndefined()
    expect(wrapNewContentKey(kek, 'AES', 256)).toBeUndefined()
    expect(wrapNewContentKey(kek, 'AESWrapX', 256)).toBeUndefined()
    for (const bits of [0, 64, 160, 512]) expect(wrapNewContentKey(kek, 'AESWrap', bits)).toBeUndefined()
  })
})

describe('AESWrap unwrap on a persistent context where this Node allows it', () => {
  it('the probe says what this Node does: a second unwrap on one context gives the right bytes, or it is not reused', () => {
    for (const bits of [128, 192, 256]) {
      const name = `id-aes${bits}-wrap`
      const kek = new Uint8Array(randomBytes(bits / 8))
      const a = new Uint8Array(randomBytes(32))
      const b = new Uint8Array(randomBytes(16))
      const context = createDecipheriv(name, createSecretKey(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
      let twice: boolean
      try {
        twice = Buffer.compare(context.update(nativeWrap(kek, a)), a) === 0 && Buffer.compare(context.update(nativeWrap(kek, b)), b) === 0
      } catch {
        twice = false
      }
      expect(unwrapContextReusable(name)).toBe(twice)
      expect(unwrapContextReusable(name)).toBe(twice) // cached answer
    }
    expect(unwrapContextReusable('id-aes512-wrap')).toBe(false)
  })

  it('unwraps random sequences of good, tampered, short and wrong-KEK inputs exactly as a fresh native context does', () => {
    for (const bits of [128, 192, 256]) {
      const kek = new Uint8Array(randomBytes(bits / 8))
      const otherKek = new Uint8Array(randomBytes(bits / 8))
      const ours = new AesKeyWrap(`id-aes${bits}-wrap`, createSecretKey(kek))
      for (let i = 0; i < 150; i++) {
        const key = new Uint8Array(randomBytes([16, 24, 32, 64][i % 4] as number))
        let input = nativeWrap(kek, key)
        const kind = i % 5
        if (kind === 1) input[i % input.length] = (input[i % input.length] as number) ^ (1 << (i % 8))
        if (kind === 2) input = nativeWrap(otherKek, key)
        if (kind === 3) input = input.subarray(0, 16)
        let expected: Uint8Array | undefined
        try {
          expected = nativeUnwrap(kek, input)
        } catch {
          expected = undefined
        }
        if (expected === undefined) {
          let error: unknown
          try {
            ours.unwrap(input)
          } catch (e) {
            error = e
          }
          expect(error).toBeInstanceOf(UnwrappingError)
          expect((error as Error).message).toBe('Key unwrap failed')
        } else {
          expect(Buffer.compare(ours.unwrap(input), expected)).toBe(0)
          expect(Buffer.compare(expected, key)).toBe(0)
        }
      }
    }
  })
})

describe('AesKeyWrap.wrapNewKey holds no raw key bytes between calls', () => {
  it('the batch is made from one randomBytes buffer that is wiped right after its keys become KeyObjects', () => {
    const kek = new Uint8Array(randomBytes(32))
    const wrap = new AesKeyWrap('id-aes256-wrap', createSecretKey(kek))
    const made: Buffer[] = []
    const real = nodeCrypto.randomBytes
    const spy = jest.spyOn(nodeCrypto, 'randomBytes').mockImplementation(((size: number) => {
      const bytes = real(size)
      made.push(bytes)
      return bytes
    }) as typeof nodeCrypto.randomBytes)
    try {
      const first = wrap.wrapNewKey(32)
      expect(made).toHaveLength(1)
      const raw = made[0] as Buffer
      expect(raw.byteLength).toBe(32 * 32)
      // Wiped as soon as the batch was built, although 31 keys of it are still to be handed out.
      expect(raw.every((byte) => byte === 0)).toBe(true)
      const keys = [first]
      for (let i = 1; i < 32; i++) keys.push(wrap.wrapNewKey(32))
      expect(made).toHaveLength(1) // one batch for 32 keys
      wrap.wrapNewKey(32)
      expect(made).toHaveLength(2)
      expect((made[1] as Buffer).every((byte) => byte === 0)).toBe(true)
      // Each key is a distinct KeyObject with its wrap, handed out once.
      const seen = new Set<string>()
      for (const { key, wrapped } of keys) {
        const bytes = new Uint8Array(key.export())
        expect(Buffer.compare(wrapped, nativeWrap(kek, bytes))).toBe(0)
        seen.add(Buffer.from(bytes).toString('hex'))
      }
      expect(seen.size).toBe(32)
      expect(new Set(keys.map(({ key }) => key)).size).toBe(32)
    } finally {
      spy.mockRestore()
    }
  })

  it('a failed batch wrap wipes the random bytes and reports WrappingError; the next call works', () => {
    const kek = new Uint8Array(randomBytes(16))
    const wrap = new AesKeyWrap('id-aes128-wrap', createSecretKey(kek))
    const made: Buffer[] = []
    const real = nodeCrypto.randomBytes
    const random = jest.spyOn(nodeCrypto, 'randomBytes').mockImplementation(((size: number) => {
      const bytes = real(size)
      made.push(bytes)
      return bytes
    }) as typeof nodeCrypto.randomBytes)
    const cipher = jest.spyOn(nodeCrypto, 'createCipheriv').mockImplementationOnce(() => {
      throw new Error('simulated native failure')
    })
    try {
      expect(() => wrap.wrapNewKey(32)).toThrow(WrappingError)
      expect(made).toHaveLength(1)
      expect((made[0] as Buffer).every((byte) => byte === 0)).toBe(true)
      const { key, wrapped } = wrap.wrapNewKey(32)
      expect(Buffer.compare(wrapped, nativeWrap(kek, new Uint8Array(key.export())))).toBe(0)
    } finally {
      cipher.mockRestore()
      random.mockRestore()
    }
  })
})

describe('AESWrap unwrap: a failure on the persistent context is retried on a fresh one before any error', () => {
  type Kind = 'valid' | 'tampered' | 'wrongKek' | 'malformed' | 'truncated'
  const kinds: Kind[] = ['valid', 'tampered', 'wrongKek', 'malformed', 'truncated']
  type Outcome = { ok: true; bytes: string } | { ok: false; name: string; message: string }

  const outcome = (run: () => Uint8Array): Outcome => {
    try {
      return { ok: true, bytes: Buffer.from(run()).toString('hex') }
    } catch (error) {
      return { ok: false, name: (error as Error).constructor.name, message: (error as Error).message }
    }
  }
  /** A fresh native context per call, mapped to our one fixed error. */
  const native = (kek: Uint8Array, input: Uint8Array): Outcome => {
    const result = outcome(() => nativeUnwrap(kek, input))
    return result.ok ? result : { ok: false, name: 'UnwrappingError', message: 'Key unwrap failed' }
  }
  const inputFor = (kek: Uint8Array, otherKek: Uint8Array, kind: Kind, key: Uint8Array, pick: number): Uint8Array => {
    const input = nativeWrap(kind === 'wrongKek' ? otherKek : kek, key)
    if (kind === 'tampered') input[pick % input.length] = (input[pick % input.length] as number) ^ (1 << (pick % 8))
    if (kind === 'malformed') return Buffer.concat([input, new Uint8Array(1 + (pick % 7))])
    if (kind === 'truncated') return input.subarray(0, 16)
    return input
  }
  const step = fc.record({
    kind: fc.constantFrom(...kinds),
    length: fc.constantFrom(16, 24, 32, 40, 64),
    pick: fc.nat(),
  })

  it.each([128, 192, 256])('random orders of valid, tampered, wrong-KEK and malformed inputs (%i-bit KEK) equal a fresh native context per call', (bits) => {
    const kek = new Uint8Array(randomBytes(bits / 8))
    const otherKek = new Uint8Array(randomBytes(bits / 8))
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const ours = new AesKeyWrap(`id-aes${bits}-wrap`, createSecretKey(kek))
        for (const { kind, length, pick } of steps) {
          const key = new Uint8Array(randomBytes(length))
          const input = inputFor(kek, otherKek, kind, key, pick)
          const expected = native(kek, input)
          expect(outcome(() => ours.unwrap(input))).toEqual(expected)
          if (kind === 'valid') expect(expected).toEqual({ ok: true, bytes: Buffer.from(key).toString('hex') })
          else expect(expected.ok).toBe(false)
        }
      }),
      { seed: 20261130 + bits, numRuns: 60 },
    )
  })

  it.each([128, 192, 256])('a persistent context that fails for a reason of its own (%i-bit KEK) never turns a valid key into an error', (bits) => {
    // The persistent context is made to fail (as a native fault or a bad state would) on chosen reuses; a valid input
    // must still unwrap, and invalid ones must still give the fixed error.
    const kek = new Uint8Array(randomBytes(bits / 8))
    const otherKek = new Uint8Array(randomBytes(bits / 8))
    const real = nodeCrypto.createDecipheriv
    let reusedFailures = 0
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.boolean()), { minLength: 1, maxLength: 30 }), (steps) => {
        let failNext = false
        const spy = jest.spyOn(nodeCrypto, 'createDecipheriv').mockImplementation(((...args: Parameters<typeof real>) => {
          const context = real(...args)
          let uses = 0
          const update = context.update.bind(context) as (data: Uint8Array) => Buffer
          ;(context as unknown as { update: (data: Uint8Array) => Buffer }).update = (data: Uint8Array) => {
            uses++
            if (uses > 1 && failNext) {
              reusedFailures++
              throw new Error('simulated failure of the reused context')
            }
            return update(data)
          }
          return context
        }) as typeof real)
        try {
          const ours = new AesKeyWrap(`id-aes${bits}-wrap`, createSecretKey(kek))
          for (const [{ kind, length, pick }, fail] of steps) {
            failNext = fail
            const key = new Uint8Array(randomBytes(length))
            const input = inputFor(kek, otherKek, kind, key, pick)
            const expected = native(kek, input) // fresh contexts: used once each, never failed
            expect(outcome(() => ours.unwrap(input))).toEqual(expected)
            if (kind === 'valid') expect(expected.ok).toBe(true)
          }
        } finally {
          spy.mockRestore()
        }
      }),
      { seed: 4242 + bits, numRuns: 40 },
    )
    // Where contexts are reused, the fault did hit them (the retry was exercised); elsewhere none is reused.
    if (unwrapContextReusable(`id-aes${bits}-wrap`)) expect(reusedFailures).toBeGreaterThan(10)
    else expect(reusedFailures).toBe(0)
  })

  it('on this Node, the simulated fault above did hit the reused context (the test exercises the retry)', () => {
    const kek = new Uint8Array(randomBytes(32))
    const real = nodeCrypto.createDecipheriv
    let faults = 0
    let made = 0
    const spy = jest.spyOn(nodeCrypto, 'createDecipheriv').mockImplementation(((...args: Parameters<typeof real>) => {
      made++
      const context = real(...args)
      let uses = 0
      const update = context.update.bind(context) as (data: Uint8Array) => Buffer
      ;(context as unknown as { update: (data: Uint8Array) => Buffer }).update = (data: Uint8Array) => {
        if (++uses === 2) {
          faults++
          throw new Error('simulated failure of the reused context')
        }
        return update(data)
      }
      return context
    }) as typeof real)
    try {
      const ours = new AesKeyWrap('id-aes256-wrap', createSecretKey(kek))
      const keys = [0, 1, 2].map(() => new Uint8Array(randomBytes(32)))
      for (const key of keys) expect(Buffer.compare(ours.unwrap(nativeWrap(kek, key)), key)).toBe(0)
      if (unwrapContextReusable('id-aes256-wrap')) {
        // 1st: new persistent context; 2nd: its reuse fails, retried on a fresh one; 3rd: a new persistent context.
        expect(faults).toBe(1)
        expect(made).toBe(3)
      } else {
        expect(faults).toBe(0)
        expect(made).toBe(3)
      }
    } finally {
      spy.mockRestore()
    }
  })
})

describe('unwrapContentKey (the wrapped provider\'s synchronous unwrap) equals LocalDelegatedKey.unwrap', () => {
  /** The outcome of one path: the key (algorithm, size, what it decrypts) or the error (class, code, message, cause). */
  type Outcome = { key: { algorithm: string; sizeBits: number; blob: Uint8Array } } | { error: { name: string; code: unknown; message: string; cause: string } }
  const probe = new Uint8Array([7, 8, 9])

  /** The error as compared: class, code, message and the cause's message. */
  const errorOf = (error: unknown): Outcome => {
    const e = error as Error & { code?: unknown; cause?: unknown }
    return { error: { name: e.constructor.name, code: e.code, message: e.message, cause: String((e.cause as Error | undefined)?.message) } }
  }

  /**
   * Runs both paths. The plain key encrypts a probe; the synchronous path's key must decrypt it back (same key
   * bytes), have the same algorithm and size, or both paths must fail with the same error.
   */
  async function compare(kek: LocalDelegatedKey, transformation: string, wrapped: Uint8Array, algorithm: string): Promise<Outcome> {
    let plain: Outcome
    let blob: Uint8Array | undefined
    try {
      const key = await kek.unwrap(transformation, wrapped, algorithm, 'symmetric')
      blob = await key.encrypt('AES/CBC/PKCS5Padding', 'a', probe)
      plain = { key: { algorithm: key.algorithm, sizeBits: key.sizeBits, blob: probe } }
    } catch (error) {
      plain = errorOf(error)
    }
    let sync: Outcome
    try {
      const key = unwrapContentKey(kek, transformation, wrapped, algorithm) as LocalDelegatedKey
      expect(key).toBeInstanceOf(LocalDelegatedKey)
      const decrypted = blob === undefined ? new Uint8Array(0) : await key.decrypt('AES/CBC/PKCS5Padding', 'a', blob)
      sync = { key: { algorithm: key.algorithm, sizeBits: key.sizeBits, blob: decrypted } }
    } catch (error) {
      sync = errorOf(error)
    }
    expect(sync).toEqual(plain)
    return plain
  }

  it('gives the same key for every KEK and content key length, with the length named or not', async () => {
    for (const kekBytes of [16, 24, 32]) {
      const kekRaw = new Uint8Array(randomBytes(kekBytes))
      const kek = aes(kekRaw)
      for (const bytes of [16, 24, 32]) {
        const content = new Uint8Array(randomBytes(bytes))
        const wrapped = nativeWrap(kekRaw, content)
        for (const algorithm of ['AES', `AES/${bytes * 8}`]) {
          const outcome = await compare(kek, 'AESWrap', wrapped, algorithm)
          expect(outcome).toEqual({ key: { algorithm: 'AES', sizeBits: bytes * 8, blob: probe } })
        }
      }
    }
  })

  it('throws the error unwrap rejects with: tampered, short, misaligned, other KEK, other length named, bad names', async () => {
    const kekRaw = new Uint8Array(randomBytes(32))
    const kek = aes(kekRaw)
    const wrapped = nativeWrap(kekRaw, new Uint8Array(randomBytes(32)))
    const tampered = wrapped.slice()
    tampered[12] = (tampered[12] as number) ^ 0x40
    const cases: Array<[string, Uint8Array, string]> = [
      ['AESWrap', tampered, 'AES/256'],
      ['AESWrap', wrapped.subarray(0, 16), 'AES'],
      ['AESWrap', wrapped.subarray(0, 36), 'AES'],
      ['AESWrap', nativeWrap(new Uint8Array(randomBytes(32)), new Uint8Array(32)), 'AES'],
      ['AESWrap', wrapped, 'AES/128'],
      ['AESWrap', wrapped, 'AES/100'],
      ['AESWrap', wrapped, 'RSA'],
      ['AESWrap', wrapped, 'Foo'],
      ['AESWrapX', wrapped, 'AES'],
      ['RSA/ECB/OAEPWithSHA-256AndMGF1Padding', wrapped, 'AES'],
      ['AESWrap', 'not bytes' as unknown as Uint8Array, 'AES'],
    ]
    for (const [transformation, input, algorithm] of cases) {
      const outcome = await compare(kek, transformation, input, algorithm)
      expect('error' in outcome).toBe(true)
    }
    // The KEK is still good after every failure (the persistent context was dropped, never left broken).
    expect(await compare(kek, 'AESWrap', wrapped, 'AES/256')).toMatchObject({ key: { sizeBits: 256 } })
  })

  it('gives the same key or error for RSA-OAEP, and refuses through an RSA public key as unwrap does', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const wrapper = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const wrapped = await wrapper.wrap('RSA/ECB/OAEPWithSHA-256AndMGF1Padding', new Uint8Array(randomBytes(16)))
    expect(await compare(unwrapper, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', wrapped, 'AES/128')).toMatchObject({ key: { sizeBits: 128 } })
    expect('error' in await compare(unwrapper, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', wrapped, 'AES/256')).toBe(true)
    expect('error' in await compare(wrapper, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', wrapped, 'AES/128')).toBe(true)
  })

  it('leaves every other key to its own unwrap (undefined)', () => {
    const kek = aes(new Uint8Array(randomBytes(32)))
    const forwarding = { algorithm: 'AES', unwrap: kek.unwrap.bind(kek) } as unknown as LocalDelegatedKey
    expect(unwrapContentKey(forwarding, 'AESWrap', new Uint8Array(40), 'AES')).toBeUndefined()
    expect(unwrapContentKey(null as unknown as LocalDelegatedKey, 'AESWrap', new Uint8Array(40), 'AES')).toBeUndefined()
  })

  it('AesKeyWrap.unwrap hands over key bytes in an array of their own (nothing else reachable through .buffer), right call after call', () => {
    const kekRaw = new Uint8Array(randomBytes(32))
    const wrap = new AesKeyWrap('id-aes256-wrap', createSecretKey(kekRaw))
    for (let i = 0; i < 20; i++) {
      const content = new Uint8Array(randomBytes(i % 2 === 0 ? 32 : 16))
      const raw = wrap.unwrap(nativeWrap(kekRaw, content))
      expect(raw).toEqual(content)
      expect(raw.byteOffset).toBe(0)
      expect(raw.buffer.byteLength).toBe(raw.byteLength)
      raw.fill(0) // the caller's wipe must not disturb the next unwrap
    }
  })
})

describe('AESWrap unwrap batched over a persistent ECB context (AesKeyWrap.unwrapBatch, unwrapContentKeys)', () => {
  type Kind = 'valid' | 'tampered' | 'wrongKek' | 'otherLength' | 'malformed'
  const kinds: Kind[] = ['valid', 'tampered', 'wrongKek', 'otherLength', 'malformed']

  it.each([128, 192, 256])('gives each input of random batches the native unwrap, or undefined where that fails (%i-bit KEK)', (bits) => {
    const kek = new Uint8Array(randomBytes(bits / 8))
    const otherKek = new Uint8Array(randomBytes(bits / 8))
    const ours = new AesKeyWrap(`id-aes${bits}-wrap`, createSecretKey(kek))
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32, 40, 64),
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), pick: fc.nat() }), { minLength: 1, maxLength: 40 }),
        (length, steps) => {
          const inputs = steps.map(({ kind, pick }) => {
            const key = new Uint8Array(randomBytes(kind === 'otherLength' ? (length === 16 ? 24 : 16) : length))
            const input = nativeWrap(kind === 'wrongKek' ? otherKek : kek, key)
            if (kind === 'tampered') input[pick % input.length] = (input[pick % input.length] as number) ^ (1 << (pick % 8))
            if (kind === 'malformed') return input.subarray(0, input.length - 8 + (pick % 8))
            return input
          })
          const copies = inputs.map((input) => input.slice())
          const keys = ours.unwrapBatch(inputs, length)
          expect(keys).toHaveLength(inputs.length)
          inputs.forEach((input, k) => {
            expect(input).toEqual(copies[k]) // inputs untouched
            let expected: Uint8Array | undefined
            try {
              expected = input.byteLength === length + 8 ? nativeUnwrap(kek, input) : undefined
            } catch {
              expected = undefined
            }
            const key = keys[k]
            if (expected === undefined) {
              expect(key).toBeUndefined()
            } else {
              expect(key?.type).toBe('secret')
              expect(Buffer.compare(key?.export() as Buffer, expected)).toBe(0)
              // The plain path gives the same bytes.
              expect(Buffer.compare(ours.unwrap(input), expected)).toBe(0)
            }
          })
        },
      ),
      { numRuns: 40 },
    )
  })

  it('gives RFC 3394 section 4 keys, alone and in a batch with tampered ones', () => {
    for (const [, kek, data, wrapped] of RFC3394) {
      const ours = new AesKeyWrap(cipherFor(kek), createSecretKey(hex(kek)))
      const tampered = hex(wrapped)
      tampered[3] = (tampered[3] as number) ^ 0x80
      const keys = ours.unwrapBatch([hex(wrapped), tampered, hex(wrapped)], hex(data).byteLength)
      expect(new Uint8Array((keys[0] as KeyObject).export())).toEqual(hex(data))
      expect(keys[1]).toBeUndefined()
      expect(new Uint8Array((keys[2] as KeyObject).export())).toEqual(hex(data))
    }
  })

  it('reports nothing when the ECB context fails: every entry undefined, and the next batch works', () => {
    const kek = new Uint8Array(randomBytes(32))
    const ours = new AesKeyWrap('id-aes256-wrap', createSecretKey(kek))
    const key = new Uint8Array(randomBytes(32))
    const spy = jest.spyOn(nodeCrypto, 'createDecipheriv').mockImplementationOnce(() => {
      throw new Error('simulated native failure')
    })
    try {
      expect(ours.unwrapBatch([nativeWrap(kek, key), nativeWrap(kek, key)], 32)).toEqual([undefined, undefined])
    } finally {
      spy.mockRestore()
    }
    const keys = ours.unwrapBatch([nativeWrap(kek, key)], 32)
    expect(new Uint8Array((keys[0] as KeyObject).export())).toEqual(key)
    expect(ours.unwrapBatch([nativeWrap(kek, key)], 20)).toEqual([undefined]) // not a key length
  })

  it('unwrapContentKeys gives, per wrapped key, the key unwrapContentKey gives, or undefined where that one throws', async () => {
    const kekRaw = new Uint8Array(randomBytes(32))
    const kek = aes(kekRaw)
    const other = aes(new Uint8Array(randomBytes(32)))
    const blobOf = (key: Uint8Array): Promise<Uint8Array> => aes(key).encrypt('AES/CBC/PKCS5Padding', 'a', new Uint8Array([4, 5, 6]))
    const contentKeys = [16, 24, 32, 32, 16, 40].map((length) => new Uint8Array(randomBytes(length)))
    const wrapped = contentKeys.map((key, i) => nativeWrap(i === 3 ? new Uint8Array(randomBytes(32)) : kekRaw, key))
    for (const algorithm of ['AES', 'AES/128', 'AES/192', 'AES/256']) {
      const batch = unwrapContentKeys(kek, 'AESWrap', wrapped, algorithm)
      expect(batch).toHaveLength(wrapped.length)
      for (let i = 0; i < wrapped.length; i++) {
        let plain: unknown
        try {
          plain = unwrapContentKey(kek, 'AESWrap', wrapped[i] as Uint8Array, algorithm)
        } catch (error) {
          plain = error
        }
        if (plain instanceof Error) {
          expect(plain).toBeInstanceOf(UnwrappingError)
          expect(batch[i]).toBeUndefined()
        } else {
          const key = batch[i] as LocalDelegatedKey
          expect(key).toBeInstanceOf(LocalDelegatedKey)
          expect([key.algorithm, key.sizeBits, key.keyType]).toEqual([(plain as LocalDelegatedKey).algorithm, (plain as LocalDelegatedKey).sizeBits, 'symmetric'])
          expect(await key.decrypt('AES/CBC/PKCS5Padding', 'a', await blobOf(contentKeys[i] as Uint8Array))).toEqual(new Uint8Array([4, 5, 6]))
        }
      }
    }
    // Everything else is left to the plain path: other keys, transformations and key algorithms.
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(32), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    const forwarding = { algorithm: 'AES', unwrap: kek.unwrap.bind(kek) } as unknown as LocalDelegatedKey
    const none = [undefined, undefined, undefined, undefined, undefined, undefined]
    expect(unwrapContentKeys(hmac, 'AESWrap', wrapped, 'AES')).toEqual(none)
    expect(unwrapContentKeys(forwarding, 'AESWrap', wrapped, 'AES')).toEqual(none)
    expect(unwrapContentKeys(kek, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', wrapped, 'AES')).toEqual(none)
    expect(unwrapContentKeys(kek, 'AESWrapX', wrapped, 'AES')).toEqual(none)
    for (const algorithm of ['HmacSHA256', 'AES/512', 'AES/0256', '', 'RSA']) expect(unwrapContentKeys(kek, 'AESWrap', wrapped, algorithm)).toEqual(none)
    expect(unwrapContentKeys(other, 'AESWrap', wrapped, 'AES')).toEqual(none)
  })
})
