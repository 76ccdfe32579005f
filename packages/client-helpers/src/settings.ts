import {
  AttributeActions,
  booleanOption,
  checkCryptoOptions,
  durationOption,
  functionOption,
  invalidOption,
  methodsOption,
  oneOfOption,
  optionsObject,
  positiveIntegerOption,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type MigrationWindowOptions,
} from '@ddb-encryption/core'
import type { TableInfo } from './table-info'

/** Encryption settings for one table, overriding the client-wide ones. */
export interface TableEncryptionOptions extends Readonly<ForwardedCryptoOptions> {
  /** Actions for this table. Default: the client's `attributeActions`. */
  readonly attributeActions?: AttributeActions
  /** Provider for this table. Default: the client's `materialsProvider`. */
  readonly materialsProvider?: CryptographicMaterialsProvider
  /** Key schema of this table; when given, DescribeTable is never called for it. Default: read with DescribeTable. */
  readonly tableInfo?: TableInfo
  /** Migration window for this table. Default: the client's `migrationWindow`. */
  readonly migrationWindow?: MigrationWindowOptions
}

/** Retry of BatchWriteItem's UnprocessedItems. */
export interface BatchWriteRetryOptions {
  /** Total sends including the first (>= 1). */
  readonly maxAttempts: number
  /** Delay before the first retry in milliseconds; doubles on each further retry. */
  readonly baseDelayMs: number
}

/** Retry of a read-modify-write update whose write lost a race with another writer. */
export interface UpdateRetryOptions {
  /** Total tries including the first (>= 1). */
  readonly maxAttempts: number
  /** Upper bound of the random delay before the first retry, in milliseconds; doubles on each further retry. */
  readonly baseDelayMs: number
}

/**
 * The options of core's `CryptoConfig` that the clients and `EncryptedTable` forward unchanged to every item they
 * encrypt or decrypt (everything but the provider, context and actions, which the clients set per table).
 */
export type ForwardedCryptoOptions = Omit<CryptoConfig, 'materialsProvider' | 'encryptionContext' | 'attributeActions'>

/** The names of {@link ForwardedCryptoOptions}: a new core option is forwarded by adding its name here. */
const FORWARDED_CRYPTO_OPTIONS: readonly (keyof ForwardedCryptoOptions)[] = ['writeMode', 'acceptPythonRoundedNumbers']

/** The forwarded options set in `options` (a client's or one table's), checked by core's rules. */
export function forwardedCryptoOptions(options: Readonly<ForwardedCryptoOptions> | undefined): Readonly<ForwardedCryptoOptions> {
  const picked: Record<string, unknown> = {}
  for (const name of FORWARDED_CRYPTO_OPTIONS) {
    if (options?.[name] !== undefined) picked[name] = options[name]
  }
  checkCryptoOptions(picked as ForwardedCryptoOptions)
  return Object.freeze(picked) as Readonly<ForwardedCryptoOptions>
}

/** Options for `EncryptedDynamoDBClient.from` (and, with translation options, the document client and EncryptedTable). */
export interface EncryptedDynamoDBClientOptions extends Readonly<ForwardedCryptoOptions> {
  /** Supplies the keys for every item. Required. */
  readonly materialsProvider: CryptographicMaterialsProvider
  /** Actions for every table without its own. Default: ENCRYPT_AND_SIGN for every attribute (keys become SIGN_ONLY). */
  readonly attributeActions?: AttributeActions
  /** Per-table overrides by table name. Default none. */
  readonly tables?: Readonly<Record<string, TableEncryptionOptions>>
  /** Items verified/decrypted (or encrypted) at the same time within one request. Default 16. */
  readonly decryptConcurrency?: number
  /**
   * What a Query, Scan or BatchGetItem does when an item fails its integrity check (bad signature, wrong keys,
   * tampering, not encrypted): `'throw'` (default) fails the call with `ItemDecryptionError`; `'report'` returns the
   * good items and lists the others in `FailedItems`. Outages (throttling, network errors, timeouts, 5xx from KMS or
   * DynamoDB) are thrown unchanged in both modes.
   */
  readonly onDecryptFailure?: 'throw' | 'report'
  /** Retry UnprocessedItems of BatchWriteItem with exponential backoff. Default: no retry (returned to the caller). */
  readonly batchWriteRetry?: BatchWriteRetryOptions
  /**
   * What happens to an UpdateItem that writes a signed or encrypted attribute (or reads an encrypted one), and to a
   * PutItem / DeleteItem whose ConditionExpression reads an encrypted attribute. `false` (default): refused before
   * anything is sent. `true`: read-modify-write: the item is read (consistent read), verified and decrypted; the
   * condition and the update are evaluated on the plaintext with DynamoDB's semantics and errors; the new item is
   * encrypted and written on condition that the stored signature has not changed meanwhile (or that there still is
   * no item), retried with jitter when another writer won. Costs one extra read per such request. Updates of
   * DO_NOTHING attributes only, and conditions on unencrypted attributes, still go straight to DynamoDB.
   */
  readonly readModifyWrite?: boolean
  /**
   * Retries of a read-modify-write request when another writer changed the item between its read and its write,
   * with exponential backoff and full jitter. Default `{ maxAttempts: 10, baseDelayMs: 20 }`.
   */
  readonly updateRetry?: UpdateRetryOptions
  /**
   * What happens to a Query or Scan whose FilterExpression reads an encrypted attribute. `false` (default): refused
   * before anything is sent. `true`: the request is sent without the filter and each page is filtered after
   * decryption, keeping DynamoDB's semantics: `Limit` counts the items read before filtering, `ScannedCount` and
   * `LastEvaluatedKey` are DynamoDB's, `Count` counts the items that pass (so paginators work unchanged). The items
   * filtered out are still read (and billed).
   */
  readonly clientSideFilters?: boolean
  /**
   * Reads during a migration (core's `decryptItemInWindow`): also accept items that were never encrypted
   * (`allowPlaintext`) and items written under earlier configurations (`previous`, tried in order after the current
   * one), reporting each read's outcome to `onRead`. Writes always use the current configuration. Default: off (only
   * items of the current configuration are read). A tampered item is rejected whatever the window.
   */
  readonly migrationWindow?: MigrationWindowOptions
}

