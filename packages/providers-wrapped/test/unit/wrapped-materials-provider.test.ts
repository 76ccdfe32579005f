import {
  AttributeActions,
  CryptoAction,
  InvalidAlgorithmError,
  InvalidArgumentError,
  JceName,
  MaterialDescriptionKey,
  ReservedAttribute,
  UnwrappingError,
  WrappingError,
  decryptItem,
  encryptItem,
  type DelegatedKey,
} from '@ddb-encryption/core'
import { forwardingKey } from '@ddb-encryption/testing'
import { WrappedMaterialsProvider } from '../../src/wrapped-materials-provider'
import { constants, createDecipheriv, createPublicKey, createSecretKey, publicEncrypt, randomBytes } from 'node:crypto'
import { aesKey, aesKeyFrom, context, deepFreeze, hmacKey, rsaKeys, rsaPairDer, sameContentKey } from '../support/keys'

const ENV_KEY = MaterialDescriptionKey.WrappedDataKey
const ENV_ALG = MaterialDescriptionKey.ContentEncryptionAlgorithm
const WRAP_ALG = MaterialDescriptionKey.ContentKeyWrappingAlgorithm

function b64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

function flipByte(text: string, index: number): string {
  const bytes = b64(text)
  bytes[index] = (bytes[index] ?? 0) ^ 0x01
  return Buffer.from(bytes).toString('base64')
}

