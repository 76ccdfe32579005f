import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, randomBytes } from 'node:crypto'
import {
  DelegatedKeyError,
  InvalidAlgorithmError,
  InvalidArgumentError,
  InvalidKeyError,
  JceTransformationError,
  SigningError,
  UnwrappingError,
} from '../errors'
import type { DelegatedKey, KeyEncoding, KeyType } from '../materials/delegated-key'
import { parseAlgorithmSpec } from '../algorithm-spec'
import { JceName } from '../wire'
import { AesCbc } from './aes-cbc'
import { AesKeyWrap } from './aes-key-wrap'
import { asBuffer } from './bytes'
import { hmacSign, hmacVerify } from './hmac'
import { NATIVE_OPERATIONS, type KeyOperations, type NativeOperationsKey, type NewWrappedKey } from './key-operations'
import {
  AES_CBC_CIPHERS,
  AES_KEY_BITS,
  AES_WRAP_CIPHERS,
  ENCRYPT_TRANSFORMATIONS,
  KEY_ALGORITHMS,
  MIN_HMAC_KEY_BITS_FOR_WRITING,
  MIN_RSA_KEY_BITS_FOR_WRITING,
  quoteName,
  SIGNATURE_ALGORITHMS,
  WRAP_TRANSFORMATIONS,
  type KeyAlgorithmSpec,
  type KeyFamily,
  type SignatureSpec,
  type WrapSpec,
} from './jce-names'
import { rsaOaepDecrypt, rsaOaepEncrypt } from './rsa-oaep'
import { rsaPkcs1v15Decrypt } from './rsa-pkcs1-v1_5'
import { rsaSign, rsaVerify } from './rsa-signature'

/** Key bytes plus how to read them, for {@link LocalDelegatedKey.fromBytes}. */
export interface LocalDelegatedKeyOptions {
  /** Key bytes: raw bytes for `AES`/`Hmac*`; DER (or PEM text as UTF-8 bytes) for RSA keys. Copied, never kept. */
  key: Uint8Array
  /** JCE algorithm name: `AES`, `HmacSHA224/256/384/512`, `RSA` (wrapping) or `SHA224/256/384/512withRSA` (signing). */
  algorithm: string
  /**
   * `symmetric` for `AES`/`Hmac*` (the default for them: it follows from the algorithm); `public` or `private` for
   * RSA keys (required for them).
   */
  keyType?: KeyType
  /**
   * `RAW` for symmetric keys (their default); for RSA keys `DER` (SubjectPublicKeyInfo for public keys, PKCS#8 for
   * private keys; PKCS#1 is also accepted) or `PEM` (any PEM that Node parses). Default for RSA keys: `PEM` when the
   * bytes start with `-----BEGIN`, otherwise `DER`.
   */
  encoding?: KeyEncoding
}

const PEM_PREFIX = '-----BEGIN'

function looksLikePem(key: Uint8Array): boolean {
  if (key.length < PEM_PREFIX.length) return false
  for (let i = 0; i < PEM_PREFIX.length; i++) if (key[i] !== PEM_PREFIX.charCodeAt(i)) return false
  return true
}

const KEY_TYPES: ReadonlySet<string> = new Set<KeyType>(['symmetric', 'public', 'private'])
const ENCODINGS: ReadonlySet<string> = new Set<KeyEncoding>(['RAW', 'DER', 'PEM'])

function lookupKeyAlgorithm(algorithm: unknown): KeyAlgorithmSpec {
  const spec = typeof algorithm === 'string' ? KEY_ALGORITHMS.get(algorithm) : undefined
  if (spec === undefined) {
    throw new InvalidAlgorithmError(
      `Unknown key algorithm ${quoteName(algorithm)}: use AES, HmacSHA224/256/384/512, RSA or SHA224/256/384/512withRSA`,
    )
  }
  return spec
}

const AES_SPEC = KEY_ALGORITHMS.get(JceName.Aes) as KeyAlgorithmSpec

