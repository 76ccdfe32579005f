/**
 * The one table mapping JCE algorithm and transformation names (FORMAT.md 3.5, 4.1, 7.2) to Node names and
 * parameters. Everything else in `crypto/` looks names up here, once, with a `Map` lookup.
 * @internal
 */
import { JceName } from '../wire'

/** Node digest names used by this library. */
export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'

/** Digest output lengths in bytes. */
export const HASH_LENGTH: Readonly<Record<HashName, number>> = Object.freeze({
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
})

/** What kind of key material an algorithm name designates. */
export type KeyFamily = 'aes' | 'hmac' | 'rsa'

/** A key algorithm name (the `algorithm` of a key). */
export interface KeyAlgorithmSpec {
  readonly family: KeyFamily
  /** Raw (static) materials may use keys of this algorithm directly (FORMAT.md 7.1). */
  readonly allowedForRawMaterials: boolean
}

/** Key algorithms: `AES`, `Hmac*` (symmetric), `RSA` (wrapping) and `SHA*withRSA` (signing). */
export const KEY_ALGORITHMS: ReadonlyMap<string, KeyAlgorithmSpec> = new Map<string, KeyAlgorithmSpec>([
  [JceName.Aes, { family: 'aes', allowedForRawMaterials: true }],
  [JceName.HmacSha224, { family: 'hmac', allowedForRawMaterials: true }],
  [JceName.HmacSha256, { family: 'hmac', allowedForRawMaterials: true }],
  [JceName.HmacSha384, { family: 'hmac', allowedForRawMaterials: true }],
  [JceName.HmacSha512, { family: 'hmac', allowedForRawMaterials: true }],
  [JceName.Rsa, { family: 'rsa', allowedForRawMaterials: false }],
  [JceName.Sha224WithRsa, { family: 'rsa', allowedForRawMaterials: true }],
  [JceName.Sha256WithRsa, { family: 'rsa', allowedForRawMaterials: true }],
  [JceName.Sha384WithRsa, { family: 'rsa', allowedForRawMaterials: true }],
  [JceName.Sha512WithRsa, { family: 'rsa', allowedForRawMaterials: true }],
])

/** A signature algorithm (FORMAT.md 3.5). */
export interface SignatureSpec {
  /** `hmac`: HMAC with `hash`; `rsa`: RSASSA-PKCS1-v1_5 with `hash`. */
  readonly family: 'hmac' | 'rsa'
  readonly hash: HashName
}

/** Signature algorithms: `HmacSHA224/256/384/512`, `SHA224/256/384/512withRSA`. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureSpec> = new Map<string, SignatureSpec>([
  [JceName.HmacSha224, { family: 'hmac', hash: 'sha224' }],
  [JceName.HmacSha256, { family: 'hmac', hash: 'sha256' }],
  [JceName.HmacSha384, { family: 'hmac', hash: 'sha384' }],
  [JceName.HmacSha512, { family: 'hmac', hash: 'sha512' }],
  [JceName.Sha224WithRsa, { family: 'rsa', hash: 'sha224' }],
  [JceName.Sha256WithRsa, { family: 'rsa', hash: 'sha256' }],
  [JceName.Sha384WithRsa, { family: 'rsa', hash: 'sha384' }],
  [JceName.Sha512WithRsa, { family: 'rsa', hash: 'sha512' }],
])

/** A key wrapping transformation (FORMAT.md 7.2). */
export type WrapSpec =
  | { readonly kind: 'aes-wrap'; readonly writable: true }
  /** RSAES-OAEP, OAEP (label) hash `hash`, MGF1 always with SHA-1 (the SunJCE default the Python client copies). */
  | { readonly kind: 'rsa-oaep'; readonly hash: HashName; readonly writable: boolean }
  /** RSAES-PKCS1-v1_5: read-only, for items written by old Java releases. */
  | { readonly kind: 'rsa-pkcs1'; readonly writable: false }

/**
 * Wrapping transformations. Only `AESWrap` and `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` are ever written; the
 * other OAEP hashes and PKCS#1 v1.5 (`RSA` as the implicit default of an old Java writer, or spelled out) are read
 * only (FORMAT.md 7.2).
 */
export const WRAP_TRANSFORMATIONS: ReadonlyMap<string, WrapSpec> = new Map<string, WrapSpec>([
  [JceName.AesWrap, { kind: 'aes-wrap', writable: true }],
  [JceName.RsaOaepSha256, { kind: 'rsa-oaep', hash: 'sha256', writable: true }],
  ['RSA/ECB/OAEPWithSHA-1AndMGF1Padding', { kind: 'rsa-oaep', hash: 'sha1', writable: false }],
  ['RSA/ECB/OAEPWithSHA-384AndMGF1Padding', { kind: 'rsa-oaep', hash: 'sha384', writable: false }],
  ['RSA/ECB/OAEPWithSHA-512AndMGF1Padding', { kind: 'rsa-oaep', hash: 'sha512', writable: false }],
  [JceName.Rsa, { kind: 'rsa-pkcs1', writable: false }],
  [JceName.RsaPkcs1, { kind: 'rsa-pkcs1', writable: false }],
])

/** The only attribute encryption transformation (FORMAT.md 4.1). */
export const ENCRYPT_TRANSFORMATIONS: ReadonlySet<string> = new Set<string>([JceName.AesCbcPkcs5])

/** Node cipher names for AES-CBC by key length in bytes. */
export const AES_CBC_CIPHERS: ReadonlyMap<number, string> = new Map([
  [16, 'aes-128-cbc'],
  [24, 'aes-192-cbc'],
  [32, 'aes-256-cbc'],
])

/** Node cipher names for RFC 3394 AES key wrap by KEK length in bytes. */
export const AES_WRAP_CIPHERS: ReadonlyMap<number, string> = new Map([
  [16, 'id-aes128-wrap'],
  [24, 'id-aes192-wrap'],
  [32, 'id-aes256-wrap'],
])

/** Symmetric key sizes (bits) accepted for AES keys. */
export const AES_KEY_BITS: readonly number[] = Object.freeze([128, 192, 256])

/** Minimum key sizes (bits) for writing (signing, wrapping); reading has no minimum (the vectors use an 8-byte HMAC key). */
export const MIN_HMAC_KEY_BITS_FOR_WRITING = 128
export const MIN_RSA_KEY_BITS_FOR_WRITING = 2048

/**
 * Quotes an untrusted name (it may come from an item's material description) for an error message: JSON-quoted
 * and cut to 64 characters, so it cannot forge log lines or flood them.
 * @internal
 */
export function quoteName(name: unknown): string {
  if (typeof name !== 'string') return `(${typeof name})`
  const cut = name.length > 64 ? `${name.slice(0, 64)}…` : name
  return JSON.stringify(cut)
}