describe('WrappedMaterialsProvider with an AES wrapping key', () => {
  const kek = aesKey(128)
  const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey() })

  it('writes env-key, env-alg AES/256 (Python style) and wrap-alg AESWrap', async () => {
    const materials = await provider.getEncryptionMaterials(context())
    const md = materials.materialDescription
    expect(Object.keys(md).sort()).toEqual([ENV_ALG, ENV_KEY, WRAP_ALG].sort())
    expect(md[ENV_ALG]).toBe('AES/256')
    expect(md[WRAP_ALG]).toBe(JceName.AesWrap)
    // RFC 3394: a 32-byte key wraps to 40 bytes.
    expect(b64(md[ENV_KEY] ?? '')).toHaveLength(40)
    expect(materials.encryptionKey?.algorithm).toBe('AES')
    expect((materials.encryptionKey as unknown as { sizeBits: number }).sizeBits).toBe(256)
  })

  it('returns frozen materials with the configured signing key', async () => {
    const signingKey = hmacKey()
    const p = new WrappedMaterialsProvider({ wrappingKey: kek, signingKey })
    const materials = await p.getEncryptionMaterials(context())
    expect(Object.isFrozen(materials)).toBe(true)
    expect(Object.isFrozen(materials.materialDescription)).toBe(true)
    expect(materials.signingKey).toBe(signingKey)
  })

  it('makes a new content key for every item', async () => {
    const a = await provider.getEncryptionMaterials(context())
    const b = await provider.getEncryptionMaterials(context())
    expect(a.materialDescription[ENV_KEY]).not.toBe(b.materialDescription[ENV_KEY])
    expect(await sameContentKey(a.encryptionKey as DelegatedKey, b.encryptionKey as DelegatedKey).catch(() => false)).toBe(false)
  })

  it('unwraps the same content key from the written description', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    const dec = await provider.getDecryptionMaterials(context({ ...enc.materialDescription }))
    expect(dec.decryptionKey?.algorithm).toBe('AES')
    expect(await sameContentKey(enc.encryptionKey as DelegatedKey, dec.decryptionKey as DelegatedKey)).toBe(true)
    expect(Object.isFrozen(dec)).toBe(true)
  })

  it('uses the signing key to verify by default', async () => {
    const signingKey = hmacKey()
    const p = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey })
    const enc = await p.getEncryptionMaterials(context())
    const dec = await p.getDecryptionMaterials(context({ ...enc.materialDescription }))
    expect(dec.verificationKey).toBe(signingKey)
  })

  it('honours a configured content key length, bare AES as 256 bits, and copies custom entries', async () => {
    const p128 = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: 'AES/128', team: 'blue' } })
    const m128 = await p128.getEncryptionMaterials(context())
    expect(m128.materialDescription[ENV_ALG]).toBe('AES/128')
    expect(m128.materialDescription.team).toBe('blue')
    expect(b64(m128.materialDescription[ENV_KEY] ?? '')).toHaveLength(24)
    expect((m128.encryptionKey as unknown as { sizeBits: number }).sizeBits).toBe(128)

    const pBare = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: 'AES' } })
    const mBare = await pBare.getEncryptionMaterials(context())
    expect(mBare.materialDescription[ENV_ALG]).toBe('AES')
    expect(b64(mBare.materialDescription[ENV_KEY] ?? '')).toHaveLength(40)
    const dec = await pBare.getDecryptionMaterials(context({ ...mBare.materialDescription }))
    expect(await sameContentKey(mBare.encryptionKey as DelegatedKey, dec.decryptionKey as DelegatedKey)).toBe(true)
  })

  it.each(['AES/0128', 'AES/', 'AES/+128', 'AES/512', 'DES/56', 'AES/128/x'])(
    'refuses a configured content algorithm %p with InvalidAlgorithmError, as the Direct KMS provider does',
    (value) => {
      const build = (): WrappedMaterialsProvider =>
        new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: value } })
      expect(build).toThrow(InvalidAlgorithmError)
      expect(build).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ALGORITHM', message: expect.stringContaining(ENV_ALG) }))
    },
  )

  it('merges its description under the item description on decrypt (item wins)', async () => {
    const p = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { owner: 'provider', onlyProvider: 'p' } })
    const enc = await p.getEncryptionMaterials(context())
    const dec = await p.getDecryptionMaterials(context({ ...enc.materialDescription, owner: 'item' }))
    expect(dec.materialDescription.owner).toBe('item')
    expect(dec.materialDescription.onlyProvider).toBe('p')
  })

  it('does not modify the context or the configured description', async () => {
    const configured = { team: 'blue' }
    const p = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: configured })
    configured.team = 'red'
    const enc = await p.getEncryptionMaterials(context())
    expect(enc.materialDescription.team).toBe('blue')
    expect(configured).toEqual({ team: 'red' })
    const ctx = context({ ...enc.materialDescription })
    await p.getDecryptionMaterials(ctx)
    expect(ctx.materialDescription).toEqual(enc.materialDescription)
  })

  it('refuses to decrypt an item without env-key instead of generating a key', async () => {
    const error = await provider.getDecryptionMaterials(context({ [ENV_ALG]: 'AES/256', [WRAP_ALG]: 'AESWrap' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect((error as UnwrappingError).code).toBe('ERR_UNWRAPPING_FAILED')
    expect((error as Error).message).toMatch(/not written by a wrapped materials provider/)
  })

  describe('rejects a tampered description', () => {
    let written: Readonly<Record<string, string>>
    beforeAll(async () => {
      written = (await provider.getEncryptionMaterials(context())).materialDescription
    })
    const cases: Array<[string, (md: Record<string, string>) => void]> = [
      ['a flipped bit in env-key', (md) => { md[ENV_KEY] = flipByte(md[ENV_KEY] ?? '', 5) }],
      ['a truncated env-key', (md) => { md[ENV_KEY] = Buffer.from(b64(md[ENV_KEY] ?? '').subarray(0, 32)).toString('base64') }],
      ['env-key that neither reference decodes (a dangling base64 character)', (md) => {
        let text = (md[ENV_KEY] ?? '').replace(/=+$/, '')
        while (text.length % 4 !== 1) text += 'A'
        md[ENV_KEY] = text
      }],
      ['env-alg naming 128 bits for a 256-bit key', (md) => { md[ENV_ALG] = 'AES/128' }],
      ['env-alg naming 192 bits for a 256-bit key', (md) => { md[ENV_ALG] = 'AES/192' }],
      ['env-alg naming another algorithm', (md) => { md[ENV_ALG] = 'DESede/256' }],
      ['env-alg with a non-numeric length', (md) => { md[ENV_ALG] = 'AES/abc' }],
      ['wrap-alg changed to RSA-OAEP', (md) => { md[WRAP_ALG] = JceName.RsaOaepSha256 }],
      ['wrap-alg changed to an unknown name', (md) => { md[WRAP_ALG] = 'ROT13' }],
      ['wrap-alg removed (no default for an AES unwrapping key)', (md) => { delete md[WRAP_ALG] }],
    ]
    it.each(cases)('%s -> UnwrappingError', async (_name, tamper) => {
      const md = { ...written }
      tamper(md)
      const error = await provider.getDecryptionMaterials(context(md)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UnwrappingError)
      expect((error as UnwrappingError).code).toBe('ERR_UNWRAPPING_FAILED')
      expect((error as Error).message).not.toContain(written[ENV_KEY])
    })
  })

  it('reads an item without env-alg as AES of the unwrapped length', async () => {
    const p128 = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: 'AES/128' } })
    const enc = await p128.getEncryptionMaterials(context())
    const md: Record<string, string> = { ...enc.materialDescription }
    delete md[ENV_ALG]
    const dec = await provider.getDecryptionMaterials(context(md))
    expect(await sameContentKey(enc.encryptionKey as DelegatedKey, dec.decryptionKey as DelegatedKey)).toBe(true)
  })

  it('refuses to decrypt with a different AES key', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    const other = new WrappedMaterialsProvider({ unwrappingKey: aesKey(128), signingKey: hmacKey() })
    await expect(other.getDecryptionMaterials(context({ ...enc.materialDescription }))).rejects.toBeInstanceOf(UnwrappingError)
  })
})