/**
 * A key held in this process (as a Node `KeyObject`) that performs the DynamoDB Encryption Client's operations
 * itself, the counterpart of the Python client's `JceNameLocalDelegatedKey`. Algorithm and transformation names
 * are JCE names (FORMAT.md 3.5, 4.1, 7.2):
 *
 * - `AES` keys encrypt attributes (`AES/CBC/PKCS5Padding`) and wrap keys (`AESWrap`);
 * - `Hmac*` keys sign and verify (`HmacSHA224/256/384/512`);
 * - RSA keys (`RSA`, `SHA*withRSA`) wrap (`RSA/ECB/OAEPWithSHA-256AndMGF1Padding`), unwrap (OAEP with SHA-1/256/384/512,
 *   or legacy PKCS#1 v1.5), sign and verify (`SHA224/256/384/512withRSA`).
 *
 * Writing operations (sign, wrap) refuse HMAC keys under 128 bits and RSA keys under 2048 bits; reading operations
 * (verify, unwrap, decrypt) accept them so that old items stay readable. Instances are immutable and never expose
 * key bytes.
 *
 * @example
 * const aes = LocalDelegatedKey.generate('AES', 256)
 * const hmac = LocalDelegatedKey.fromBytes({ key: hmacBytes, algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
 * const rsa = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
 */
export class LocalDelegatedKey implements DelegatedKey, NativeOperationsKey {
  /** JCE algorithm name of this key, e.g. `AES`, `HmacSHA256`, `RSA`, `SHA256withRSA`. */
  readonly algorithm: string
  /** `symmetric`, `public` or `private`. */
  readonly keyType: KeyType
  /** Key size in bits: the key length for symmetric keys, the modulus length for RSA keys. */
  readonly sizeBits: number
  /** True for `AES`, `Hmac*` and `SHA*withRSA` keys; false for `RSA` wrapping keys (FORMAT.md 7.1). */
  readonly allowedForRawMaterials: boolean

  readonly #family: KeyFamily
  readonly #key: KeyObject
  /** RSA: the public key, or the public half of a private key (verify, wrap). */
  readonly #publicKey: KeyObject | undefined
  /** AES: the attribute cipher (persistent CBC contexts, FORMAT.md 4.2) and the key-wrap cipher name. */
  readonly #cbc: AesCbc | undefined
  readonly #wrapCipher: string | undefined
  /** AES: key wrap under this key, built on first use (a content key never wraps: saves an object per item). */
  #keyWrap: AesKeyWrap | undefined

  /** The item encryptor's operations on this key, built on first use. */
  #operations: KeyOperations | undefined

  /**
   * `secretLength`: the byte length of a secret key the caller just made from bytes it holds (a new or unwrapped
   * content key), so that `key.symmetricKeySize`, a native call, is not asked again per item; otherwise read from
   * the key.
   */
  private constructor(key: KeyObject, algorithm: string, spec: KeyAlgorithmSpec, secretLength?: number) {
    // The native operations below bypass `encrypt` / `sign` / ...; a subclass overriding those would be ignored.
    if (new.target !== LocalDelegatedKey) {
      throw new InvalidArgumentError('LocalDelegatedKey cannot be subclassed; implement DelegatedKey and forward to a LocalDelegatedKey instead')
    }
    this.algorithm = algorithm
    this.allowedForRawMaterials = spec.allowedForRawMaterials
    this.#family = spec.family
    this.#key = key
    if (spec.family === 'rsa') {
      if ((key.type !== 'public' && key.type !== 'private') || key.asymmetricKeyType !== 'rsa') {
        throw new InvalidKeyError(`A ${algorithm} key must be an RSA public or private key (not RSA-PSS, EC or secret)`)
      }
      this.keyType = key.type
      this.sizeBits = key.asymmetricKeyDetails?.modulusLength ?? 0
      this.#publicKey = key.type === 'public' ? key : createPublicKey(key)
      this.#cbc = undefined
      this.#wrapCipher = undefined
    } else {
      if (key.type !== 'secret') {
        throw new InvalidKeyError(`A ${algorithm} key must be a symmetric (secret) key`)
      }
      const length = secretLength ?? key.symmetricKeySize ?? 0
      this.keyType = 'symmetric'
      this.sizeBits = length * 8
      this.#publicKey = undefined
      if (spec.family === 'aes') {
        const cbcCipher = AES_CBC_CIPHERS.get(length)
        const wrapCipher = AES_WRAP_CIPHERS.get(length)
        if (cbcCipher === undefined || wrapCipher === undefined) {
          throw new InvalidKeyError('AES keys must be 16, 24 or 32 bytes (128, 192 or 256 bits)')
        }
        this.#cbc = new AesCbc(cbcCipher, key)
        this.#wrapCipher = wrapCipher
      } else {
        if (length === 0) throw new InvalidKeyError(`A ${algorithm} key must not be empty`)
        this.#cbc = undefined
        this.#wrapCipher = undefined
      }
    }
    Object.freeze(this)
  }

