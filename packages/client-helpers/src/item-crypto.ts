import {
  DynamoDBEncryptionError,
  ReservedAttribute,
  decryptItem,
  decryptItemInWindow,
  decryptItems,
  encryptItem,
  encryptItems,
  type BatchOptions,
  type Item,
  getOwn,
  hasOwn,
  setOwn,
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

/** The options of core's batch call for `count` items of `table`: its pool for a large enough group, else `concurrency`. */
function batchOptions(table: ResolvedTable, count: number, concurrency: number): BatchOptions {
  return table.pool !== undefined && count >= table.pool.minItems ? { pool: table.pool.pool } : { concurrency }
}

/** A failed item of a multi-item operation: its index in the operation's list, and the error. */
interface Failure {
  readonly index: number
  readonly error: unknown
}

/**
 * Runs `fn` on `indexes` with at most `concurrency` in flight, recording every failure; with `stopAtFailure`, no new
 * item starts after one (as core's batch calls). Used where per-item outcomes are needed: items of a migration
 * window (several configurations per item), and a group whose batch call failed.
 */
async function eachSettled(indexes: readonly number[], concurrency: number, stopAtFailure: boolean, fn: (index: number) => Promise<void>): Promise<Failure[]> {
  const failures: Failure[] = []
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < indexes.length && !(stopAtFailure && failures.length > 0)) {
      const index = indexes[next++] as number
      try {
        await fn(index)
      } catch (error) {
        failures.push({ index, error })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, lane))
  return failures.sort((a, b) => a.index - b.index)
}

/** The failure with the lowest index, if any. */
function lowest(failures: readonly Failure[]): Failure | undefined {
  let found: Failure | undefined
  for (const failure of failures) if (found === undefined || failure.index < found.index) found = failure
  return found
}

/**
 * Encrypts and signs the items to write of one request, each for its table, through core's batch API: one
 * `encryptItems` call per table (on the table's `encryptorPool` when it has one and enough items), every item
 * checked by the policy before and after, as {@link encryptFor} does. Results come in the order of `entries`.
 *
 * Errors: every item is checked by the policy before any is encrypted, and nothing is returned (so nothing is sent)
 * when one fails. The error thrown is the one of the lowest-index item that fails a check or its encryption, with
 * one approximation across tables: a failed batch call says neither which of its items failed nor what the size
 * check of the items before it would have said, so it counts as failing at its table's first item.
 */
export async function encryptAll(entries: readonly { readonly table: ResolvedTable; readonly item: unknown }[], concurrency: number): Promise<Item[]> {
  const out = new Array<Item>(entries.length)
  // Before any encryption: the first item the policy refuses bounds what is worth encrypting.
  let refused: Failure | undefined
  for (let i = 0; i < entries.length && refused === undefined; i++) {
    const { table, item } = entries[i] as { table: ResolvedTable; item: unknown }
    try {
      checkItemToWrite(table, item)
    } catch (error) {
      refused = { index: i, error }
    }
  }
  const end = refused?.index ?? entries.length
  const groups = new Map<ResolvedTable, number[]>()
  for (let i = 0; i < end; i++) {
    const { table, item } = entries[i] as { table: ResolvedTable; item: Item }
    if (!table.encrypting) out[i] = item
    else if (groups.has(table)) groups.get(table)?.push(i)
    else groups.set(table, [i])
  }
  const failures = await Promise.all([...groups].map(async ([table, indexes]): Promise<Failure | undefined> => {
    let encrypted: Item[]
    try {
      encrypted = await encryptItems(indexes.map((i) => (entries[i] as { item: Item }).item), table.config, batchOptions(table, indexes.length, concurrency))
    } catch (error) {
      // The batch's own lowest-index failure; its index is unknown, the table's first item stands for it.
      return { index: indexes[0] as number, error }
    }
    for (let k = 0; k < indexes.length; k++) {
      const item = encrypted[k] as Item
      try {
        checkEncryptedItem(table, item)
      } catch (error) {
        return { index: indexes[k] as number, error }
      }
      out[indexes[k] as number] = Object.freeze(item)
    }
    return undefined
  }))
  const failed = lowest([...failures.filter((f): f is Failure => f !== undefined), ...(refused !== undefined ? [refused] : [])])
  if (failed !== undefined) throw failed.error
  return out
}