describe('WrappedMaterialsProvider with an RSA key pair', () => {
  const { publicKey, privateKey } = rsaKeys('RSA')
  const signing = rsaKeys('SHA256withRSA')
  const provider = new WrappedMaterialsProvider({ wrappingKey: publicKey, unwrappingKey: privateKey, signingKey: signing.privateKey })

  it('wraps with RSA-OAEP SHA-256 and unwraps the same content key', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    expect(enc.materialDescription[WRAP_ALG]).toBe(JceName.RsaOaepSha256)
    expect(enc.materialDescription[ENV_ALG]).toBe('AES/256')
    expect(b64(enc.materialDescription[ENV_KEY] ?? '')).toHaveLength(256)
    const dec = await provider.getDecryptionMaterials(context({ ...enc.materialDescription }))
    expect(await sameContentKey(enc.encryptionKey as DelegatedKey, dec.decryptionKey as DelegatedKey)).toBe(true)
  })

  it('verifies with the public half of an RSA private signing key by default', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    const dec = await provider.getDecryptionMaterials(context({ ...enc.materialDescription }))
    const data = new TextEncoder().encode('string to sign')
    const signature = await enc.signingKey.sign('SHA256withRSA', data)
    expect(await dec.verificationKey.verify('SHA256withRSA', signature, data)).toBe(true)
    expect(await signing.publicKey.verify('SHA256withRSA', signature, data)).toBe(true)
    expect(await dec.verificationKey.verify('SHA256withRSA', signature, new TextEncoder().encode('other'))).toBe(false)
  })

  it('uses a configured wrap-alg, refusing one that is read-only', async () => {
    const p = new WrappedMaterialsProvider({
      wrappingKey: publicKey, unwrappingKey: privateKey, signingKey: hmacKey(),
      materialDescription: { [WRAP_ALG]: 'RSA/ECB/OAEPWithSHA-1AndMGF1Padding' },
    })
    const error = await p.getEncryptionMaterials(context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WrappingError)
    expect((error as Error).message).toContain('RSA/ECB/OAEPWithSHA-1AndMGF1Padding')
  })

  it('reads a content key wrapped with the wrap-alg named by the item (OAEP SHA-1)', async () => {
    const contentKey = randomBytes(32)
    const wrapped = publicEncrypt({ key: createPublicKey({ key: Buffer.from(rsaPairDer().publicDer), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey)
    const md = { [ENV_KEY]: wrapped.toString('base64'), [ENV_ALG]: 'AES/256', [WRAP_ALG]: 'RSA/ECB/OAEPWithSHA-1AndMGF1Padding' }
    const dec = await provider.getDecryptionMaterials(context(md))
    const reference = aesKeyFrom(contentKey)
    expect(await sameContentKey(reference, dec.decryptionKey as DelegatedKey)).toBe(true)
    // The OAEP hash is part of the transformation: reading it as SHA-256 must fail.
    await expect(provider.getDecryptionMaterials(context({ ...md, [WRAP_ALG]: JceName.RsaOaepSha256 }))).rejects.toBeInstanceOf(UnwrappingError)
  })

  it('rejects a flipped bit in the RSA-wrapped key', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    const md = { ...enc.materialDescription, [ENV_KEY]: flipByte(enc.materialDescription[ENV_KEY] ?? '', 100) }
    await expect(provider.getDecryptionMaterials(context(md))).rejects.toBeInstanceOf(UnwrappingError)
  })

  it('rejects env-alg naming a length the unwrapped key does not have', async () => {
    const enc = await provider.getEncryptionMaterials(context())
    const md = { ...enc.materialDescription, [ENV_ALG]: 'AES/128' }
    await expect(provider.getDecryptionMaterials(context(md))).rejects.toBeInstanceOf(UnwrappingError)
  })
})

