import { DecryptionError, type Item } from '@ddb-encryption/core'

/** Why an item failed: its integrity check failed, or it carries no signature at all. */
export type ItemDecryptionFailure = 'integrity' | 'not-encrypted'

/**
 * An item read through an encrypted client failed its integrity check (bad signature, other keys or actions,
 * tampering) or was never encrypted. The message names the table and its key attribute names only; the item's
 * primary key (plaintext in DynamoDB, so safe to hold) is in {@link key}, the underlying failure in `cause`.
 * Code `ERR_DECRYPTION_FAILED`. Outages (throttling, network errors, 5xx) are never turned into this error.
 */
export class ItemDecryptionError extends DecryptionError {
  /** Table the item was read from. */
  readonly tableName: string
  /** Primary key of the failing item (low-level AttributeValue form). */
  readonly key: Readonly<Record<string, unknown>>
  /** `'not-encrypted'` when the item has no signature attribute, else `'integrity'`. */
  readonly failure: ItemDecryptionFailure

  constructor(tableName: string, keyNames: readonly string[], key: Item, failure: ItemDecryptionFailure, options?: ErrorOptions) {
    const keys = keyNames.map((k) => `"${k}"`).join(', ')
    super(failure === 'not-encrypted'
      ? `An item of table "${tableName}" (key attributes ${keys}) is not encrypted: it has no signature attribute, so it was ` +
        'written without the encryption client (or its signature was removed). Its key is in error.key. Encrypt it (e.g. with ' +
        '@ddb-encryption/migrate), or read it with the plain client if the table is still being migrated'
      : `An item of table "${tableName}" (key attributes ${keys}) failed to verify or decrypt; its key is in error.key and ` +
        'the reason in error.cause. Check that reader and writer use the same keys and attributeActions, or the item was changed in storage',
    options)
    this.tableName = tableName
    this.key = key
    this.failure = failure
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

/** Extra output of reads (Query, Scan, BatchGetItem) under `onDecryptFailure: 'report'`. */
export interface DecryptFailureReport {
  /** Items that failed their integrity check (only with `onDecryptFailure: 'report'`); keys in low-level form. */
  readonly FailedItems?: readonly FailedItem[]
}
