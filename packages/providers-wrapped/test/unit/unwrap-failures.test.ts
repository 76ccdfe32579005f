/**
 * Issue 9: no unwrap may tell an attacker which check failed. The material description is not signed, so an
 * attacker can put any ciphertext in `amzn-ddb-env-key` and choose `amzn-ddb-wrap-alg` / `amzn-ddb-env-alg`.
 *
 * - RSA PKCS#1 v1.5 (read only) uses implicit rejection: every outcome (bad padding, good padding with a key of
 *   another size, good padding with the right size but the wrong key, a ciphertext of the wrong length or range)
 *   yields materials, and decryptItem fails at one point, attribute decryption, with one class, code and message.
 * - RSA-OAEP and AESWrap fail explicitly, but every failure of one unwrap has one class, code and message.
 *
 * Well-padded PKCS#1 blocks of other sizes are built here and encrypted with raw RSA (RSA_NO_PADDING).
 */
import {
  AttributeActions,
  CryptoAction,
  JceName,
  MaterialDescriptionKey,
  decryptItem,
  encryptItem,
  toBase64,
  type Item,
} from '@ddb-encryption/core'
import { constants, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto'
import { WrappedMaterialsProvider } from '../../src/wrapped-materials-provider'
import { aesKey, hmacKey, rsaKeys, rsaPairDer } from '../support/keys'
import { descriptionOf, withDescription } from '@ddb-encryption/testing'
import { configFor, failureOf, recordingWrapper, type Failure } from '../support/items'

const ENV_KEY = MaterialDescriptionKey.WrappedDataKey
const ENV_ALG = MaterialDescriptionKey.ContentEncryptionAlgorithm
const WRAP_ALG = MaterialDescriptionKey.ContentKeyWrappingAlgorithm

const PLAINTEXT: Item = Object.freeze({
  pk: { S: 'customer#1' },
  sk: { N: '1' },
  card: { S: '4111 1111 1111 1111' },
  amount: { N: '12.5' },
})
/** The same item with nothing encrypted: the content key is never used. */
const SIGN_ONLY_ACTIONS = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })

const DECRYPTION_FAILED: Failure = { name: 'DecryptionError', code: 'ERR_DECRYPTION_FAILED', message: 'Decryption failed' }
const UNWRAP_FAILED_MESSAGE =
  'Unable to unwrap the content key of this item: it was altered, or it was written with other keys; ' +
  'check that the unwrapping key matches the one that wrapped it'
const UNWRAP_FAILED: Failure = { name: 'UnwrappingError', code: 'ERR_UNWRAPPING_FAILED', message: UNWRAP_FAILED_MESSAGE }

/** EM = 00 ‖ 02 ‖ PS (nonzero) ‖ 00 ‖ M (RFC 8017 7.2.1); the options break it on purpose. */
function pkcs1Block(k: number, message: Uint8Array, broken: { prefix?: [number, number]; shortPadding?: boolean; noSeparator?: boolean } = {}): Uint8Array {
  const ps = new Uint8Array(randomBytes(k - 3 - message.length)).map((b) => b || 1)
  if (broken.shortPadding === true) ps[5] = 0
  return new Uint8Array([...(broken.prefix ?? [0, 2]), ...ps, broken.noSeparator === true ? 0x5a : 0, ...message])
}
const rawRsa = (publicKey: KeyObject, em: Uint8Array): Uint8Array =>
  new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em))
const pkcs1 = (publicKey: KeyObject, message: Uint8Array): Uint8Array =>
  new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, message))
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))
const flip = (bytes: Uint8Array, index: number): Uint8Array => bytes.map((b, i) => (i === index ? b ^ 0x80 : b))
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

