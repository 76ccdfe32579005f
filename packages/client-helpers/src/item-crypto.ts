import {
  DynamoDBEncryptionError,
  ReservedAttribute,
  decryptItem,
  decryptItemInWindow,
  encryptItem,
  type Item,
  getOwn,
  hasOwn,
  setOwn,
  mapWithConcurrency,
} from '@ddb-encryption/core'
import { projectItem, type DocumentPath } from './expression'
import { ItemDecryptionError, type FailedItem } from './item-decryption-error'
import { checkEncryptedItem, checkItemToWrite } from './policy'
import type { ResolvedTable } from './table-registry'

/**
 * Codes of our own errors that describe the configuration, not the item: they are thrown unchanged (never turned
 * into a failed item), like outages.
 */
const CONFIGURATION_CODES = new Set(['ERR_INVALID_ARGUMENT', 'ERR_INVALID_ALGORITHM', 'ERR_UNSUPPORTED_OPERATION', 'ERR_INVALID_KEY',
  'ERR_AWS_KMS_PROVIDER', 'ERR_UNKNOWN_REGION', 'ERR_NO_KNOWN_VERSION'])

/**
 * True when `error` says the item itself is bad (signature, keys, tampering, malformed description): our own typed
 * errors except configuration ones. Anything else (a KMS or DynamoDB error, a network error, a timeout) is an
 * outage and must reach the caller unchanged.
 */
export function isIntegrityFailure(error: unknown): boolean {
  return DynamoDBEncryptionError.isInstance(error) && !CONFIGURATION_CODES.has(error.code)
}

/** An item of a read together with its table and the projection to apply after decryption. */
export interface ReadEntry {
  readonly table: ResolvedTable
  readonly item: Item
  readonly paths?: DocumentPath[] | undefined
}

/** The primary key of `item` (key attributes are never encrypted). */
export function keyOf(table: ResolvedTable, item: Item): Item {
  const key: Item = {}
  for (const name of table.info.primaryKeyNames) {
    const value = getOwn(item, name)
    if (value !== undefined) setOwn(key, name, value)
  }
  return key
}

/**
 * Encrypts and signs one item for `table` after the policy's checks, and checks the result (size, number range).
 * The result is frozen: nothing later in the middleware stack can add a plaintext attribute to it.
 */
export async function encryptFor(table: ResolvedTable, item: unknown): Promise<Item> {
  checkItemToWrite(table, item)
  if (!table.encrypting) return item
  const encrypted = await encryptItem(item, table.config)
  checkEncryptedItem(table, encrypted)
  return Object.freeze(encrypted)
}

/**
 * Verifies and decrypts one item of `table`, then applies the projection. An integrity failure becomes an
 * {@link ItemDecryptionError}; an outage is thrown unchanged.
 */
export async function decryptFor(table: ResolvedTable, item: Item, paths?: readonly DocumentPath[]): Promise<Item> {
  let plain: Item
  if (!table.encrypting) {
    plain = item
  } else {
    const window = table.migrationWindow
    if (!hasOwn(item, ReservedAttribute.Signature) && window?.allowPlaintext !== true) {
      throw new ItemDecryptionError(table.info.tableName, table.info.primaryKeyNames, keyOf(table, item), 'not-encrypted')
    }
    try {
      plain = window === undefined ? await decryptItem(item, table.config) : (await decryptItemInWindow(item, table.config, window)).item
    } catch (cause) {
      if (!isIntegrityFailure(cause)) throw cause
      throw new ItemDecryptionError(table.info.tableName, table.info.primaryKeyNames, keyOf(table, item), 'integrity', { cause })
    }
  }
  return paths !== undefined ? projectItem(plain, paths) : plain
}

/**
 * Decrypts a page with bounded concurrency, keeping DynamoDB's order. With `report`, items that fail their integrity
 * check come back as `undefined` and are listed in `failed`; outages are always thrown.
 */
export async function decryptMany(entries: readonly ReadEntry[], concurrency: number, report: boolean): Promise<{ items: (Item | undefined)[]; failed: FailedItem[] }> {
  const errors: (ItemDecryptionError | undefined)[] = new Array<ItemDecryptionError | undefined>(entries.length)
  const items = await mapWithConcurrency(entries, concurrency, async ({ table, item, paths }, index) => {
    try {
      return await decryptFor(table, item, paths)
    } catch (error) {
      if (!report || !(error instanceof ItemDecryptionError)) throw error
      errors[index] = error
      return undefined
    }
  })
  // In DynamoDB's order, like the items.
  const failed: FailedItem[] = errors.flatMap((error) => (error === undefined ? [] : [{ tableName: error.tableName, key: error.key as Item, error }]))
  return { items, failed }
}