/**
 * Decrypts the items of one response (a page, a batch, a transaction), each for its table, keeping their order,
 * through core's batch API: one `decryptItems` call per table (on the table's `encryptorPool` when it has one and
 * enough items; else `concurrency` items at a time). Items without a signature fail as `'not-encrypted'` without
 * being decrypted; tables read through a migration window decrypt item by item (each item may try several
 * configurations). With `report`, items that fail their integrity check come back as `undefined` and are listed in
 * `failed`; outages are always thrown.
 *
 * A batch call answers with all its items or the error of its lowest-index failing item; when that error is an
 * integrity failure, the group is decrypted again item by item (as {@link decryptFor}) to learn which item failed,
 * for its key and, with `report`, for the other items' results. So the outcome is the item-by-item one: the same
 * items, and the error of the lowest-index failing item.
 */
export async function decryptMany(entries: readonly ReadEntry[], concurrency: number, report: boolean): Promise<{ items: (Item | undefined)[]; failed: FailedItem[] }> {
  const items = new Array<Item | undefined>(entries.length)
  const groups = new Map<ResolvedTable, number[]>()
  entries.forEach(({ table }, i) => {
    const group = groups.get(table)
    if (group === undefined) groups.set(table, [i])
    else group.push(i)
  })
  const one = async (index: number): Promise<void> => {
    const { table, item, paths } = entries[index] as ReadEntry
    items[index] = await decryptFor(table, item, paths)
  }
  const settled = await Promise.all([...groups].map(([table, indexes]) => decryptGroup(table, indexes, entries, items, concurrency, report, one)))
  const failures = settled.flat().sort((a, b) => a.index - b.index)
  // Outages (and configuration errors) are thrown in both modes; integrity failures only without `report`.
  const thrown = report ? failures.find((f) => !(f.error instanceof ItemDecryptionError)) : failures[0]
  if (thrown !== undefined) throw thrown.error
  // In DynamoDB's order, like the items.
  const failed: FailedItem[] = failures.map(({ error }) => {
    const e = error as ItemDecryptionError
    return { tableName: e.tableName, key: e.key as Item, error: e }
  })
  return { items, failed }
}

/**
 * One table's items of {@link decryptMany}: writes the results into `items` and returns the failures (without
 * `report`, only the lowest-index one).
 */
async function decryptGroup(
  table: ResolvedTable,
  indexes: readonly number[],
  entries: readonly ReadEntry[],
  items: (Item | undefined)[],
  concurrency: number,
  report: boolean,
  one: (index: number) => Promise<void>,
): Promise<Failure[]> {
  if (!table.encrypting || table.migrationWindow !== undefined) return eachSettled(indexes, concurrency, !report, one)
  // Items without a signature are refused as they are, before any decryption (as decryptFor does).
  const failures: Failure[] = []
  const batch: number[] = []
  for (const index of indexes) {
    const item = (entries[index] as ReadEntry).item
    if (hasOwn(item, ReservedAttribute.Signature)) {
      batch.push(index)
      continue
    }
    failures.push({ index, error: new ItemDecryptionError(table.info.tableName, table.info.primaryKeyNames, keyOf(table, item), 'not-encrypted') })
    // Without `report` nothing after the first failure is needed.
    if (!report) break
  }
  if (batch.length === 0) return failures
  let plain: Item[]
  try {
    plain = await decryptItems(batch.map((i) => (entries[i] as ReadEntry).item), table.config, batchOptions(table, batch.length, concurrency))
  } catch (error) {
    if (!isIntegrityFailure(error)) return [...failures, { index: batch[0] as number, error }]
    // Which item failed (for its key), and with `report` every other item's result: item by item.
    return [...failures, ...await eachSettled(batch, concurrency, !report, one)]
  }
  batch.forEach((index, k) => {
    const paths = (entries[index] as ReadEntry).paths
    const item = plain[k] as Item
    items[index] = paths !== undefined ? projectItem(item, paths) : item
  })
  return failures
}