describe('RSA PKCS#1 v1.5 unwrap (read only): every outcome fails alike, at attribute decryption', () => {
  const rsa = rsaKeys('RSA')
  const publicKey = createPublicKey({ key: Buffer.from(rsaPairDer().publicDer), format: 'der', type: 'spki' })
  const otherPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
  const contentKeys: Uint8Array[] = []
  const provider = new WrappedMaterialsProvider({
    wrappingKey: recordingWrapper(rsa.publicKey, contentKeys),
    unwrappingKey: rsa.privateKey,
    signingKey: hmacKey(),
  })
  let stored: Item
  let signOnly: Item
  let contentKey: Uint8Array
  let signOnlyContentKey: Uint8Array

  beforeAll(async () => {
    stored = await encryptItem(PLAINTEXT, configFor(provider))
    signOnly = await encryptItem(PLAINTEXT, configFor(provider, SIGN_ONLY_ACTIONS))
    ;[contentKey, signOnlyContentKey] = contentKeys as [Uint8Array, Uint8Array]
    expect(contentKey).toHaveLength(32)
  })

  /** Each outcome: the env-key an attacker (or a damaged item) could present, from the item's own. */
  const outcomes: Record<string, (item: Item, key: Uint8Array) => Uint8Array> = {
    'bad padding (00 03 prefix)': (_i, key) => rawRsa(publicKey, pkcs1Block(256, key, { prefix: [0, 3] })),
    'bad padding (no 00 separator)': (_i, key) => rawRsa(publicKey, pkcs1Block(256, key, { noSeparator: true })),
    'bad padding (fewer than 8 padding bytes)': (_i, key) => rawRsa(publicKey, pkcs1Block(256, key, { shortPadding: true })),
    'good padding, a 16-byte key': () => rawRsa(publicKey, pkcs1Block(256, random(16))),
    'good padding, a 24-byte key': () => rawRsa(publicKey, pkcs1Block(256, random(24))),
    'good padding, a 20-byte key': () => rawRsa(publicKey, pkcs1Block(256, random(20))),
    'good padding, the item key truncated to 16 bytes': (_i, key) => rawRsa(publicKey, pkcs1Block(256, key.subarray(0, 16))),
    'good padding, right size (32 bytes), wrong key': () => pkcs1(publicKey, random(32)),
    'the item key PKCS#1-wrapped under another RSA key': (_i, key) => pkcs1(otherPublicKey, key),
    "the item's own OAEP ciphertext": (item) => bytesOf(descriptionOf(item)[ENV_KEY] as string),
    "the item's OAEP ciphertext with a flipped byte": (item) => flip(bytesOf(descriptionOf(item)[ENV_KEY] as string), 7),
    'a ciphertext of the wrong length': (_i, key) => pkcs1(publicKey, key).subarray(1),
    'a ciphertext not below the modulus': () => new Uint8Array(256).fill(0xff),
  }

  /** The item with its env-key replaced and the PKCS#1 transformation selected (absent wrap-alg, or spelled out). */
  function asPkcs1(item: Item, envKey: Uint8Array, envAlg: string, wrapAlg: string | undefined): Item {
    const md: Record<string, string> = { ...descriptionOf(item), [ENV_KEY]: toBase64(envKey), [ENV_ALG]: envAlg }
    delete md[WRAP_ALG]
    if (wrapAlg !== undefined) md[WRAP_ALG] = wrapAlg
    return withDescription(item, md)
  }

  const variants = [
    ['AES/256', undefined],
    ['AES/256', JceName.RsaPkcs1],
    ['AES', undefined],
    ['AES/128', undefined],
  ] as const

  // (Not with AES/128: the item key has 256 bits, so no correct 128-bit key exists.)
  it.each(variants.filter(([envAlg]) => envAlg !== 'AES/128'))('control: the real key, PKCS#1-wrapped, decrypts (env-alg %s, wrap-alg %s)', async (envAlg, wrapAlg) => {
    const item = asPkcs1(stored, pkcs1(publicKey, contentKey), envAlg, wrapAlg)
    expect(await decryptItem(item, configFor(provider))).toEqual(PLAINTEXT)
  })

  it.each(variants)('every outcome ends in the same class, code and message (env-alg %s, wrap-alg %s)', async (envAlg, wrapAlg) => {
    const failures: Record<string, Failure> = {}
    for (const [outcome, envKey] of Object.entries(outcomes)) {
      const item = asPkcs1(stored, envKey(stored, contentKey), envAlg, wrapAlg)
      // The same point of processing: the provider never fails, whatever the wrapped key holds...
      const materials = await provider.getDecryptionMaterials({
        tableName: 'orders',
        attributes: item,
        materialDescription: descriptionOf(item),
      })
      const sizeBits = (materials.decryptionKey as unknown as { sizeBits: number }).sizeBits
      if (envAlg === 'AES') expect([128, 192, 256]).toContain(sizeBits)
      else expect(sizeBits).toBe(Number(envAlg.slice(4)))
      // ...and decryptItem fails when attributes are decrypted, identically.
      const { name, code, message } = await failureOf(decryptItem(item, configFor(provider)))
      failures[outcome] = { name, code, message }
    }
    expect(failures).toEqual(Object.fromEntries(Object.keys(outcomes).map((outcome) => [outcome, DECRYPTION_FAILED])))
  })

  it('an item with nothing encrypted reads the same under every outcome (the unwrapped key is never used)', async () => {
    for (const envKey of Object.values(outcomes)) {
      const item = asPkcs1(signOnly, envKey(signOnly, signOnlyContentKey), 'AES/256', undefined)
      expect(await decryptItem(item, configFor(provider, SIGN_ONLY_ACTIONS))).toEqual(PLAINTEXT)
    }
  })
})

