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
  stringOption,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type EncryptorPool,
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
  /**
   * Worker threads for this table's multi-item operations, or `null` to keep this table in the calling thread when
   * the client has an `encryptorPool`. Default: the client's `encryptorPool`.
   */
  readonly encryptorPool?: EncryptorPoolUseOptions | null
}

/**
 * How an encrypted client (or `EncryptedTable`) runs the multi-item work of a table on core's `EncryptorPool`:
 * Query and Scan pages, BatchGetItem, BatchWriteItem, TransactGetItems and TransactWriteItems hand each table's
 * items to the pool's worker threads in one `encryptItems` / `decryptItems` call. For CPU-bound bulk work with
 * local keys; single-item operations stay in the calling thread (a trip to a worker costs more than one item).
 *
 * The threads cannot share the client's providers, so the table's config comes from the pool: `pool.config(name)`
 * must return the config the client would use for the table, which the client checks when it first meets the table
 * (the same `materialsProvider` object, equal attribute actions with the table's key attributes SIGN_ONLY or
 * DO_NOTHING, the table's encryption context, the same `writeMode` / `acceptPythonRoundedNumbers`); a config that
 * differs is refused with `InvalidArgumentError` before anything is sent.
 */
export interface EncryptorPoolUseOptions {
  /** A started `EncryptorPool` (core). The caller owns it: `destroy()` never closes it. */
  readonly pool: EncryptorPool
  /** The name passed to `pool.config(name)` for the table. Default: the table name. */
  readonly configName?: string
  /**
   * Fewest items of one table in one request for the pool to be used; smaller groups run in the calling thread,
   * where they cost less than the trip to a worker. A positive integer. Default 64.
   */
  readonly minItems?: number
}

/** A validated `EncryptorPoolUseOptions`. */
export interface ResolvedPoolUse {
  readonly pool: EncryptorPool
  readonly configName: string | undefined
  readonly minItems: number
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
  /**
   * Run the multi-item work of every table (Query / Scan pages, batch and transaction operations) on core's
   * `EncryptorPool` worker threads; see {@link EncryptorPoolUseOptions}. A table may override it in `tables`
   * (`encryptorPool: null` keeps that table in the calling thread). Default: none (everything in the calling
   * thread, `decryptConcurrency` items at a time).
   */
  readonly encryptorPool?: EncryptorPoolUseOptions
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
  readonly encryptorPool: ResolvedPoolUse | undefined
  /** Each table's own `encryptorPool` (validated), `null` for a table kept in the calling thread. */
  readonly tablePools: ReadonlyMap<string, ResolvedPoolUse | null>
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
  const encryptorPool = poolUseOption(options.encryptorPool, where, 'encryptorPool') ?? undefined
  const tablePools = new Map<string, ResolvedPoolUse | null>()
  for (const [name, table] of tables) {
    const own = table?.encryptorPool
    if (own !== undefined) tablePools.set(name, own === null ? null : poolUseOption(own, where, `tables[${JSON.stringify(name)}].encryptorPool`) as ResolvedPoolUse)
  }
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
    encryptorPool,
    tablePools,
  })
}

/**
 * Default `minItems` of {@link EncryptorPoolUseOptions}. Measured (decryptItems of ~1 KB static-key items, 2 threads,
 * on the shared 2-core machine under load): the pool spent about 2x the CPU per item of this thread at every size
 * and lost on wall time for batches of 4 to 128 items, won at 256 and 512; with idle cores the crossover is lower.
 * 64 keeps small pages (and most transactions) off the workers; `minItems` tunes it.
 */
const DEFAULT_POOL_MIN_ITEMS = 64

/** Validates an `encryptorPool` option (throwing `InvalidArgumentError` naming it); `null` stays `null`. */
function poolUseOption(value: EncryptorPoolUseOptions | null | undefined, where: string, name: string): ResolvedPoolUse | null | undefined {
  if (value === undefined || value === null) return value
  if (typeof value !== 'object') throw invalidOption(where, name, 'an object { pool, configName?, minItems? }')
  const pool = methodsOption<EncryptorPool>(value.pool, where, `${name}.pool`, ['config', 'run', 'close'], 'an EncryptorPool (core), started with EncryptorPool.start')
  const configName = value.configName === undefined ? undefined : stringOption(value.configName, where, `${name}.configName`)
  const minItems = positiveIntegerOption(value.minItems, where, `${name}.minItems`, DEFAULT_POOL_MIN_ITEMS)
  return Object.freeze({ pool, configName, minItems })
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
