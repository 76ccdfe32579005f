import type { AttributeValue } from './attribute-value'

/**
 * What the encryptor and providers know about the item being processed (FORMAT.md section 6).
 * The encryptor always sets `attributes` to the item it is processing: the plaintext item on encrypt, the stored
 * (encrypted) item on decrypt, and `materialDescription` to the item's parsed description on decrypt.
 */
export interface EncryptionContext {
  /** Table name: signed into every item (FORMAT.md 3.3) and sent to KMS by the Direct KMS provider. */
  readonly tableName?: string
  /** Partition key attribute name. */
  readonly partitionKeyName?: string
  /** Sort key attribute name. */
  readonly sortKeyName?: string
  /** The item, in low-level form. */
  readonly attributes: Readonly<Record<string, AttributeValue>>
  /** Material description: empty on encrypt, the item's on decrypt. */
  readonly materialDescription: Readonly<Record<string, string>>
}
