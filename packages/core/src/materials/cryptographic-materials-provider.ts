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
