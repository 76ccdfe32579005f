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
  // Each property read once, and the two shapes written out rather than built with a conditional spread (no
  // temporary object per call: with per-item materials, as the wrapped provider makes, this runs once per item).
  // Same keys in the same order as `{ materialDescription, ...(key ? { encryptionKey } : {}), signingKey }`.
  const materialDescription = Object.freeze({ ...input.materialDescription })
  const encryptionKey = input.encryptionKey
  const signingKey = input.signingKey
  return Object.freeze(encryptionKey ? { materialDescription, encryptionKey, signingKey } : { materialDescription, signingKey })
}

/** Builds frozen decryption materials (copies the description). */
export function createDecryptionMaterials(input: DecryptionMaterials): DecryptionMaterials {
  // As createEncryptionMaterials: no temporary object, same keys in the same order.
  const materialDescription = Object.freeze({ ...input.materialDescription })
  const decryptionKey = input.decryptionKey
  const verificationKey = input.verificationKey
  return Object.freeze(decryptionKey ? { materialDescription, decryptionKey, verificationKey } : { materialDescription, verificationKey })
}
