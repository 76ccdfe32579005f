import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { LocalDelegatedKey, type KeyEncoding, type KeyType } from '@ddb-encryption/core'

/** One key, as raw bytes plus what both libraries need to load it (`python/bench.py` reads this form). */
export interface KeySpec {
  /** Standard base64 of the key bytes (RAW for symmetric keys, DER: PKCS#8 private / SPKI public). */
  readonly key: string
  readonly algorithm: string
  readonly keyType: KeyType
  readonly encoding: KeyEncoding
}

/** Every key of the run; the same keys are handed to the Python reference. */
export interface BenchKeys {
  /** Static materials: AES-128 content key. */
  readonly staticAes: KeySpec
  /** Static materials, wrapped AES and the MetaStore meta provider: HMAC-SHA256 signing key (256 bits). */
  readonly hmac: KeySpec
  /** Wrapped AES: AES-256 wrapping key (AESWrap). Also the MetaStore meta provider's wrapping key. */
  readonly wrappingAes: KeySpec
  /** Wrapped RSA: RSA-2048 public (wrap) and private (unwrap) key, OAEP SHA-256. */
  readonly rsaWrapPublic: KeySpec
  readonly rsaWrapPrivate: KeySpec
  /** Wrapped RSA: RSA-2048 private key signing with SHA256withRSA (verifies through its public half). */
  readonly rsaSignPrivate: KeySpec
}

function symmetric(bytes: number, algorithm: string): KeySpec {
  return { key: randomBytes(bytes).toString('base64'), algorithm, keyType: 'symmetric', encoding: 'RAW' }
}

function rsaPair(algorithm: string): { publicKey: KeySpec; privateKey: KeySpec } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
  return {
    publicKey: { key: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), algorithm, keyType: 'public', encoding: 'DER' },
    privateKey: { key: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), algorithm, keyType: 'private', encoding: 'DER' },
  }
}

/** Fresh random keys for one run. */
export function generateBenchKeys(): BenchKeys {
  const wrap = rsaPair('RSA')
  const sign = rsaPair('SHA256withRSA')
  return {
    staticAes: symmetric(16, 'AES'),
    hmac: symmetric(32, 'HmacSHA256'),
    wrappingAes: symmetric(32, 'AES'),
    rsaWrapPublic: wrap.publicKey,
    rsaWrapPrivate: wrap.privateKey,
    rsaSignPrivate: sign.privateKey,
  }
}

/** Our delegated key for a spec. */
export function delegatedKey(spec: KeySpec): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({
    key: new Uint8Array(Buffer.from(spec.key, 'base64')),
    algorithm: spec.algorithm,
    keyType: spec.keyType,
    encoding: spec.encoding,
  })
}

/** A node:crypto secret key for a symmetric spec (the crypto floor uses the same bytes). */
export function secretKeyObject(spec: KeySpec): KeyObject {
  return createSecretKey(Buffer.from(spec.key, 'base64'))
}

/** node:crypto RSA keys for the RSA specs (the true floor uses the same keys). */
export function rsaKeyObjects(keys: BenchKeys): { wrapPublic: KeyObject; wrapPrivate: KeyObject; signPrivate: KeyObject; signPublic: KeyObject } {
  const der = (spec: KeySpec): Buffer => Buffer.from(spec.key, 'base64')
  const signPrivate = createPrivateKey({ key: der(keys.rsaSignPrivate), format: 'der', type: 'pkcs8' })
  return {
    wrapPublic: createPublicKey({ key: der(keys.rsaWrapPublic), format: 'der', type: 'spki' }),
    wrapPrivate: createPrivateKey({ key: der(keys.rsaWrapPrivate), format: 'der', type: 'pkcs8' }),
    signPrivate,
    signPublic: createPublicKey(signPrivate),
  }
}
