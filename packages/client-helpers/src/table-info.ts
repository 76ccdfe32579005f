import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import {
  AttributeActions, CryptoAction, InvalidArgumentError, methodsOption, optionsObject, stringOption, withUserAgent, type TableEncryptionContext,
} from '@ddb-encryption/core'
import { PACKAGE_VERSION } from './package-version'

/** A key attribute: its name and scalar type. */
export interface KeyAttribute {
  readonly name: string
  /** `S`, `N` or `B`; `undefined` when the table description did not say. */
  readonly type?: 'S' | 'N' | 'B'
}

/** Key schema and projection of one secondary index. */
export interface IndexInfo {
  readonly indexName: string
  readonly kind: 'global' | 'local'
  readonly partitionKey: KeyAttribute
  readonly sortKey?: KeyAttribute
  /** `ALL`, `KEYS_ONLY` or `INCLUDE`; `undefined` when unknown (treated as not `ALL`). */
  readonly projectionType?: string
}

/** Options for {@link TableInfo}. */
export interface TableInfoOptions {
  readonly tableName: string
  readonly partitionKey: KeyAttribute
  readonly sortKey?: KeyAttribute
  /** Default none. */
  readonly globalSecondaryIndexes?: readonly IndexInfo[]
  /** Default none. */
  readonly localSecondaryIndexes?: readonly IndexInfo[]
}

/** The parts of a DescribeTable `Table` that TableInfo reads. */
export interface TableDescriptionLike {
  TableName?: string
  KeySchema?: readonly { AttributeName?: string; KeyType?: string }[]
  AttributeDefinitions?: readonly { AttributeName?: string; AttributeType?: string }[]
  GlobalSecondaryIndexes?: readonly IndexDescriptionLike[]
  LocalSecondaryIndexes?: readonly IndexDescriptionLike[]
}

/** The parts of a DescribeTable index description that TableInfo reads. */
export interface IndexDescriptionLike {
  IndexName?: string
  KeySchema?: readonly { AttributeName?: string; KeyType?: string }[]
  Projection?: { ProjectionType?: string }
}

/** A client that can run DescribeTable (any SDK v3 DynamoDBClient). */
export interface DescribeTableClient {
  send(command: unknown): Promise<unknown>
}

/** Options for {@link TableInfo.describe}. */
export interface TableInfoDescribeOptions {
  /** DynamoDB client (you build it, you destroy it); only `send` is used, for one DescribeTable. */
  readonly client: DescribeTableClient
  /** The table to describe. */
  readonly tableName: string
}

/**
 * What the encrypted clients need to know about a table (FORMAT.md 8.1): primary key, every GSI and LSI key
 * schema and projection. Build it from DescribeTable with {@link TableInfo.describe} or by hand with the constructor when the caller may not call DescribeTable. Immutable.
 *
 * @example
 * const info = await TableInfo.describe({ client: ddbClient, tableName: 'orders' })
 * const actions = info.protectAttributeActions(new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } }))
 */
export class TableInfo {
  readonly tableName: string
  readonly partitionKey: KeyAttribute
  readonly sortKey?: KeyAttribute
  readonly globalSecondaryIndexes: readonly IndexInfo[]
  readonly localSecondaryIndexes: readonly IndexInfo[]

  /** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when the table name or partition key is missing. */
  constructor(options: TableInfoOptions) {
    if (typeof options?.tableName !== 'string' || options.tableName === '') {
      throw new InvalidArgumentError('"tableName" must be a non-empty string')
    }
    if (typeof options.partitionKey?.name !== 'string' || options.partitionKey.name === '') {
      throw new InvalidArgumentError(`"partitionKey.name" of table "${options.tableName}" must be a non-empty string`)
    }
    this.tableName = options.tableName
    this.partitionKey = Object.freeze({ ...options.partitionKey })
    if (options.sortKey !== undefined) this.sortKey = Object.freeze({ ...options.sortKey })
    this.globalSecondaryIndexes = Object.freeze((options.globalSecondaryIndexes ?? []).map(freezeIndex))
    this.localSecondaryIndexes = Object.freeze((options.localSecondaryIndexes ?? []).map(freezeIndex))
    Object.freeze(this)
  }