describe('WrappedMaterialsProvider missing keys', () => {
  it('rejects encryption without a wrapping key', async () => {
    const p = new WrappedMaterialsProvider({ unwrappingKey: aesKey(), signingKey: hmacKey() })
    const error = await p.getEncryptionMaterials(context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WrappingError)
    expect((error as WrappingError).code).toBe('ERR_WRAPPING_FAILED')
    expect((error as Error).message).toMatch(/wrappingKey/)
  })

  it('rejects decryption without an unwrapping key', async () => {
    const kek = aesKey()
    const writer = new WrappedMaterialsProvider({ wrappingKey: kek, signingKey: hmacKey() })
    const enc = await writer.getEncryptionMaterials(context())
    const error = await writer.getDecryptionMaterials(context({ ...enc.materialDescription })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect((error as Error).message).toMatch(/unwrappingKey/)
  })
})

describe('WrappedMaterialsProvider constructor', () => {
  const kek = aesKey()
  it.each([
    ['signingKey', { wrappingKey: kek }],
    ['signingKey', { wrappingKey: kek, signingKey: 'secret' }],
    ['wrappingKey', { wrappingKey: new Uint8Array(32), signingKey: hmacKey() }],
    ['unwrappingKey', { unwrappingKey: {}, signingKey: hmacKey() }],
    ['verificationKey', { signingKey: hmacKey(), verificationKey: 42 }],
    ['materialDescription', { signingKey: hmacKey(), materialDescription: 'AES/256' }],
    ['materialDescription', { signingKey: hmacKey(), materialDescription: { a: 1 } }],
  ])('throws an InvalidArgumentError naming "%s"', (option, options) => {
    expect(() => new WrappedMaterialsProvider(options as never)).toThrow(InvalidArgumentError)
    expect(() => new WrappedMaterialsProvider(options as never)).toThrow(option)
  })

  it.each([['AES/100'], ['AES/'], ['HmacSHA256/256'], ['aes/256']])('rejects env-alg %s in materialDescription', (envAlg) => {
    const make = (): WrappedMaterialsProvider => new WrappedMaterialsProvider({ wrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: envAlg } })
    expect(make).toThrow(InvalidArgumentError)
    expect(make).toThrow(/materialDescription/)
  })

  it('rejects a configured env-key', () => {
    expect(() => new WrappedMaterialsProvider({ signingKey: hmacKey(), materialDescription: { [ENV_KEY]: 'AAAA' } })).toThrow(InvalidArgumentError)
  })

  it('throws an InvalidArgumentError when options are missing', () => {
    expect(() => new WrappedMaterialsProvider(undefined as never)).toThrow(InvalidArgumentError)
  })
})