/** Validated, frozen client settings. */
export interface ClientSettings {
  readonly provider: CryptographicMaterialsProvider
  readonly actions: AttributeActions
  readonly tables: ReadonlyMap<string, TableEncryptionOptions>
  readonly concurrency: number
  readonly onDecryptFailure: 'throw' | 'report'
  readonly batchWriteRetry: BatchWriteRetryOptions
  readonly readModifyWrite: boolean
  readonly updateRetry: UpdateRetryOptions
  readonly clientSideFilters: boolean
  /** False when every table's actions are DO_NOTHING (nothing is ever encrypted). */
  readonly encrypting: boolean
  readonly cryptoOptions: Readonly<ForwardedCryptoOptions>
  readonly migrationWindow: MigrationWindowOptions | undefined
}

/** A validated, frozen `{ maxAttempts, baseDelayMs }` option (`fallback` when absent). */
function retryOption(where: string, name: string, value: BatchWriteRetryOptions | undefined, fallback: BatchWriteRetryOptions): BatchWriteRetryOptions {
  const retry = value ?? fallback
  if (typeof retry !== 'object' || retry === null) throw invalidOption(where, name, 'an object { maxAttempts, baseDelayMs }')
  const maxAttempts = positiveIntegerOption(retry.maxAttempts, where, `${name}.maxAttempts`)
  const baseDelayMs = durationOption(retry.baseDelayMs, where, `${name}.baseDelayMs`, { allowZero: true })
  return Object.freeze({ maxAttempts, baseDelayMs })
}

/**
 * Validates `options` (throwing core's `InvalidArgumentError` naming the option, prefixed with `where`) and returns
 * frozen settings.
 */
export function resolveSettings(options: EncryptedDynamoDBClientOptions, where = 'EncryptedDynamoDBClient'): ClientSettings {
  optionsObject(options, where)
  const provider = methodsOption<CryptographicMaterialsProvider>(options.materialsProvider, where, 'materialsProvider',
    ['getEncryptionMaterials', 'getDecryptionMaterials'], 'a CryptographicMaterialsProvider')
  const concurrency = positiveIntegerOption(options.decryptConcurrency, where, 'decryptConcurrency', 16)
  const onDecryptFailure = oneOfOption(options.onDecryptFailure, where, 'onDecryptFailure', ['throw', 'report'] as const, 'throw')
  const retry = retryOption(where, 'batchWriteRetry', options.batchWriteRetry, { maxAttempts: 1, baseDelayMs: 0 })
  const readModifyWrite = booleanOption(options.readModifyWrite, where, 'readModifyWrite', false)
  const updateRetry = retryOption(where, 'updateRetry', options.updateRetry, { maxAttempts: 10, baseDelayMs: 20 })
  const clientSideFilters = booleanOption(options.clientSideFilters, where, 'clientSideFilters', false)
  const migrationWindow = checkMigrationWindow(options.migrationWindow, where, 'migrationWindow')
  const actions = options.attributeActions ?? new AttributeActions()
  // A Map, not a record: a table may be called "__proto__" or "constructor".
  const tables = new Map<string, TableEncryptionOptions>(Object.entries(options.tables ?? {}))
  for (const [name, table] of tables) checkMigrationWindow(table?.migrationWindow, where, `tables[${JSON.stringify(name)}].migrationWindow`)
  const cryptoOptions = forwardedCryptoOptions(options)
  for (const table of tables.values()) forwardedCryptoOptions(table)
  return Object.freeze({
    provider,
    actions,
    tables,
    concurrency,
    onDecryptFailure,
    batchWriteRetry: retry,
    readModifyWrite,
    updateRetry,
    clientSideFilters,
    encrypting: !actions.takeNoActions || [...tables.values()].some((t) => t.attributeActions !== undefined && !t.attributeActions.takeNoActions),
    cryptoOptions,
    migrationWindow,
  })
}

/** Validates a migration window option (throwing `InvalidArgumentError` naming it) and returns a frozen copy. */
function checkMigrationWindow(window: MigrationWindowOptions | undefined, where: string, name: string): MigrationWindowOptions | undefined {
  if (window === undefined) return undefined
  if (window === null || typeof window !== 'object') throw invalidOption(where, name, 'an object')
  booleanOption(window.allowPlaintext, where, `${name}.allowPlaintext`, false)
  if (window.onRead !== undefined) functionOption(window.onRead, where, `${name}.onRead`, 'a function')
  const previous = window.previous ?? []
  if (!Array.isArray(previous)) throw invalidOption(where, `${name}.previous`, 'an array of { materialsProvider, attributeActions }')
  previous.forEach((p, i) => {
    methodsOption(p?.materialsProvider, where, `${name}.previous[${i}].materialsProvider`, ['getDecryptionMaterials'], 'a CryptographicMaterialsProvider')
    if (!(p.attributeActions instanceof AttributeActions)) throw invalidOption(where, `${name}.previous[${i}].attributeActions`, 'an AttributeActions')
  })
  return Object.freeze({ ...window, previous: Object.freeze([...previous]) })
}
