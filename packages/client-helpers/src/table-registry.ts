import { AttributeActions, InvalidArgumentError, type CryptoConfig, type MigrationWindowOptions } from '@ddb-encryption/core'
import { forwardedCryptoOptions, type ClientSettings, type ResolvedPoolUse } from './settings'
import { TableInfo, type DescribeTableClient } from './table-info'

/** Everything the operations need to know about one table: key schema, actions and the config for core. */
export interface ResolvedTable {
  readonly info: TableInfo
  /** The configured actions with every key attribute protected (signed, never encrypted). */
  readonly actions: AttributeActions
  readonly config: CryptoConfig
  /** False when every action of this table is DO_NOTHING: its items are sent and returned as they are. */
  readonly encrypting: boolean
  /** The migration window reads of this table go through, if any (see `EncryptedDynamoDBClientOptions.migrationWindow`). */
  readonly migrationWindow: MigrationWindowOptions | undefined
  /**
   * The worker threads this table's multi-item work runs on (`encryptorPool`), if any; `config` is then the one
   * `pool.config(name)` built in this thread, checked to be the config the client would build.
   */
  readonly pool: ResolvedPoolUse | undefined
}

/**
 * The tables one encrypted client has seen: their DescribeTable results (read once per table through the caller's
 * own client; concurrent callers share one call; a failed call is not cached) and the resulting crypto config.
 * Owned by the client, so two clients never share (or poison) each other's cache.
 */
export class TableRegistry {
  readonly #client: DescribeTableClient
  readonly #settings: ClientSettings
  readonly #tables = new Map<string, Promise<ResolvedTable>>()

  constructor(client: DescribeTableClient, settings: ClientSettings) {
    this.#client = client
    this.#settings = settings
  }

  /** The resolved table `tableName`. @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when the name is missing. */
  resolve(tableName: unknown): Promise<ResolvedTable> {
    if (typeof tableName !== 'string' || tableName === '') {
      return Promise.reject(new InvalidArgumentError('"TableName" is missing from the request; the encrypted client needs it for every item operation'))
    }
    const cached = this.#tables.get(tableName)
    if (cached !== undefined) return cached
    const pending = this.#load(tableName)
    this.#tables.set(tableName, pending)
    pending.catch(() => { if (this.#tables.get(tableName) === pending) this.#tables.delete(tableName) })
    return pending
  }

  /** Every table in `names`, resolved once each. */
  async resolveAll(names: Iterable<unknown>): Promise<Map<string, ResolvedTable>> {
    const unique = [...new Set(names)]
    const resolved = await Promise.all(unique.map((name) => this.resolve(name)))
    return new Map(unique.map((name, i) => [name as string, resolved[i] as ResolvedTable]))
  }

  /** Forgets one table (or all), so the next request reads DescribeTable again. */
  forget(tableName?: string): void {
    if (tableName === undefined) this.#tables.clear()
    else this.#tables.delete(tableName)
  }

  async #load(tableName: string): Promise<ResolvedTable> {
    const override = this.#settings.tables.get(tableName)
    const info = override?.tableInfo ?? await TableInfo.describe({ client: this.#client, tableName })
    const actions = info.protectAttributeActions(override?.attributeActions ?? this.#settings.actions)
    const config: CryptoConfig = Object.freeze({
      ...this.#settings.cryptoOptions,
      ...forwardedCryptoOptions(override),
      materialsProvider: override?.materialsProvider ?? this.#settings.provider,
      encryptionContext: info.encryptionContext,
      attributeActions: actions,
    })
    const pool = this.#settings.tablePools.has(tableName) ? this.#settings.tablePools.get(tableName) ?? undefined : this.#settings.encryptorPool
    const encrypting = !actions.takeNoActions
    return Object.freeze({
      info,
      actions,
      encrypting,
      migrationWindow: protectWindow(info, override?.migrationWindow ?? this.#settings.migrationWindow),
      // A table whose items pass unchanged has nothing to run on the threads.
      config: pool !== undefined && encrypting ? await poolConfig(pool, tableName, config) : config,
      pool: encrypting ? pool : undefined,
    })
  }
}

const FORWARDED_DEFAULTS: Readonly<Record<'writeMode' | 'acceptPythonRoundedNumbers', unknown>> = { writeMode: 'portable', acceptPythonRoundedNumbers: false }

/** True when both actions give every attribute the same action. */
function sameActions(a: AttributeActions, b: AttributeActions): boolean {
  if (a.defaultAction !== b.defaultAction) return false
  for (const name of new Set([...Object.keys(a.attributeActions), ...Object.keys(b.attributeActions)])) {
    if (a.action(name) !== b.action(name)) return false
  }
  return true
}

/**
 * The config `pool.config(name)` built in this thread for `tableName`, checked to be `expected` (what the client
 * builds from its own options): the worker threads build theirs from the same module and name, so a batch on the
 * pool gives the bytes and errors the calling thread would.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT naming what differs.
 */
async function poolConfig(use: ResolvedPoolUse, tableName: string, expected: CryptoConfig): Promise<CryptoConfig> {
  const name = use.configName ?? tableName
  const pooled = await use.pool.config(name)
  const differs = (what: string): InvalidArgumentError => new InvalidArgumentError(
    `encryptorPool: pool.config(${JSON.stringify(name)}) for table "${tableName}" has another ${what} than the encrypted client uses for ` +
    'that table; the pool\'s config module must build the same config (same materialsProvider object, attribute actions with the ' +
    'key attributes SIGN_ONLY, the table\'s encryption context, the same writeMode / acceptPythonRoundedNumbers)',
  )
  if (pooled.materialsProvider !== expected.materialsProvider) throw differs('materialsProvider')
  const context = pooled.encryptionContext ?? {}
  const want = expected.encryptionContext
  if (context.tableName !== want.tableName || context.partitionKeyName !== want.partitionKeyName || context.sortKeyName !== want.sortKeyName) {
    throw differs('encryption context (table and key names)')
  }
  if (!(pooled.attributeActions instanceof AttributeActions) || !sameActions(pooled.attributeActions, expected.attributeActions)) throw differs('attributeActions')
  for (const option of ['writeMode', 'acceptPythonRoundedNumbers'] as const) {
    if ((pooled[option] ?? FORWARDED_DEFAULTS[option]) !== (expected[option] ?? FORWARDED_DEFAULTS[option])) throw differs(`"${option}"`)
  }
  return pooled
}

/** The window with every previous configuration's actions protecting the table's key attributes, like the current ones. */
function protectWindow(info: TableInfo, window: MigrationWindowOptions | undefined): MigrationWindowOptions | undefined {
  if (window?.previous === undefined) return window
  const previous = window.previous.map((p) => Object.freeze({ ...p, attributeActions: info.protectAttributeActions(p.attributeActions) }))
  return Object.freeze({ ...window, previous: Object.freeze(previous) })
}
