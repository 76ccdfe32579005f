import { InvalidArgumentError, type AttributeActions, type CryptoConfig, type MigrationWindowOptions } from '@ddb-encryption/core'
import { forwardedCryptoOptions, type ClientSettings } from './settings'
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
    return Object.freeze({
      info,
      actions,
      encrypting: !actions.takeNoActions,
      migrationWindow: protectWindow(info, override?.migrationWindow ?? this.#settings.migrationWindow),
      config: Object.freeze({
        ...this.#settings.cryptoOptions,
        ...forwardedCryptoOptions(override),
        materialsProvider: override?.materialsProvider ?? this.#settings.provider,
        encryptionContext: info.encryptionContext,
        attributeActions: actions,
      }),
    })
  }
}

/** The window with every previous configuration's actions protecting the table's key attributes, like the current ones. */
function protectWindow(info: TableInfo, window: MigrationWindowOptions | undefined): MigrationWindowOptions | undefined {
  if (window?.previous === undefined) return window
  const previous = window.previous.map((p) => Object.freeze({ ...p, attributeActions: info.protectAttributeActions(p.attributeActions) }))
  return Object.freeze({ ...window, previous: Object.freeze(previous) })
}
