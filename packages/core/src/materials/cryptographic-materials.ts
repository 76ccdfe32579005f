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
  return Object.freeze({
    materialDescription: Object.freeze({ ...input.materialDescription }),
    ...(input.encryptionKey ? { encryptionKey: input.encryptionKey } : {}),
    signingKey: input.signingKey,
  })
}

/** Builds frozen decryption materials (copies the description). */
export function createDecryptionMaterials(input: DecryptionMaterials): DecryptionMaterials {
  return Object.freeze({
    materialDescription: Object.freeze({ ...input.materialDescription }),
    ...(input.decryptionKey ? { decryptionKey: input.decryptionKey } : {}),
    verificationKey: input.verificationKey,
  })
}