  /**
   * Builds a TableInfo from a DescribeTable `Table` description.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when the description has no name or HASH key.
   */
  static fromDescription(table: TableDescriptionLike): TableInfo {
    const types = new Map<string, 'S' | 'N' | 'B'>()
    for (const d of table.AttributeDefinitions ?? []) {
      if (d.AttributeName !== undefined && (d.AttributeType === 'S' || d.AttributeType === 'N' || d.AttributeType === 'B')) {
        types.set(d.AttributeName, d.AttributeType)
      }
    }
    const keys = (schema: IndexDescriptionLike['KeySchema'], where: string): { partitionKey: KeyAttribute; sortKey?: KeyAttribute } => {
      const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName
      const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName
      if (hash === undefined) throw new InvalidArgumentError(`The description of ${where} has no HASH key; pass a complete DescribeTable result`)
      const attr = (name: string): KeyAttribute => { const type = types.get(name); return type ? { name, type } : { name } }
      return { partitionKey: attr(hash), ...(range !== undefined ? { sortKey: attr(range) } : {}) }
    }
    const tableName = table.TableName
    if (tableName === undefined) throw new InvalidArgumentError('The table description has no TableName; pass a DescribeTable result')
    const index = (kind: 'global' | 'local') => (ix: IndexDescriptionLike): IndexInfo => ({
      indexName: ix.IndexName ?? '',
      kind,
      ...keys(ix.KeySchema, `index "${ix.IndexName ?? ''}" of table "${tableName}"`),
      ...(ix.Projection?.ProjectionType !== undefined ? { projectionType: ix.Projection.ProjectionType } : {}),
    })
    return new TableInfo({
      tableName,
      ...keys(table.KeySchema, `table "${tableName}"`),
      globalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map(index('global')),
      localSecondaryIndexes: (table.LocalSecondaryIndexes ?? []).map(index('local')),
    })
  }

  /**
   * Reads the TableInfo of `tableName` with DescribeTable (one call, not cached: the encrypted clients cache it per
   * client). DynamoDB errors pass through unchanged.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when DynamoDB returns no usable description.
   */
  static async describe(options: TableInfoDescribeOptions): Promise<TableInfo> {
    const where = 'TableInfo.describe'
    optionsObject(options, where)
    const client = methodsOption<DescribeTableClient>(options.client, where, 'client', ['send'], 'a DynamoDB client')
    const tableName = stringOption(options.tableName, where, 'tableName')
    const result = (await client.send(withUserAgent(new DescribeTableCommand({ TableName: tableName }), PACKAGE_VERSION))) as { Table?: TableDescriptionLike }
    if (result?.Table === undefined) {
      throw new InvalidArgumentError(`DescribeTable returned no description for table "${tableName}"; check the table name`)
    }
    return TableInfo.fromDescription(result.Table)
  }

  /** The encryption context values of this table: table name and primary key names (FORMAT.md 6). */
  get encryptionContext(): TableEncryptionContext & { readonly partitionKeyName: string } {
    return {
      tableName: this.tableName,
      partitionKeyName: this.partitionKey.name,
      ...(this.sortKey !== undefined ? { sortKeyName: this.sortKey.name } : {}),
    }
  }

  /** Primary key attribute names: partition, then sort if any. */
  get primaryKeyNames(): readonly string[] {
    return this.sortKey !== undefined ? [this.partitionKey.name, this.sortKey.name] : [this.partitionKey.name]
  }

  /** Key attribute names of every GSI and LSI (without duplicates, without the primary keys). */
  get secondaryIndexKeyNames(): readonly string[] {
    const names = new Set<string>()
    for (const ix of [...this.globalSecondaryIndexes, ...this.localSecondaryIndexes]) {
      names.add(ix.partitionKey.name)
      if (ix.sortKey !== undefined) names.add(ix.sortKey.name)
    }
    for (const k of this.primaryKeyNames) names.delete(k)
    return [...names]
  }

  /** The secondary index called `indexName`, if the table has it. */
  index(indexName: string): IndexInfo | undefined {
    return [...this.globalSecondaryIndexes, ...this.localSecondaryIndexes].find((ix) => ix.indexName === indexName)
  }

  /**
   * Attributes that must never be encrypted under `actions`: the primary keys always, and GSI/LSI keys unless the
   * default action is DO_NOTHING (then they are untouched anyway unless overridden). Stricter than Python, which
   * protects only the primary keys (FORMAT.md 5.3): an encrypted index key breaks the index.
   */
  protectedIndexKeys(actions: AttributeActions): readonly string[] {
    return actions.defaultAction === CryptoAction.DO_NOTHING
      ? this.primaryKeyNames
      : [...this.primaryKeyNames, ...this.secondaryIndexKeyNames]
  }

  /**
   * Returns new actions in which every key attribute of this table is signed but never encrypted (ENCRYPT_AND_SIGN
   * becomes SIGN_ONLY; see {@link TableInfo.protectedIndexKeys}). `actions` is unchanged.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when an explicit ENCRYPT_AND_SIGN override names any primary,
   * GSI or LSI key attribute.
   */
  protectAttributeActions(actions: AttributeActions): AttributeActions {
    for (const name of [...this.primaryKeyNames, ...this.secondaryIndexKeyNames]) {
      if (actions.attributeActions[name] === CryptoAction.ENCRYPT_AND_SIGN) {
        throw new InvalidArgumentError(
          `Attribute "${name}" is a key of table "${this.tableName}" or of one of its indexes and cannot be encrypted; ` +
          'give it SIGN_ONLY (or DO_NOTHING) in attributeActions',
        )
      }
    }
    return actions.setIndexKeys(...this.protectedIndexKeys(actions))
  }
}

function freezeIndex(ix: IndexInfo): IndexInfo {
  return Object.freeze({
    ...ix,
    partitionKey: Object.freeze({ ...ix.partitionKey }),
    ...(ix.sortKey !== undefined ? { sortKey: Object.freeze({ ...ix.sortKey }) } : {}),
  })
}
