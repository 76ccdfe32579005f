import {
  InvalidArgumentError,
  InvalidKeyError,
  MaterialsUnavailableError,
  createDecryptionMaterials,
  createEncryptionMaterials,
  type DelegatedKey,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider } from '../../src/static-materials-provider'
import { aesKey, context, hmacKey, rsaKeys, sameContentKey } from '../support/keys'

describe('StaticMaterialsProvider', () => {
  const encryptionKey = aesKey()
  const signingKey = hmacKey()

  it('returns the same frozen materials for every item', async () => {
    const provider = new StaticMaterialsProvider({
      encryptionMaterials: { materialDescription: { a: '1' }, encryptionKey, signingKey },
      decryptionMaterials: { materialDescription: { a: '1' }, decryptionKey: encryptionKey, verificationKey: signingKey },
    })
    const first = await provider.getEncryptionMaterials(context())
    const second = await provider.getEncryptionMaterials(context({ other: 'x' }))
    expect(second).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(first.encryptionKey).toBe(encryptionKey)
    expect(first.signingKey).toBe(signingKey)
    expect(first.materialDescription).toEqual({ a: '1' })
    const dec = await provider.getDecryptionMaterials(context({ a: 'something else', b: '2' }))
    // The item's description is ignored (Python static provider).
    expect(dec.materialDescription).toEqual({ a: '1' })
    expect(dec.decryptionKey).toBe(encryptionKey)
    expect(await provider.getDecryptionMaterials(context())).toBe(dec)
  })

  it('copies the materials it is given', async () => {
    const md: Record<string, string> = { a: '1' }
    const provider = new StaticMaterialsProvider({ encryptionMaterials: { materialDescription: md, encryptionKey, signingKey } })
    md.a = 'changed'
    expect((await provider.getEncryptionMaterials(context())).materialDescription).toEqual({ a: '1' })
  })

  it('accepts materials built with createEncryptionMaterials / createDecryptionMaterials', async () => {
    const encryptionMaterials = createEncryptionMaterials({ materialDescription: {}, encryptionKey, signingKey })
    const decryptionMaterials = createDecryptionMaterials({ materialDescription: {}, decryptionKey: encryptionKey, verificationKey: signingKey })
    const provider = new StaticMaterialsProvider({ encryptionMaterials, decryptionMaterials })
    expect((await provider.getDecryptionMaterials(context())).verificationKey).toBe(signingKey)
  })

  it('rejects with MaterialsUnavailableError when asked for absent materials', async () => {
    const writer = new StaticMaterialsProvider({ encryptionMaterials: { materialDescription: {}, encryptionKey, signingKey } })
    const reader = new StaticMaterialsProvider({ decryptionMaterials: { materialDescription: {}, decryptionKey: encryptionKey, verificationKey: signingKey } })
    const e1 = await writer.getDecryptionMaterials(context()).catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(MaterialsUnavailableError)
    expect((e1 as MaterialsUnavailableError).code).toBe('ERR_MATERIALS_UNAVAILABLE')
    expect((e1 as Error).message).toMatch(/No decryption materials available/)
    const e2 = await reader.getEncryptionMaterials(context()).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(MaterialsUnavailableError)
    expect((e2 as Error).message).toMatch(/No encryption materials available/)
  })

  it('refuses content keys that are not allowed for raw materials', () => {
    expect(() => new StaticMaterialsProvider({ encryptionMaterials: { materialDescription: {}, encryptionKey: hmacKey(), signingKey } })).toThrow(InvalidKeyError)
    expect(() => new StaticMaterialsProvider({ decryptionMaterials: { materialDescription: {}, decryptionKey: rsaKeys('RSA').privateKey, verificationKey: signingKey } })).toThrow(InvalidKeyError)
    expect(() => StaticMaterialsProvider.fromKeys({ encryptionKey: hmacKey(), signingKey })).toThrow(/encryptionKey/)
  })

  it('refuses to be built without materials', () => {
    expect(() => new StaticMaterialsProvider({})).toThrow(InvalidArgumentError)
  })

  it.each([
    ['encryptionMaterials', { encryptionMaterials: 'x' }],
    ['encryptionMaterials.signingKey', { encryptionMaterials: { materialDescription: {} } }],
    ['decryptionMaterials.verificationKey', { decryptionMaterials: { materialDescription: {}, verificationKey: 'k' } }],
    ['decryptionMaterials.decryptionKey', { decryptionMaterials: { materialDescription: {}, verificationKey: hmacKey(), decryptionKey: new Uint8Array(16) } }],
    ['encryptionMaterials.materialDescription', { encryptionMaterials: { materialDescription: { a: 1 }, signingKey: hmacKey() } }],
  ])('throws an InvalidArgumentError naming "%s"', (option, options) => {
    expect(() => new StaticMaterialsProvider(options as never)).toThrow(InvalidArgumentError)
    expect(() => new StaticMaterialsProvider(options as never)).toThrow(option)
  })
})

describe('StaticMaterialsProvider.fromKeys', () => {
  it('builds both materials; decryptionKey defaults to encryptionKey, verificationKey to signingKey', async () => {
    const encryptionKey = aesKey(128)
    const signingKey = hmacKey()
    const provider = StaticMaterialsProvider.fromKeys({ encryptionKey, signingKey, materialDescription: { team: 'blue' } })
    const enc = await provider.getEncryptionMaterials(context())
    const dec = await provider.getDecryptionMaterials(context())
    expect(enc.materialDescription).toEqual({ team: 'blue' })
    expect(dec.materialDescription).toEqual({ team: 'blue' })
    expect(dec.verificationKey).toBe(signingKey)
    expect(await sameContentKey(enc.encryptionKey as DelegatedKey, dec.decryptionKey as DelegatedKey)).toBe(true)
  })

  it('builds sign-only materials without an encryption key', async () => {
    const provider = StaticMaterialsProvider.fromKeys({ signingKey: hmacKey() })
    expect((await provider.getEncryptionMaterials(context())).encryptionKey).toBeUndefined()
    expect((await provider.getDecryptionMaterials(context())).decryptionKey).toBeUndefined()
  })

  it('builds a read-only provider from a verification key', async () => {
    const { publicKey } = rsaKeys('SHA256withRSA')
    const provider = StaticMaterialsProvider.fromKeys({ decryptionKey: aesKey(), verificationKey: publicKey })
    expect((await provider.getDecryptionMaterials(context())).verificationKey).toBe(publicKey)
    await expect(provider.getEncryptionMaterials(context())).rejects.toBeInstanceOf(MaterialsUnavailableError)
  })

  it('verifies RSA signatures through the private signing key by default', async () => {
    const { privateKey, publicKey } = rsaKeys('SHA256withRSA')
    const provider = StaticMaterialsProvider.fromKeys({ encryptionKey: aesKey(), signingKey: privateKey })
    const data = new TextEncoder().encode('data')
    const signature = await (await provider.getEncryptionMaterials(context())).signingKey.sign('SHA256withRSA', data)
    expect(await (await provider.getDecryptionMaterials(context())).verificationKey.verify('SHA256withRSA', signature, data)).toBe(true)
    expect(await publicKey.verify('SHA256withRSA', signature, data)).toBe(true)
  })

  it('needs a signing or verification key', () => {
    expect(() => StaticMaterialsProvider.fromKeys({ encryptionKey: aesKey() })).toThrow(InvalidArgumentError)
    expect(() => StaticMaterialsProvider.fromKeys({ signingKey: 'k' as never })).toThrow(/signingKey/)
  })
})
