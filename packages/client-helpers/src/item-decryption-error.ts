import { DecryptionError, type Item } from '@ddb-encryption/core'

/**
 * An item read through an encrypted client failed to verify or decrypt. The message names the table and its key
 * attribute names only; the item's primary key (plaintext in DynamoDB, so safe to hold) is in {@link key}, the
 * underlying failure in `cause`. Code `ERR_DECRYPTION_FAILED`.
 */
export class ItemDecryptionError extends DecryptionError {
  /** Table the item was read from. */
  readonly tableName: string
  /** Primary key of the failing item, in the client's value form (low-level for EncryptedDynamoDBClient). */
  readonly key: Readonly<Record<string, unknown>>

  constructor(tableName: string, keyNames: readonly string[], key: Item, options?: { cause?: unknown }) {
    super(
      `An item of table "${tableName}" (key attributes ${keyNames.map((k) => `"${k}"`).join(', ')}) failed to verify or decrypt; ` +
      'its key is in error.key and the reason in error.cause. Check that reader and writer use the same keys and attributeActions',
      options,
    )
    this.tableName = tableName
    this.key = key
  }
}

/** One item that could not be verified or decrypted, reported instead of thrown under `onDecryptFailure: 'report'`. */
export interface FailedItem<K = Item> {
  /** Table the item was read from. */
  readonly tableName: string
  /** The item's primary key. */
  readonly key: K
  /** Why it failed (an {@link ItemDecryptionError} whose `cause` holds the detail). */
  readonly error: ItemDecryptionError
}