describe('WrappedMaterialsProvider with the item encryptor', () => {
  const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
  const encryptionContext = { tableName: 'table', partitionKeyName: 'pk' }

  it.each([
    ['AES key wrap + HMAC', () => { const k = aesKey(); return new WrappedMaterialsProvider({ wrappingKey: k, unwrappingKey: k, signingKey: hmacKey() }) }],
    ['RSA-OAEP + SHA256withRSA', () => {
      const rsa = rsaKeys('RSA'); const sig = rsaKeys('SHA256withRSA')
      return new WrappedMaterialsProvider({ wrappingKey: rsa.publicKey, unwrappingKey: rsa.privateKey, signingKey: sig.privateKey, verificationKey: sig.publicKey })
    }],
  ])('round-trips an item (%s)', async (_name, make) => {
    const materialsProvider = make()
    const item = deepFreeze({ pk: { S: 'key' }, secret: { S: 'top secret' }, n: { N: '10.5' } })
    const stored = await encryptItem(item, { materialsProvider, encryptionContext, attributeActions: actions })
    expect(stored.pk).toEqual({ S: 'key' })
    expect(stored.secret).toHaveProperty('B')
    expect(stored[ReservedAttribute.Signature]).toHaveProperty('B')
    expect(await decryptItem(stored, { materialsProvider, encryptionContext, attributeActions: actions })).toEqual(item)
  })
})

describe('WrappedMaterialsProvider: batched content keys (core wrapNewContentKey) equal the plain wrap path', () => {
  const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
  const encryptionContext = { tableName: 'table', partitionKeyName: 'pk' }

  it.each([128, 192, 256])('env-key is the native RFC 3394 wrap of the content key (AES/%i), for 60 items in a row', async (bits) => {
    const kekBytes = new Uint8Array(randomBytes(32))
    const kek = aesKeyFrom(kekBytes)
    const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey(), materialDescription: { [ENV_ALG]: `AES/${bits}` } })
    const seen = new Set<string>()
    for (let i = 0; i < 60; i++) {
      const materials = await provider.getEncryptionMaterials(context())
      const envKey = materials.materialDescription[ENV_KEY] as string
      expect(seen.has(envKey)).toBe(false)
      seen.add(envKey)
      const unwrapper = createDecipheriv('id-aes256-wrap', createSecretKey(kekBytes), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
      const contentBytes = new Uint8Array(Buffer.concat([unwrapper.update(b64(envKey)), unwrapper.final()]))
      expect(contentBytes.byteLength).toBe(bits / 8)
      expect(await sameContentKey(materials.encryptionKey as DelegatedKey, aesKeyFrom(contentBytes))).toBe(true)
    }
  })

  it('items written on the batched path read on the plain path and the other way round', async () => {
    const kek = aesKey()
    const signingKey = hmacKey()
    const fast = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey })
    const plain = new WrappedMaterialsProvider({ wrappingKey: forwardingKey(kek), unwrappingKey: forwardingKey(kek), signingKey })
    const item = deepFreeze({ pk: { S: 'key' }, secret: { S: 'top secret' }, n: { N: '10.5' }, b: { B: new Uint8Array([0, 1, 2]) } })
    for (const [writer, reader] of [[fast, plain], [plain, fast], [fast, fast]] as const) {
      const stored = await encryptItem(item, { materialsProvider: writer, encryptionContext, attributeActions: actions })
      expect(await decryptItem(stored, { materialsProvider: reader, encryptionContext, attributeActions: actions })).toEqual(item)
    }
  })

  it('a wrong unwrapping key or a tampered env-key from the batched path fails with the fixed UnwrappingError', async () => {
    const kek = aesKey()
    const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey() })
    const other = new WrappedMaterialsProvider({ wrappingKey: aesKey(), unwrappingKey: aesKey(), signingKey: hmacKey() })
    const enc = await provider.getEncryptionMaterials(context())
    const wrong = await other.getDecryptionMaterials(context({ ...enc.materialDescription })).catch((e: unknown) => e)
    const tampered = await provider
      .getDecryptionMaterials(context({ ...enc.materialDescription, [ENV_KEY]: flipByte(enc.materialDescription[ENV_KEY] as string, 3) }))
      .catch((e: unknown) => e)
    for (const error of [wrong, tampered]) {
      expect(error).toBeInstanceOf(UnwrappingError)
      expect((error as Error).message).toMatch(/^Unable to unwrap the content key of this item/)
    }
  })
})

