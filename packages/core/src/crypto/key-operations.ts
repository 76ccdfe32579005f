import { DecryptionError, DelegatedKeyError, DynamoDBEncryptionError, EncryptionError } from '../errors'
import type { DelegatedKey } from '../materials/delegated-key'

/** A value, or a promise of it: native operations answer synchronously, a generic key through its promises. */
export type Eventually<T> = T | Promise<T>

/**
 * What the item encryptor asks of a key, per item rather than per attribute: the one path every key takes.
 * `LocalDelegatedKey` implements it natively (synchronous, one native call for all attributes of an item); any other
 * {@link DelegatedKey} gets it through {@link keyOperations}' generic adapter over its public promise-based methods.
 * Both give the same bytes, the same results and the same errors (proved in `key-operations.test.ts`).
 * @internal
 */
export interface KeyOperations {
  /**
   * Encrypts each serialized attribute value under its own fresh IV: `IV ‖ ciphertext` per value (FORMAT.md 4.2).
   * `plaintexts` may be views of a buffer the caller reuses as soon as this call returns (or its promise is created):
   * implementations copy what they keep past the synchronous part of the call. Errors of our own classes pass
   * unchanged; anything else a key throws becomes `EncryptionError('Failed to encrypt attribute "<name>"')`.
   */
  encryptAttributes(transformation: string, names: readonly string[], plaintexts: readonly Uint8Array[]): Eventually<Uint8Array[]>
  /**
   * `encryptAttributes` of plaintexts the caller serialized straight into the native CBC input layout
   * (`AesCbc.encryptLaidOut`: per value a 16-byte slot, the value and its PKCS#7 padding from `cbcPadding`;
   * `segments[j]` the length of value j's slot, value and padding): the same result and errors, without copying
   * the plaintexts. Synchronous; `input` is the caller's memory (it may be overwritten, and the caller wipes it).
   * Absent in the generic adapter, whose caller then takes `encryptAttributes`.
   */
  encryptLaidOut?(transformation: string, input: Uint8Array, segments: readonly number[]): Uint8Array[]
  /**
   * Decrypts each `IV ‖ ciphertext` blob and passes `use` each plaintext, or the error that blob's decryption gave,
   * in attribute order. The plaintexts may be views of a temporary buffer wiped when `use` returns: never keep them.
   * Throws (instead of calling `use`) for an unsupported transformation or a key that cannot decrypt.
   */
  decryptAttributes<T>(transformation: string, names: readonly string[], blobs: readonly Uint8Array[], use: (plaintexts: ReadonlyArray<Uint8Array | Error>) => T): Eventually<T>
  /** Signs `data` (the string to sign) with `algorithm`. */
  sign(algorithm: string, data: Uint8Array): Eventually<Uint8Array>
  /** True if `signature` is valid for `data` under `algorithm`. */
  verify(algorithm: string, signature: Uint8Array, data: Uint8Array): Eventually<boolean>
  /**
   * A new random content key of `bits` bits and its wrap under this key with `transformation`, in one call, where the
   * key can do that faster than `wrap` on fresh bytes (our AES keys batch AESWrap); `undefined` (or absent, as in the
   * generic adapter) where it cannot, and the caller takes the plain path. See {@link wrapNewContentKey}.
   */
  wrapNewKey?(transformation: string, bits: number): NewWrappedKey | undefined
  /**
   * `unwrap(transformation, wrappedKey, wrappedKeyAlgorithm, 'symmetric')` answered synchronously, with the same
   * result and the same errors (thrown instead of rejected); absent in the generic adapter. See {@link unwrapContentKey}.
   */
  unwrapKey?(transformation: string, wrappedKey: Uint8Array, wrappedKeyAlgorithm: string): DelegatedKey
  /**
   * Many `unwrapKey` calls of one transformation and key algorithm at once, where the key can do that faster (our AES
   * keys: AESWrap batched over one ECB context). Per input the key `unwrapKey` gives, or `undefined` where this
   * path does not vouch for it (the caller then calls `unwrapKey` for it, which decides and reports). Never throws.
   * Absent in the generic adapter. See {@link unwrapContentKeys}.
   */
  unwrapKeys?(transformation: string, wrappedKeys: readonly Uint8Array[], wrappedKeyAlgorithm: string): (DelegatedKey | undefined)[]
}

/** A new content key and its wrap, from {@link wrapNewContentKey}. @internal */
export interface NewWrappedKey {
  /** The new content key (an AES key held as a `KeyObject`). */
  readonly contentKey: DelegatedKey
  /** Its wrap under the wrapping key. */
  readonly wrapped: Uint8Array
}

/**
 * The method a key implements to offer its own {@link KeyOperations}. The symbol is private to this copy of the
 * package (not `Symbol.for`), so only our own `LocalDelegatedKey` can offer native operations; every other key,
 * including one from another installed copy of core, takes the generic adapter.
 * @internal
 */
export const NATIVE_OPERATIONS: unique symbol = Symbol('ddb-encryption.nativeKeyOperations')

/** A key that offers native operations. @internal */
export interface NativeOperationsKey {
  [NATIVE_OPERATIONS](): KeyOperations
}

/** Adapters already built, one per generic key. */
const adapters = new WeakMap<DelegatedKey, KeyOperations>()

/**
 * The key's operations: its native ones if it offers them, otherwise the generic adapter over its public methods.
 * @internal
 */
export function keyOperations(key: DelegatedKey): KeyOperations {
  const native = (key as Partial<NativeOperationsKey>)[NATIVE_OPERATIONS]
  if (typeof native === 'function') return native.call(key)
  let adapter = adapters.get(key)
  if (adapter === undefined) {
    adapter = genericOperations(key)
    adapters.set(key, adapter)
  }
  return adapter
}

