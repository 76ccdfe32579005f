import type { DelegatedKey } from './delegated-key'

/** Materials to encrypt and sign one item. Immutable. */
export interface EncryptionMaterials {
  /** Entries to store in the item's material description (the encryptor adds `amzn-ddb-map-sym-mode` etc.). */
  readonly materialDescription: Readonly<Record<string, string>>
  /** Content key; absent when the materials can only sign. */
  readonly encryptionKey?: DelegatedKey
  /** Key that signs the string to sign. */
  readonly signingKey: DelegatedKey
}

/** Materials to verify and decrypt one item. Immutable. */
export interface DecryptionMaterials {
  /** The material description the materials were chosen for. */
  readonly materialDescription: Readonly<Record<string, string>>
  /** Content key; absent when the materials can only verify. */
  readonly decryptionKey?: DelegatedKey
  /** Key that verifies the signature. */
  readonly verificationKey: DelegatedKey
}

/** Builds frozen encryption materials (copies the description). */
export function createEncryptionMaterials(input: EncryptionMaterials): EncryptionMaterials {
  return adoptEncryptionMaterials({ ...input.materialDescription }, input.encryptionKey, input.signingKey)
}

/** Builds frozen decryption materials (copies the description). */
export function createDecryptionMaterials(input: DecryptionMaterials): DecryptionMaterials {
  return adoptDecryptionMaterials({ ...input.materialDescription }, input.decryptionKey, input.verificationKey)
}

/**
 * The mark of encryption materials made for one item only (the wrapped provider's: a new content key per item), set
 * by {@link adoptEncryptionMaterials} as a non-enumerable property of this private symbol. The item encryptor then
 * does not remember their serialized description per materials object (a WeakMap entry per item that never hits:
 * about 0.7 µs per item with its GC; descriptionBytes of per-item materials, CPU, in-process A/B, 3 runs, median
 * 4.0-4.5 -> 3.2-3.8 µs). Only our own code can set it; it changes no bytes.
 * @internal
 */
export const PER_ITEM_MATERIALS: unique symbol = Symbol('ddb-encryption.perItemMaterials')

/**
 * {@link createEncryptionMaterials} for a description the caller has just built as a plain object of string values and
 * hands over: it is frozen in place instead of copied (a provider that builds a new description per item, as the
 * wrapped provider does, then builds one object per item instead of two). The result has the same keys, order and
 * values as `createEncryptionMaterials({ materialDescription, encryptionKey, signingKey })`. The caller must keep no
 * other reference to the description, and it must have no accessors. `perItem`: the materials serve one item only
 * (see {@link PER_ITEM_MATERIALS}). For our own providers; not a stable API.
 * @internal
 */
export function adoptEncryptionMaterials(
  materialDescription: Record<string, string>,
  encryptionKey: EncryptionMaterials['encryptionKey'],
  signingKey: EncryptionMaterials['signingKey'],
  perItem = false,
): EncryptionMaterials {
  Object.freeze(materialDescription)
  // The two shapes written out rather than built with a conditional spread (no temporary object per item): the same
  // keys in the same order as `{ materialDescription, ...(key ? { encryptionKey } : {}), signingKey }`.
  const materials = encryptionKey ? { materialDescription, encryptionKey, signingKey } : { materialDescription, signingKey }
  // `perItem`: materials made for one item only (see PER_ITEM_MATERIALS); not enumerable, so not a visible key.
  if (perItem) Object.defineProperty(materials, PER_ITEM_MATERIALS, { value: true })
  return Object.freeze(materials)
}

/** {@link adoptEncryptionMaterials} for decryption materials: the same as {@link createDecryptionMaterials}. @internal */
export function adoptDecryptionMaterials(
  materialDescription: Record<string, string>,
  decryptionKey: DecryptionMaterials['decryptionKey'],
  verificationKey: DecryptionMaterials['verificationKey'],
): DecryptionMaterials {
  Object.freeze(materialDescription)
  return Object.freeze(decryptionKey ? { materialDescription, decryptionKey, verificationKey } : { materialDescription, verificationKey })
}