describe('WrappedMaterialsProvider: the synchronous native unwrap and the remembered env-alg equal the plain path', () => {
  /** What a decrypt gave: the description and key size, or the error's class, message and cause. */
  async function outcome(provider: WrappedMaterialsProvider, md: Record<string, string>): Promise<unknown> {
    try {
      const materials = await provider.getDecryptionMaterials(context(md))
      return { description: { ...materials.materialDescription }, bits: (materials.decryptionKey as { sizeBits?: number }).sizeBits }
    } catch (error) {
      const e = error as Error
      return { error: e.constructor.name, message: e.message, cause: String((e.cause as Error | undefined)?.message) }
    }
  }

  it('one provider reading items whose env-alg changes from item to item answers as a fresh provider per item and as a forwarding key', async () => {
    const kek = aesKey()
    const signingKey = hmacKey()
    const make = (unwrappingKey: DelegatedKey) =>
      new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey, signingKey, materialDescription: { extra: 'x' } })
    const reused = make(kek)
    const envs = await Promise.all([128, 256].map(async (bits) => {
      const writer = new WrappedMaterialsProvider({ wrappingKey: kek, signingKey, materialDescription: { [ENV_ALG]: `AES/${bits}` } })
      return (await writer.getEncryptionMaterials(context())).materialDescription
    }))
    const [env128, env256] = envs as [Readonly<Record<string, string>>, Readonly<Record<string, string>>]
    const descriptions: Array<Record<string, string>> = [
      { ...env256 },
      { ...env256, [ENV_ALG]: 'AES/128' }, // names another length than the key has
      { ...env128 },
      { ...env128, [ENV_ALG]: 'AES/100' },
      { ...env128, [ENV_ALG]: 'AES' },
      { ...env256, [ENV_ALG]: 'RSA/256' },
      { ...env256, [ENV_KEY]: flipByte(env256[ENV_KEY] as string, 5) },
      { ...env256, extra: 'item wins' },
      { ...env256 },
    ]
    let failures = 0
    for (const md of descriptions) {
      const got = await outcome(reused, md)
      expect(got).toEqual(await outcome(make(kek), md))
      // A generic key unwraps with the bare algorithm and the provider checks the length after it (see
      // getDecryptionMaterials): the same outcome and message, the detail in `cause` may differ.
      const forwarded = await outcome(make(forwardingKey(kek)), md)
      expect(got).toEqual((forwarded as { error?: string }).error === undefined ? forwarded : { ...(forwarded as object), cause: (got as { cause?: string }).cause })
      if ((got as { error?: string }).error !== undefined) failures += 1
    }
    expect(failures).toBe(4)
    expect(await outcome(reused, descriptions[0] as Record<string, string>)).toMatchObject({ bits: 256 })
    expect(await outcome(reused, descriptions[2] as Record<string, string>)).toMatchObject({ bits: 128 })
  })
})