/**
 * True if the key offers native operations: they answer synchronously and keep no reference to their input, so the
 * caller may reuse the memory it passed as soon as the call returns.
 * @internal
 */
export function hasNativeOperations(key: DelegatedKey): boolean {
  return typeof (key as Partial<NativeOperationsKey>)[NATIVE_OPERATIONS] === 'function'
}

/**
 * A new random AES content key of `bits` bits and its wrap under `wrappingKey` with `transformation`, as one call of
 * the key's operations: the same result as `randomKeyBytes(bits / 8)`, `wrappingKey.wrap(transformation, bytes)` and
 * `LocalDelegatedKey.fromBytes({ key: bytes, algorithm: 'AES' })`, but faster where the key offers it (our AES keys
 * make and wrap content keys in batches, holding them as `KeyObject`s only). Returns `undefined` where the key does
 * not offer it for this transformation and length (every generic key): the caller then takes that plain path, with
 * its errors. For the wrapped materials provider; not a stable API.
 * @throws WrappingError (`ERR_WRAPPING_FAILED`, `Key wrap failed`) if the native cipher fails.
 * @internal
 */
export function wrapNewContentKey(wrappingKey: DelegatedKey, transformation: string, bits: number): NewWrappedKey | undefined {
  if (typeof wrappingKey !== 'object' || wrappingKey === null) return undefined
  return keyOperations(wrappingKey).wrapNewKey?.(transformation, bits)
}

/**
 * `unwrappingKey.unwrap(transformation, wrappedKey, wrappedKeyAlgorithm, 'symmetric')` without its promise, where the
 * key answers synchronously (our own keys): the same key or the same error, thrown. Returns `undefined` for every
 * other key, whose caller then awaits `unwrap` itself. Saves the promise and the await of the wrapped materials
 * provider's per-item unwrap. For the wrapped materials provider; not a stable API.
 * @internal
 */
export function unwrapContentKey(
  unwrappingKey: DelegatedKey,
  transformation: string,
  wrappedKey: Uint8Array,
  wrappedKeyAlgorithm: string,
): DelegatedKey | undefined {
  if (typeof unwrappingKey !== 'object' || unwrappingKey === null) return undefined
  return keyOperations(unwrappingKey).unwrapKey?.(transformation, wrappedKey, wrappedKeyAlgorithm)
}

/**
 * The content keys of many items at once, where `unwrappingKey` offers it (our AES keys with AESWrap): per wrapped
 * key, the key `unwrapContentKey(unwrappingKey, transformation, wrappedKey, wrappedKeyAlgorithm)` returns, or
 * `undefined` where this path does not vouch for it (a key that does not offer it, another transformation, a
 * wrapped key that fails its integrity check, any native failure): the caller then takes the plain path for it,
 * which decides and reports as always. Never throws. For the wrapped materials provider's batch preparation
 * (`decryptItems`); not a stable API.
 * @internal
 */
export function unwrapContentKeys(
  unwrappingKey: DelegatedKey,
  transformation: string,
  wrappedKeys: readonly Uint8Array[],
  wrappedKeyAlgorithm: string,
): (DelegatedKey | undefined)[] {
  const none = (): undefined[] => new Array<undefined>(wrappedKeys.length).fill(undefined)
  if (typeof unwrappingKey !== 'object' || unwrappingKey === null) return none()
  try {
    return keyOperations(unwrappingKey).unwrapKeys?.(transformation, wrappedKeys, wrappedKeyAlgorithm) ?? none()
  } catch {
    return none()
  }
}

/** True for a promise (or any thenable): an operation that did not answer synchronously. @internal */
export function isPending<T>(value: Eventually<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

async function encryptOne(key: DelegatedKey, transformation: string, name: string, plaintext: Uint8Array): Promise<Uint8Array> {
  try {
    return await key.encrypt(transformation, name, plaintext)
  } catch (error) {
    if (DynamoDBEncryptionError.isInstance(error)) throw error
    throw new EncryptionError(`Failed to encrypt attribute "${name}"`, { cause: error })
  }
}

async function decryptOne(key: DelegatedKey, transformation: string, name: string, blob: Uint8Array): Promise<Uint8Array | Error> {
  try {
    const plaintext = await key.decrypt(transformation, name, blob)
    if (!(plaintext instanceof Uint8Array)) throw new DelegatedKeyError('the delegated key did not return bytes')
    return plaintext
  } catch (error) {
    return error instanceof Error ? error : new DecryptionError('Decryption failed', { cause: error })
  }
}

/**
 * {@link KeyOperations} over a key's public methods. Attributes are encrypted and decrypted concurrently, so a
 * remote key (an HSM) overlaps its round trips; the plaintexts are copied before the first call returns.
 */
function genericOperations(key: DelegatedKey): KeyOperations {
  return Object.freeze({
    encryptAttributes(transformation: string, names: readonly string[], plaintexts: readonly Uint8Array[]): Promise<Uint8Array[]> {
      const owned = plaintexts.map((plaintext) => plaintext.slice())
      return Promise.all(owned.map((plaintext, i) => encryptOne(key, transformation, names[i] as string, plaintext)))
    },
    async decryptAttributes<T>(transformation: string, names: readonly string[], blobs: readonly Uint8Array[], use: (plaintexts: ReadonlyArray<Uint8Array | Error>) => T): Promise<T> {
      return use(await Promise.all(blobs.map((blob, i) => decryptOne(key, transformation, names[i] as string, blob))))
    },
    sign: (algorithm: string, data: Uint8Array) => key.sign(algorithm, data),
    verify: (algorithm: string, signature: Uint8Array, data: Uint8Array) => key.verify(algorithm, signature, data),
  })
}