describe('RSA-OAEP unwrap: every failure has one class, code and message', () => {
  const rsa = rsaKeys('RSA')
  const publicKey = createPublicKey({ key: Buffer.from(rsaPairDer().publicDer), format: 'der', type: 'spki' })
  const otherPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
  const contentKeys: Uint8Array[] = []
  const provider = new WrappedMaterialsProvider({ wrappingKey: recordingWrapper(rsa.publicKey, contentKeys), unwrappingKey: rsa.privateKey, signingKey: hmacKey() })
  let stored: Item
  let envKey: Uint8Array
  let contentKey: Uint8Array

  beforeAll(async () => {
    stored = await encryptItem(PLAINTEXT, configFor(provider))
    envKey = bytesOf(descriptionOf(stored)[ENV_KEY] as string)
    contentKey = contentKeys[0] as Uint8Array
    expect(descriptionOf(stored)[WRAP_ALG]).toBe(JceName.RsaOaepSha256)
  })

  it('fails with UnwrappingError and one message for every damaged or foreign wrapped key', async () => {
    const cases: Record<string, () => Promise<Uint8Array> | Uint8Array> = {
      'first byte flipped': () => flip(envKey, 0),
      'second byte flipped (seed)': () => flip(envKey, 1),
      'middle byte flipped': () => flip(envKey, 128),
      'last byte flipped': () => flip(envKey, 255),
      'one byte short': () => envKey.subarray(1),
      'one byte long': () => new Uint8Array([...envKey, 0]),
      'empty': () => new Uint8Array(0),
      'not below the modulus': () => new Uint8Array(256).fill(0xff),
      'PKCS#1 v1.5 ciphertext of the item key': () => pkcs1(publicKey, contentKey),
      'OAEP with SHA-1 (read as SHA-256)': () => new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey)),
      'OAEP with MGF1-SHA-256 (Node default)': () => new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey)),
      'OAEP under another RSA key': () => new Uint8Array(publicEncrypt({ key: otherPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey)),
      'a valid OAEP ciphertext of a 16-byte key (env-alg says AES/256)': () => rsa.publicKey.wrap(JceName.RsaOaepSha256, random(16)),
      'a valid OAEP ciphertext of a 24-byte key (env-alg says AES/256)': () => rsa.publicKey.wrap(JceName.RsaOaepSha256, random(24)),
    }
    const failures: Record<string, Failure> = {}
    for (const [label, make] of Object.entries(cases)) {
      const item = withDescription(stored, { ...descriptionOf(stored), [ENV_KEY]: toBase64(await make()) })
      const { name, code, message } = await failureOf(decryptItem(item, configFor(provider)))
      failures[label] = { name, code, message }
    }
    expect(failures).toEqual(Object.fromEntries(Object.keys(cases).map((label) => [label, UNWRAP_FAILED])))
    // Control: the untouched item decrypts.
    expect(await decryptItem(stored, configFor(provider))).toEqual(PLAINTEXT)
  })
})

describe('AESWrap unwrap: every failure has one class, code and message', () => {
  const kek = aesKey(256)
  const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey() })
  let stored: Item
  let envKey: Uint8Array

  beforeAll(async () => {
    stored = await encryptItem(PLAINTEXT, configFor(provider))
    envKey = bytesOf(descriptionOf(stored)[ENV_KEY] as string)
    expect(envKey).toHaveLength(40)
  })

  it('fails with UnwrappingError and one message for every damaged or foreign wrapped key', async () => {
    const cases: Record<string, () => Promise<Uint8Array> | Uint8Array | string> = {
      'first byte flipped (integrity block)': () => flip(envKey, 0),
      'a key byte flipped': () => flip(envKey, 20),
      'last byte flipped': () => flip(envKey, 39),
      'truncated to 32 bytes': () => envKey.subarray(0, 32),
      'not a multiple of 8 bytes': () => new Uint8Array([...envKey, 0]),
      'shorter than 24 bytes': () => envKey.subarray(0, 16),
      'empty': () => new Uint8Array(0),
      'wrapped under another KEK': () => aesKey(256).wrap(JceName.AesWrap, random(32)),
      'wrapped under a KEK of another size': () => aesKey(128).wrap(JceName.AesWrap, random(32)),
      'a valid wrap of a 16-byte key (env-alg says AES/256)': () => kek.wrap(JceName.AesWrap, random(16)),
      'a valid wrap of a 24-byte key (env-alg says AES/256)': () => kek.wrap(JceName.AesWrap, random(24)),
      'a valid wrap of a 40-byte key': () => kek.wrap(JceName.AesWrap, random(40)),
      'text that is not base64': () => 'A',
    }
    const failures: Record<string, Failure> = {}
    for (const [label, make] of Object.entries(cases)) {
      const made = await make()
      const text = typeof made === 'string' ? made : toBase64(made)
      const item = withDescription(stored, { ...descriptionOf(stored), [ENV_KEY]: text })
      const { name, code, message } = await failureOf(decryptItem(item, configFor(provider)))
      failures[label] = { name, code, message }
    }
    expect(failures).toEqual(Object.fromEntries(Object.keys(cases).map((label) => [label, UNWRAP_FAILED])))
    expect(await decryptItem(stored, configFor(provider))).toEqual(PLAINTEXT)
  })
})
