/** Kind of key material. */
export type KeyType = 'symmetric' | 'public' | 'private'
/** How key bytes are encoded: RAW for symmetric keys, DER or PEM (PKCS#8 / SubjectPublicKeyInfo) for RSA. */
export type KeyEncoding = 'RAW' | 'DER' | 'PEM'

/**
 * A key that performs cryptographic operations itself, so the key can live somewhere else (an HSM, a remote
 * signer). Mirrors the Python client's `DelegatedKey`. Algorithm names are JCE names (FORMAT.md 3.5, 4.1, 7.2).
 *
 * A key implements only the operations it supports; the others reject with `DelegatedKeyError`.
 */
export interface DelegatedKey {
  /** JCE algorithm name of this key: `AES`, `HmacSHA256`, `SHA256withRSA`, `RSA`, ... */
  readonly algorithm: string
  /** True if raw (static) materials may use this key directly. */
  readonly allowedForRawMaterials: boolean
  /**
   * Encrypts one serialized attribute; `transformation` is e.g. `AES/CBC/PKCS5Padding`. Returns `IV ‖ ciphertext`
   * (FORMAT.md 4.2). `attributeName` is informational (no associated data is used by the format).
   */
  encrypt(transformation: string, attributeName: string, plaintext: Uint8Array): Promise<Uint8Array>
  /** Reverses {@link DelegatedKey.encrypt} (FORMAT.md 4.3). */
  decrypt(transformation: string, attributeName: string, ciphertext: Uint8Array): Promise<Uint8Array>
  /** Wraps a content key with `transformation` (`AESWrap`, `RSA/ECB/OAEPWithSHA-256AndMGF1Padding`). */
  wrap(transformation: string, contentKey: Uint8Array): Promise<Uint8Array>
  /** Unwraps a content key and returns it as a key of `wrappedKeyAlgorithm` (e.g. `AES`) and `wrappedKeyType`. */
  unwrap(transformation: string, wrappedKey: Uint8Array, wrappedKeyAlgorithm: string, wrappedKeyType: KeyType): Promise<DelegatedKey>
  /** Signs `data` (the string to sign) with `algorithm` (e.g. `HmacSHA256`, `SHA256withRSA`). */
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>
  /** True if `signature` is valid for `data`; HMACs are compared in constant time. */
  verify(algorithm: string, signature: Uint8Array, data: Uint8Array): Promise<boolean>
}
