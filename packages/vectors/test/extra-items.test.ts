/**
 * Items the shared vectors do not contain (FORMAT.md 7.2, 10.8, Appendix A "0 PKCS#1 v1.5 unwraps"), made here with
 * node:crypto where our library refuses to write them.
 */
import { constants, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, verify } from 'node:crypto'
import {
  AttributeActions,
  CryptoAction,
  DecryptionError,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  ReservedAttribute,
  SignatureVerificationError,
  UnwrappingError,
  createEncryptionMaterials,
  decryptItem,
  encryptItem,
  stringToSign,
  type CryptoConfig,
  type Item,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { descriptionOf, withDescription } from '@ddb-encryption/testing'
import { differingAttributes } from '../src'

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const publicDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
const privateDer = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))

const encryptionContext = { tableName: 'ExtraItems', partitionKeyName: 'pk', sortKeyName: 'sk' }
const attributeActions = new AttributeActions({
  defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
  attributeActions: { stamp: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING },
}).setIndexKeys('pk', 'sk')
const plaintext: Item = Object.freeze({
  pk: { S: 'customer#1' },
  sk: { N: '7' },
  secret: { S: 'the plaintext' },
  numbers: { NS: ['1', '2.5', '-3'] },
  blob: { B: new Uint8Array([0, 1, 2, 255]) },
  stamp: { N: '1700000000' },
  note: { S: 'not signed' },
})

function rsaKey(algorithm: string, type: 'public' | 'private'): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({ key: type === 'public' ? publicDer : privateDer, algorithm, keyType: type, encoding: 'DER' })
}

describe('an old Java wrapped item: RSA PKCS#1 v1.5 content key, no amzn-ddb-wrap-alg, env-alg "AES"', () => {
  const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
  let stored: Item

  beforeAll(async () => {
    // Our library never wraps with PKCS#1 v1.5, so the content key is wrapped here with node:crypto and the item is
    // written through static materials that carry the Java-style description (FORMAT.md 7.2).
    const contentKey = new Uint8Array(randomBytes(32))
    const wrapped = publicEncrypt({ key: createPublicKey({ key: Buffer.from(publicDer), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_PADDING }, contentKey)
    const writer = new StaticMaterialsProvider({
      encryptionMaterials: createEncryptionMaterials({
        materialDescription: {
          [MaterialDescriptionKey.WrappedDataKey]: wrapped.toString('base64'),
          [MaterialDescriptionKey.ContentEncryptionAlgorithm]: 'AES',
        },
        encryptionKey: LocalDelegatedKey.fromBytes({ key: contentKey, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' }),
        signingKey,
      }),
    })
    stored = await encryptItem(plaintext, { materialsProvider: writer, encryptionContext, attributeActions })
  })

  const reader = (): WrappedMaterialsProvider => new WrappedMaterialsProvider({ unwrappingKey: rsaKey('RSA', 'private'), signingKey })
  const config = (): CryptoConfig => ({ materialsProvider: reader(), encryptionContext, attributeActions })

  it('has the Java-style description', () => {
    const md = descriptionOf(stored)
    expect(md[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBeUndefined()
    expect(md[MaterialDescriptionKey.ContentEncryptionAlgorithm]).toBe('AES')
    expect(stored.secret).toHaveProperty('B')
  })

  it('is read by the wrapped provider (unwrapping key algorithm RSA -> PKCS#1 v1.5)', async () => {
    const decrypted = await decryptItem(stored, config())
    expect(differingAttributes(decrypted, plaintext)).toEqual([])
  })

  it('fails like a wrong key when env-alg is changed to name another key length (implicit rejection)', async () => {
    const md = descriptionOf(stored)
    const tampered = withDescription(stored, { ...md, [MaterialDescriptionKey.ContentEncryptionAlgorithm]: 'AES/128' })
    const error = await decryptItem(tampered, config()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecryptionError)
    expect((error as Error).message).toBe('Decryption failed')
  })

  it('fails when wrap-alg is added to claim RSA-OAEP', async () => {
    const md = descriptionOf(stored)
    const tampered = withDescription(stored, { ...md, [MaterialDescriptionKey.ContentKeyWrappingAlgorithm]: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding' })
    await expect(decryptItem(tampered, config())).rejects.toBeInstanceOf(UnwrappingError)
  })

  it('fails with an AES unwrapping key, which has no default transformation', async () => {
    const aesReader = new WrappedMaterialsProvider({ unwrappingKey: LocalDelegatedKey.generate('AES', 256), signingKey })
    await expect(decryptItem(stored, { materialsProvider: aesReader, encryptionContext, attributeActions })).rejects.toBeInstanceOf(UnwrappingError)
  })
})

describe('static AES materials with an RSA (SHA256withRSA) signature', () => {
  const aes = LocalDelegatedKey.generate('AES', 256)
  const provider = StaticMaterialsProvider.fromKeys({
    encryptionKey: aes,
    signingKey: rsaKey('SHA256withRSA', 'private'),
    verificationKey: rsaKey('SHA256withRSA', 'public'),
  })
  const config: CryptoConfig = { materialsProvider: provider, encryptionContext, attributeActions }
  let stored: Item

  beforeAll(async () => {
    stored = await encryptItem(plaintext, config)
  })

  it('writes a 2048-bit RSA signature that node:crypto verifies over the string to sign', () => {
    const signature = stored[ReservedAttribute.Signature]
    if (signature === undefined || !('B' in signature)) throw new Error('no signature attribute')
    expect(signature.B).toHaveLength(256)
    expect(descriptionOf(stored)[MaterialDescriptionKey.SigningAlgorithm]).toBe('SHA256withRSA')
    const data = stringToSign(stored, encryptionContext.tableName, attributeActions)
    expect(verify('sha256', data, publicKey, signature.B)).toBe(true)
    expect(verify('sha256', data, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, signature.B)).toBe(false)
  })

  it('round-trips, leaving sign-only and do-nothing attributes readable', async () => {
    expect(stored.stamp).toEqual(plaintext.stamp)
    expect(stored.note).toEqual(plaintext.note)
    expect(stored.secret).toHaveProperty('B')
    expect(differingAttributes(await decryptItem(stored, config), plaintext)).toEqual([])
  })

  it('rejects a changed signed attribute, another table name, and a flipped signature bit', async () => {
    await expect(decryptItem({ ...stored, stamp: { N: '1700000001' } }, config)).rejects.toBeInstanceOf(SignatureVerificationError)
    await expect(decryptItem(stored, { ...config, encryptionContext: { ...encryptionContext, tableName: 'Other' } })).rejects.toBeInstanceOf(SignatureVerificationError)
    const signature = stored[ReservedAttribute.Signature] as { B: Uint8Array }
    const flipped = new Uint8Array(signature.B)
    flipped[10] = (flipped[10] ?? 0) ^ 0x80
    await expect(decryptItem({ ...stored, [ReservedAttribute.Signature]: { B: flipped } }, config)).rejects.toBeInstanceOf(SignatureVerificationError)
    // DO_NOTHING attributes are not covered by the signature.
    expect(differingAttributes(await decryptItem({ ...stored, note: { S: 'changed' } }, config), { ...plaintext, note: { S: 'changed' } })).toEqual([])
  })
})