  /**
   * Builds a key from bytes. The bytes are copied into a `KeyObject`; the caller's array is not kept.
   *
   * @example
   * LocalDelegatedKey.fromBytes({ key: aesBytes, algorithm: 'AES' })
   * LocalDelegatedKey.fromBytes({ key: spkiDer, algorithm: 'SHA256withRSA', keyType: 'public' })
   * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for an unknown algorithm name.
   * @throws InvalidKeyError (`ERR_INVALID_KEY`) if the bytes, key type or encoding do not fit the algorithm
   * (e.g. an AES key that is not 16/24/32 bytes, symmetric bytes declared `private`, unparsable DER).
   * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if an option is missing or of the wrong type.
   */
  static fromBytes(options: LocalDelegatedKeyOptions): LocalDelegatedKey {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('LocalDelegatedKey.fromBytes: pass { key, algorithm, keyType?, encoding? }')
    }
    const { key, algorithm } = options
    if (!(key instanceof Uint8Array)) {
      throw new InvalidArgumentError('LocalDelegatedKey.fromBytes: "key" must be a Uint8Array')
    }
    const spec = lookupKeyAlgorithm(algorithm)
    // What follows from the algorithm is not asked for: AES and Hmac keys are symmetric and raw.
    const rsa = spec.family === 'rsa'
    const keyType = options.keyType ?? (rsa ? undefined : 'symmetric')
    const encoding = options.encoding ?? (rsa ? (looksLikePem(key) ? 'PEM' : 'DER') : 'RAW')
    if (keyType === undefined) {
      throw new InvalidArgumentError(
        `LocalDelegatedKey.fromBytes: "keyType" is required for ${algorithm} keys: pass 'public' (SubjectPublicKeyInfo) or 'private' (PKCS#8)`,
      )
    }
    if (!KEY_TYPES.has(keyType)) {
      throw new InvalidArgumentError('LocalDelegatedKey.fromBytes: "keyType" must be symmetric, public or private')
    }
    if (!ENCODINGS.has(encoding)) {
      throw new InvalidArgumentError('LocalDelegatedKey.fromBytes: "encoding" must be RAW, DER or PEM')
    }
    if (spec.family !== 'rsa') {
      if (keyType !== 'symmetric' || encoding !== 'RAW') {
        throw new InvalidKeyError(`${algorithm} keys are symmetric: pass keyType 'symmetric' and encoding 'RAW'`)
      }
      return new LocalDelegatedKey(createSecretKey(key), algorithm, spec)
    }
    if (keyType === 'symmetric' || encoding === 'RAW') {
      throw new InvalidKeyError(
        `${algorithm} keys are RSA keys: pass keyType 'public' (SubjectPublicKeyInfo) or 'private' (PKCS#8) with encoding 'DER' or 'PEM'`,
      )
    }
    return new LocalDelegatedKey(parseRsaKey(key, keyType, encoding, algorithm), algorithm, spec)
  }

  /**
   * Wraps an existing `KeyObject` (a secret key for `AES`/`Hmac*`, an RSA public or private key for `RSA` and
   * `SHA*withRSA`). `KeyObject`s are immutable, so it is held as is.
   *
   * @example
   * const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
   * const wrapping = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
   * const unwrapping = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
   * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for an unknown algorithm name.
   * @throws InvalidKeyError (`ERR_INVALID_KEY`) if the key does not fit the algorithm.
   */
  static fromKeyObject(key: KeyObject, algorithm: string): LocalDelegatedKey {
    if (!(key instanceof KeyObject)) {
      throw new InvalidArgumentError('LocalDelegatedKey.fromKeyObject: "key" must be a node:crypto KeyObject')
    }
    return new LocalDelegatedKey(key, algorithm, lookupKeyAlgorithm(algorithm))
  }

  /**
   * Generates a fresh random symmetric key: `AES` with 128, 192 or 256 bits, or `Hmac*` with any multiple of 8
   * bits from 128 up.
   *
   * @example
   * const contentKey = LocalDelegatedKey.generate('AES', 256)
   * const macKey = LocalDelegatedKey.generate('HmacSHA256', 256)
   * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for an unknown algorithm name.
   * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for an unsupported size, or for RSA algorithms (a key
   * pair is two keys: use `generateKeyPairSync('rsa', ...)` and {@link LocalDelegatedKey.fromKeyObject}).
   */
  static generate(algorithm: string, bits: number): LocalDelegatedKey {
    const spec = lookupKeyAlgorithm(algorithm)
    if (spec.family === 'rsa') {
      throw new InvalidArgumentError(
        `An RSA key pair is two keys: generate it with generateKeyPairSync('rsa', { modulusLength: 2048 }) from node:crypto and wrap each half with LocalDelegatedKey.fromKeyObject(key, '${algorithm}')`,
      )
    }
    if (spec.family === 'aes' && !AES_KEY_BITS.includes(bits)) {
      throw new InvalidArgumentError('LocalDelegatedKey.generate: AES keys have 128, 192 or 256 bits')
    }
    if (spec.family === 'hmac' && !(Number.isSafeInteger(bits) && bits >= MIN_HMAC_KEY_BITS_FOR_WRITING && bits % 8 === 0)) {
      throw new InvalidArgumentError(
        `LocalDelegatedKey.generate: ${algorithm} keys need a multiple of 8 bits, at least ${MIN_HMAC_KEY_BITS_FOR_WRITING}`,
      )
    }
    const bytes = randomBytes(bits / 8)
    try {
      return new LocalDelegatedKey(createSecretKey(bytes), algorithm, spec)
    } finally {
      bytes.fill(0)
    }
  }

  /**
   * Encrypts one serialized attribute with `AES/CBC/PKCS5Padding` under a fresh random IV and returns
   * `IV ‖ ciphertext` (FORMAT.md 4.2).
   *
   * @throws JceTransformationError (`ERR_JCE_TRANSFORMATION`) for any other transformation.
   * @throws DelegatedKeyError (`ERR_DELEGATED_KEY`) if this is not an AES key.
   */
  async encrypt(transformation: string, _attributeName: string, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.#aesCbcFor(transformation).encrypt(plaintext)
  }

  /**
   * Decrypts `IV ‖ ciphertext` written by {@link LocalDelegatedKey.encrypt} (FORMAT.md 4.3).
   *
   * @throws DecryptionError (`ERR_DECRYPTION_FAILED`, message `Decryption failed`) for any malformed input, wrong
   * key or bad padding; the detail is in `cause`.
   * @throws JceTransformationError / DelegatedKeyError as for {@link LocalDelegatedKey.encrypt}.
   */
  async decrypt(transformation: string, _attributeName: string, ciphertext: Uint8Array): Promise<Uint8Array> {
    return this.#aesCbcFor(transformation).decrypt(ciphertext)
  }

  /**
   * Wraps a content key with `AESWrap` (RFC 3394, AES keys) or `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` (RSA public
   * or private keys of at least 2048 bits), FORMAT.md 7.2.
   *
   * @throws JceTransformationError (`ERR_JCE_TRANSFORMATION`) for an unknown or read-only transformation.
   * @throws DelegatedKeyError (`ERR_DELEGATED_KEY`) if this key cannot use the transformation.
   * @throws InvalidKeyError (`ERR_INVALID_KEY`) for RSA keys under 2048 bits.
   * @throws WrappingError (`ERR_WRAPPING_FAILED`) if wrapping fails (e.g. a content key of an invalid length).
   */
  async wrap(transformation: string, contentKey: Uint8Array): Promise<Uint8Array> {
    const spec = lookupWrap(transformation)
    if (!spec.writable) {
      throw new JceTransformationError(
        `${quoteName(transformation)} is supported for reading (unwrap) only; wrap with ${JceName.AesWrap} or ${JceName.RsaOaepSha256}`,
      )
    }
    if (spec.kind === 'aes-wrap') {
      return this.#aesWrapFor(transformation).wrap(contentKey)
    }
    const publicKey = this.#rsaPublicFor(transformation)
    this.#requireRsaWriteSize()
    return rsaOaepEncrypt(publicKey, this.sizeBits >>> 3, spec.hash, contentKey)
  }

  /**
   * Unwraps a content key and returns it as a symmetric key of `wrappedKeyAlgorithm`: `AES` (any length the
   * wrapped bytes have), or `AES/256` style, which also names the length the key must have. Transformations:
   * `AESWrap`; RSA-OAEP with OAEP hash SHA-1, SHA-256, SHA-384 or SHA-512 and MGF1-SHA-1; legacy RSAES-PKCS1-v1_5
   * (`RSA`, `RSA/ECB/PKCS1Padding`; read only, content keys of 16, 24 or 32 bytes). RSA keys of any size are accepted.
   *
   * PKCS#1 v1.5 uses implicit rejection: it never fails on the ciphertext. Bad padding, a well-padded key of
   * another length than the one named, a ciphertext of the wrong length or range: each returns a synthetic key
   * (deterministic per ciphertext, of the named length), which then fails to decrypt attributes exactly as a wrong
   * key does. Name the length (`AES/256`) when you know it, so no outcome can differ by key size.
   *
   * @throws UnwrappingError (`ERR_UNWRAPPING_FAILED`) with message `Key unwrap failed` (AESWrap) or
   * `Decryption failed` (RSA-OAEP) whatever the reason, a key of another length than the one named included; the
   * detail is in `cause`. Also for a wrapped key type other than `symmetric`.
   * @throws JceTransformationError (`ERR_JCE_TRANSFORMATION`) for an unknown transformation.
   * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for an unknown or non-symmetric `wrappedKeyAlgorithm`,
   * or a length it cannot have (AES: 128, 192 or 256 bits).
   * @throws DelegatedKeyError (`ERR_DELEGATED_KEY`) if this key cannot use the transformation (e.g. an RSA public key).
   */
  async unwrap(
    transformation: string,
    wrappedKey: Uint8Array,
    wrappedKeyAlgorithm: string,
    wrappedKeyType: KeyType,
  ): Promise<LocalDelegatedKey> {
    return this.#unwrapNow(transformation, wrappedKey, wrappedKeyAlgorithm, wrappedKeyType)
  }

  /** {@link LocalDelegatedKey.unwrap}, synchronously: the one implementation of both it and the native `unwrapKey`. */
  #unwrapNow(transformation: string, wrappedKey: Uint8Array, wrappedKeyAlgorithm: string, wrappedKeyType: KeyType): LocalDelegatedKey {
    const spec = lookupWrap(transformation)
    if (wrappedKeyType !== 'symmetric') {
      throw new UnwrappingError(`Only symmetric content keys can be unwrapped, not ${quoteName(wrappedKeyType)} keys`)
    }
    const algorithmSpec = parseAlgorithmSpec(wrappedKeyAlgorithm)
    const keyAlgorithm = algorithmSpec?.algorithm ?? ''
    const keySpec = KEY_ALGORITHMS.get(keyAlgorithm)
    if (keySpec === undefined || keySpec.family === 'rsa') {
      throw new InvalidAlgorithmError(
        `Cannot unwrap a key of algorithm ${quoteName(wrappedKeyAlgorithm)}: wrapped content keys are AES (or Hmac*) keys`,
      )
    }
    const namedBits = algorithmSpec?.bits
    if (namedBits !== undefined && (keySpec.family === 'aes' ? !AES_KEY_BITS.includes(namedBits) : namedBits % 8 !== 0)) {
      throw new InvalidAlgorithmError(`Cannot unwrap a key of algorithm ${quoteName(wrappedKeyAlgorithm)}: no such key length`)
    }
    const expectedBytes = namedBits === undefined ? undefined : namedBits >>> 3
    // Every failure of one transformation has one message; the detail is in `cause`.
    const failed = spec.kind === 'aes-wrap' ? 'Key unwrap failed' : 'Decryption failed'
    if (!(wrappedKey instanceof Uint8Array)) {
      throw new UnwrappingError(failed, { cause: new TypeError('wrapped key must be a Uint8Array') })
    }
    let raw: Uint8Array
    if (spec.kind === 'aes-wrap') {
      raw = this.#aesWrapFor(transformation).unwrap(wrappedKey)
    } else {
      const privateKey = this.#rsaPrivateFor(transformation, 'unwrap')
      const k = (this.sizeBits + 7) >>> 3
      // PKCS#1 v1.5 gets the expected length: a key of another length becomes a synthetic key inside the decoder
      // (implicit rejection), never an error of its own.
      raw =
        spec.kind === 'rsa-oaep'
          ? rsaOaepDecrypt(privateKey, k, spec.hash, wrappedKey)
          : rsaPkcs1v15Decrypt(privateKey, k, wrappedKey, expectedBytes)
    }
    try {
      // AESWrap and OAEP are integrity-checked and fail explicitly; a key of the wrong length fails with them.
      if (expectedBytes !== undefined && raw.byteLength !== expectedBytes) {
        throw new Error(`the unwrapped key has ${raw.byteLength * 8} bits, not the ${namedBits} named`)
      }
      return new LocalDelegatedKey(createSecretKey(raw), keyAlgorithm, keySpec, raw.byteLength)
    } catch (cause) {
      throw new UnwrappingError(failed, { cause })
    } finally {
      raw.fill(0)
    }
  }

  /**
   * Signs `data` with `algorithm`: `HmacSHA224/256/384/512` with an HMAC key (of at least 128 bits), or
   * `SHA224/256/384/512withRSA` (RSASSA-PKCS1-v1_5) with an RSA private key of at least 2048 bits. As in JCE, the
   * requested algorithm is used even if it differs from the key's own name within the same family.
   *
   * @throws JceTransformationError (`ERR_JCE_TRANSFORMATION`) for an unknown algorithm.
   * @throws DelegatedKeyError (`ERR_DELEGATED_KEY`) if this key cannot sign with it (e.g. an AES key).
   * @throws InvalidKeyError (`ERR_INVALID_KEY`) for HMAC keys under 128 bits or RSA keys under 2048 bits.
   * @throws SigningError (`ERR_SIGNING_FAILED`) for an RSA public key or a failure of the signing operation.
   */
  async sign(algorithm: string, data: Uint8Array): Promise<Uint8Array> {
    return this.#signNow(algorithm, data)
  }

  /**
   * Returns true if `signature` is a valid `algorithm` signature of `data`: HMACs are recomputed and compared in
   * constant time; RSA signatures are checked with the public key (or the public half of a private key). No
   * minimum key size applies. A bad signature returns false; it never throws.
   *
   * @throws JceTransformationError (`ERR_JCE_TRANSFORMATION`) for an unknown algorithm.
   * @throws DelegatedKeyError (`ERR_DELEGATED_KEY`) if this key cannot verify with it (e.g. an AES key).
   */
  async verify(algorithm: string, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
    return this.#verifyNow(algorithm, signature, data)
  }

  /**
   * The item encryptor's operations on this key (see `key-operations.ts`): the same checks, errors and bytes as the
   * public methods, without a promise per call, and all attributes of an item in one native call: their serialized
   * values go through the persistent CBC context in one `update()` (AesCbc.encryptBatch / decryptBatch), which saves
   * a cipher call and a promise per attribute.
   * @internal
   */
  [NATIVE_OPERATIONS](): KeyOperations {
    this.#operations ??= new LocalDelegatedKey.#Operations(this)
    return this.#operations
  }

  /**
   * The operations object of one key: its methods live on the prototype and forward to the key's private methods,
   * so a key's operations are one small object rather than an object and six closures (a content key is made per
   * item with the wrapped provider: about 0.1 µs and six allocations less per item, measured on Node 20). Frozen,
   * as the object literal it replaces was.
   */
  static readonly #Operations = class implements KeyOperations {
    readonly #key: LocalDelegatedKey
    constructor(key: LocalDelegatedKey) {
      this.#key = key
      Object.freeze(this)
    }

    encryptAttributes(transformation: string, _names: readonly string[], plaintexts: readonly Uint8Array[]): Uint8Array[] {
      return this.#key.#aesCbcFor(transformation).encryptBatch(plaintexts)
    }

    encryptLaidOut(transformation: string, input: Uint8Array, segments: readonly number[]): Uint8Array[] {
      return this.#key.#aesCbcFor(transformation).encryptLaidOut(input, segments)
    }

    decryptAttributes<T>(transformation: string, _names: readonly string[], blobs: readonly Uint8Array[], use: (plaintexts: ReadonlyArray<Uint8Array | Error>) => T): T {
      return this.#key.#aesCbcFor(transformation).decryptBatch(blobs, use)
    }

    sign(algorithm: string, data: Uint8Array): Uint8Array {
      return this.#key.#signNow(algorithm, data)
    }

    verify(algorithm: string, signature: Uint8Array, data: Uint8Array): boolean {
      return this.#key.#verifyNow(algorithm, signature, data)
    }

    wrapNewKey(transformation: string, bits: number): NewWrappedKey | undefined {
      return this.#key.#wrapNewKey(transformation, bits)
    }

    unwrapKey(transformation: string, wrappedKey: Uint8Array, wrappedKeyAlgorithm: string): LocalDelegatedKey {
      return this.#key.#unwrapNow(transformation, wrappedKey, wrappedKeyAlgorithm, 'symmetric')
    }

    unwrapKeys(transformation: string, wrappedKeys: readonly Uint8Array[], wrappedKeyAlgorithm: string): (LocalDelegatedKey | undefined)[] {
      return this.#key.#unwrapBatch(transformation, wrappedKeys, wrappedKeyAlgorithm)
    }
  }

  /**
   * {@link LocalDelegatedKey.#unwrapNow} for many AESWrap-wrapped AES content keys at once (AesKeyWrap.unwrapBatch: one
   * ECB context for all, about 1 µs per key instead of 6–7 µs for the native wrap cipher on Node 20): per input the
   * key `#unwrapNow` returns for it, or `undefined` for every input it does not vouch for (a key other than AES, a
   * transformation other than AESWrap, a key algorithm other than `AES` / `AES/128|192|256`, a length that is not
   * the named one or not 16, 24 or 32 bytes, a failed integrity check, any native failure), which the caller
   * unwraps on the plain path. Never throws.
   */
  #unwrapBatch(transformation: string, wrappedKeys: readonly Uint8Array[], wrappedKeyAlgorithm: string): (LocalDelegatedKey | undefined)[] {
    const results: (LocalDelegatedKey | undefined)[] = new Array<LocalDelegatedKey | undefined>(wrappedKeys.length).fill(undefined)
    if (this.#wrapCipher === undefined || WRAP_TRANSFORMATIONS.get(transformation)?.kind !== 'aes-wrap') return results
    const algorithmSpec = parseAlgorithmSpec(wrappedKeyAlgorithm)
    if (algorithmSpec === undefined || algorithmSpec.algorithm !== JceName.Aes) return results
    const namedBits = algorithmSpec.bits
    if (namedBits !== undefined && !AES_KEY_BITS.includes(namedBits)) return results
    try {
      const keyWrap = this.#aesWrapFor(transformation)
      for (const bits of namedBits === undefined ? AES_KEY_BITS : [namedBits]) {
        const length = bits >>> 3
        const keys = keyWrap.unwrapBatch(wrappedKeys, length)
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k]
          if (key !== undefined) results[k] = new LocalDelegatedKey(key, JceName.Aes, AES_SPEC, length)
        }
      }
      return results
    } catch {
      return results.fill(undefined)
    }
  }

  /**
   * A new AES content key and its AESWrap under this key, from the batches of {@link AesKeyWrap.wrapNewKey} (about 4 µs
   * per key instead of 16 µs for a wrap context, measured on Node 20); `undefined` unless this is an AES key,
   * `transformation` is AESWrap and `bits` is 128, 192 or 256 (the caller then takes its plain path).
   */
  #wrapNewKey(transformation: string, bits: number): NewWrappedKey | undefined {
    if (this.#wrapCipher === undefined) return undefined
    if (WRAP_TRANSFORMATIONS.get(transformation)?.kind !== 'aes-wrap' || !AES_KEY_BITS.includes(bits)) return undefined
    const { key, wrapped } = this.#aesWrapFor(transformation).wrapNewKey(bits >>> 3)
    return { contentKey: new LocalDelegatedKey(key, JceName.Aes, AES_SPEC, bits >>> 3), wrapped }
  }

  #signNow(algorithm: string, data: Uint8Array): Uint8Array {
    const spec = this.#signatureFor(algorithm, 'sign')
    if (spec.family === 'hmac') {
      if (this.sizeBits < MIN_HMAC_KEY_BITS_FOR_WRITING) {
        throw new InvalidKeyError(
          `HMAC signing keys must have at least ${MIN_HMAC_KEY_BITS_FOR_WRITING} bits (16 bytes); this key has ${this.sizeBits}. Shorter keys can only verify existing items`,
        )
      }
      try {
        return hmacSign(spec.hash, this.#key, data)
      } catch (cause) {
        throw new SigningError('Signing failed', { cause })
      }
    }
    if (this.keyType !== 'private') {
      throw new SigningError(`Signing with ${algorithm} needs the RSA private key; this key is public`)
    }
    this.#requireRsaWriteSize()
    try {
      return rsaSign(spec.hash, this.#key, data)
    } catch (cause) {
      throw new SigningError('Signing failed', { cause })
    }
  }

  #verifyNow(algorithm: string, signature: Uint8Array, data: Uint8Array): boolean {
    const spec = this.#signatureFor(algorithm, 'verify')
    if (!(signature instanceof Uint8Array)) return false
    if (spec.family === 'hmac') return hmacVerify(spec.hash, this.#key, signature, data)
    return rsaVerify(spec.hash, this.#publicKey as KeyObject, signature, data)
  }

  #aesCbcFor(transformation: string): AesCbc {
    if (!ENCRYPT_TRANSFORMATIONS.has(transformation)) {
      throw new JceTransformationError(
        `Unsupported transformation ${quoteName(transformation)}: attributes are encrypted with ${JceName.AesCbcPkcs5} only`,
      )
    }
    if (this.#cbc === undefined) {
      throw new DelegatedKeyError(`A ${this.algorithm} key cannot encrypt or decrypt attributes; use an AES key`)
    }
    return this.#cbc
  }

  #aesWrapFor(transformation: string): AesKeyWrap {
    if (this.#wrapCipher === undefined) {
      throw new DelegatedKeyError(`${transformation} needs an AES key; this key is ${this.algorithm}`)
    }
    this.#keyWrap ??= new AesKeyWrap(this.#wrapCipher, this.#key)
    return this.#keyWrap
  }

  #rsaPublicFor(transformation: string): KeyObject {
    if (this.#publicKey === undefined) {
      throw new DelegatedKeyError(`${transformation} needs an RSA key; this key is ${this.algorithm}`)
    }
    return this.#publicKey
  }

  #rsaPrivateFor(transformation: string, operation: string): KeyObject {
    this.#rsaPublicFor(transformation)
    if (this.keyType !== 'private') {
      throw new DelegatedKeyError(`${transformation} ${operation} needs the RSA private key; this key is public`)
    }
    return this.#key
  }

  #requireRsaWriteSize(): void {
    if (this.sizeBits < MIN_RSA_KEY_BITS_FOR_WRITING) {
      throw new InvalidKeyError(
        `RSA keys used to sign or wrap must have at least ${MIN_RSA_KEY_BITS_FOR_WRITING} bits; this key has ${this.sizeBits}. Smaller keys can only read existing items`,
      )
    }
  }

  #signatureFor(algorithm: string, operation: 'sign' | 'verify'): SignatureSpec {
    const spec = SIGNATURE_ALGORITHMS.get(algorithm)
    if (spec === undefined) {
      throw new JceTransformationError(
        `Unsupported signature algorithm ${quoteName(algorithm)}: use HmacSHA224/256/384/512 or SHA224/256/384/512withRSA`,
      )
    }
    if (spec.family !== this.#family) {
      throw new DelegatedKeyError(`A ${this.algorithm} key cannot ${operation} with ${algorithm}`)
    }
    return spec
  }
}

