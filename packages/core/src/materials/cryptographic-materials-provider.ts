import type { EncryptionContext } from '../encryption-context'
import type { DecryptionMaterials, EncryptionMaterials } from './cryptographic-materials'

/**
 * Supplies the keys for each item. Implement this to plug in your own key management; only providers call KMS or
 * DynamoDB, the encryptor never does. A provider never modifies the context it is given and returns frozen
 * materials (see `createEncryptionMaterials`).
 */
export interface CryptographicMaterialsProvider {
  /** Materials to encrypt and sign one item. */
  getEncryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials>
  /** Materials chosen by the material description stored on the item (`context.materialDescription`). */
  getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials>
  /** Forget cached materials; the next call fetches again. */
  refresh(): Promise<void>
}

/**
 * The method by which our own providers (wrapped, most recent) get ready for a batch of items to decrypt
 * (`decryptItems`): given the material descriptions of the next items (`undefined` for an item whose description
 * could not be read), a provider may unwrap their content keys at once (about 5 µs per item less with AESWrap on
 * Node 20) and keep them until those items ask for their materials. It returns the function that drops whatever it
 * kept, called when the batch is done. It never throws and never decides an outcome: every item still asks for its
 * materials, and anything not prepared (or failing) takes the plain path, with its errors. The symbol is private to
 * this copy of core, so only our own providers offer it. Not a stable API.
 * @internal
 */
export const PREPARE_DECRYPTION: unique symbol = Symbol('ddb-encryption.prepareDecryption')

/** A provider that offers {@link PREPARE_DECRYPTION}. @internal */
export interface PreparesDecryption {
  [PREPARE_DECRYPTION](descriptions: ReadonlyArray<Readonly<Record<string, string>> | undefined>): () => void
}