function lookupWrap(transformation: string): WrapSpec {
  const spec = WRAP_TRANSFORMATIONS.get(transformation)
  if (spec === undefined) {
    throw new JceTransformationError(
      `Unsupported wrapping transformation ${quoteName(transformation)}: use ${JceName.AesWrap} or ${JceName.RsaOaepSha256}`,
    )
  }
  return spec
}

function parseRsaKey(key: Uint8Array, keyType: 'public' | 'private', encoding: 'DER' | 'PEM', algorithm: string): KeyObject {
  const what = keyType === 'public' ? 'an RSA public key (SubjectPublicKeyInfo)' : 'an RSA private key (PKCS#8 or PKCS#1)'
  try {
    if (encoding === 'PEM') {
      const text = asBuffer(key).toString('utf8')
      // createPublicKey would silently derive the public half of a private PEM; a mismatch is a caller error.
      if (keyType === 'public' && text.includes('PRIVATE KEY')) {
        throw new InvalidKeyError(`This PEM holds a private key: pass keyType 'private' for ${algorithm}`)
      }
      return keyType === 'public' ? createPublicKey(text) : createPrivateKey(text)
    }
    const der = asBuffer(key)
    if (keyType === 'public') {
      try {
        return createPublicKey({ key: der, format: 'der', type: 'spki' })
      } catch (spkiError) {
        // PKCS#1 RSAPublicKey is accepted too, but Node's PKCS#1 public parser also takes a *private* key and
        // silently derives its public half; a private key declared public is a caller error, so refuse it.
        if (parsesAsPrivateDer(der)) {
          throw new InvalidKeyError(`These DER bytes hold a private key: pass keyType 'private' for ${algorithm}`)
        }
        try {
          return createPublicKey({ key: der, format: 'der', type: 'pkcs1' })
        } catch {
          throw spkiError
        }
      }
    }
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    } catch {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })
    }
  } catch (cause) {
    if (cause instanceof InvalidKeyError) throw cause
    throw new InvalidKeyError(`The ${encoding} bytes given for ${algorithm} are not ${what}`, { cause })
  }
}

function parsesAsPrivateDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type })
      return true
    } catch {
      // not this format
    }
  }
  return false
}
