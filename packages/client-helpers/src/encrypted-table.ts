import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type ScanCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { InvalidArgumentError, invalidOption, optionsObject, retry } from '@ddb-encryption/core'
import type { DynamoDBClientLike } from './encrypted-dynamodb-client'
import { EncryptedDynamoDBDocumentClient, type EncryptedDynamoDBDocumentClientOptions } from './encrypted-dynamodb-document-client'
import type { FailedItem } from './item-decryption-error'
import type { TableInfo } from './table-info'

/** A native-value item or key. */
export type NativeItem = Record<string, unknown>

/** Options for {@link EncryptedTable}: the document client options plus the table. */
export interface EncryptedTableOptions extends EncryptedDynamoDBDocumentClientOptions {
  /** The DynamoDB client to send with (a `DynamoDBClient` or `DynamoDBDocumentClient`); never changed or destroyed. */
  readonly client: DynamoDBClientLike
  /** Name of the table every call goes to. */
  readonly tableName: string
  /** Key schema of the table; default: read once with DescribeTable. */
  readonly tableInfo?: TableInfo
  /** Attempts of batchGet / batchWrite for unprocessed keys/items, first included. Default 5. */
  readonly batchMaxAttempts?: number
  /** Delay before the first batch retry in milliseconds, doubled on each further retry. Default 50. */
  readonly batchBaseDelayMs?: number
}

/** One page of {@link EncryptedTable.query} or {@link EncryptedTable.scan}. */
export interface EncryptedTablePage {
  /** Decrypted items, in DynamoDB's order. */
  readonly items: NativeItem[]
  /** Pass as `ExclusiveStartKey` to read the next page; absent on the last page. */
  readonly lastEvaluatedKey?: NativeItem
  /** Items that failed to verify or decrypt (only with `onDecryptFailure: 'report'`). */
  readonly failedItems?: readonly FailedItem<NativeItem>[]
}

/** Options of {@link EncryptedTable.put}: lib-dynamodb's `PutCommand` input without `TableName` and `Item`. */
export type EncryptedTablePutOptions = Omit<PutCommandInput, 'TableName' | 'Item'>
/** Options of {@link EncryptedTable.delete}: lib-dynamodb's `DeleteCommand` input without `TableName` and `Key`. */
export type EncryptedTableDeleteOptions = Omit<DeleteCommandInput, 'TableName' | 'Key'>
/** What {@link EncryptedTable.batchWrite} writes: items to put and keys to delete. */
export interface EncryptedTableBatchWriteInput {
  /** Items to put (plain objects; encrypted before their batch is sent). */
  readonly put?: readonly NativeItem[]
  /** Keys of the items to delete. */
  readonly delete?: readonly NativeItem[]
}
/** Options for {@link EncryptedTable.transactWrite}: the TransactWriteItems parameters other than the items. */
export type EncryptedTableTransactWriteOptions = Omit<TransactWriteCommandInput, 'TransactItems'>
/** Input of {@link EncryptedTable.update}: lib-dynamodb's `UpdateCommand` input without `TableName` and `Key`. */
export type EncryptedTableUpdateInput = Omit<UpdateCommandInput, 'TableName' | 'Key'>
/** Options of {@link EncryptedTable.get}: `consistentRead`, or lib-dynamodb's `GetCommand` input without `TableName` and `Key`. */
export type EncryptedTableGetOptions = { consistentRead?: boolean } & Omit<GetCommandInput, 'TableName' | 'Key'>

type TransactEntry = NonNullable<TransactWriteCommandInput['TransactItems']>[number]
/**
 * One entry of {@link EncryptedTable.transactWrite}: lib-dynamodb's `TransactWriteCommand` entry whose `Put`,
 * `Update`, `Delete` or `ConditionCheck` needs no `TableName` (always this table).
 */
export type EncryptedTableTransactItem = { [K in keyof TransactEntry]?: Omit<NonNullable<TransactEntry[K]>, 'TableName'> }

/** What {@link EncryptedTable.batchWrite} could not write after every attempt (plaintext, as passed in). */
export interface BatchWriteResult {
  readonly unprocessedPuts: NativeItem[]
  readonly unprocessedDeletes: NativeItem[]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dict = Record<string, any>

const BATCH_WRITE_LIMIT = 25
const BATCH_GET_LIMIT = 100

/**
 * One encrypted table with native JavaScript values: `put`, `get`, `update`, `delete`, `query`, `scan`, `batchGet`,
 * `batchWrite`, `transactGet`, `transactWrite`. Built on {@link EncryptedDynamoDBDocumentClient}, so the same rules
 * and options apply (`readModifyWrite`, `updateRetry`, `clientSideFilters`, `onDecryptFailure`, `migrationWindow`,
 * ...); batches are split to DynamoDB's limits and unprocessed entries are retried with exponential backoff.
 *
 * @example
 * const users = new EncryptedTable({ client: new DynamoDBClient({}), tableName: 'users', materialsProvider })
 * await users.put({ id: '1', name: 'Ada', ssn: '123-45-6789' })
 * const user = await users.get({ id: '1' })
 */
export class EncryptedTable {
  /** Name of the table. */
  readonly tableName: string
  readonly #client: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
  readonly #retry: { readonly maxAttempts: number; readonly baseDelayMs: number }

  /** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an invalid option, naming it. */
  constructor(options: EncryptedTableOptions) {
    const { client, ...clientOptions } = optionsObject(options, 'EncryptedTable')
    if (typeof options.tableName !== 'string' || options.tableName === '') throw invalidOption('EncryptedTable', 'tableName', 'a non-empty string')
    const maxAttempts = options.batchMaxAttempts ?? 5
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw invalidOption('EncryptedTable', 'batchMaxAttempts', 'a positive integer')
    const baseDelayMs = options.batchBaseDelayMs ?? 50
    if (typeof baseDelayMs !== 'number' || !(baseDelayMs >= 0)) throw invalidOption('EncryptedTable', 'batchBaseDelayMs', 'a non-negative number of milliseconds')
    this.tableName = options.tableName
    const tables = options.tableInfo !== undefined
      ? { ...(options.tables ?? {}), [options.tableName]: { ...(options.tables?.[options.tableName] ?? {}), tableInfo: options.tableInfo } }
      : options.tables
    this.#client = EncryptedDynamoDBDocumentClient.from(client, { ...clientOptions, ...(tables !== undefined ? { tables } : {}) })
    this.#retry = Object.freeze({ maxAttempts, baseDelayMs })
    Object.freeze(this)
  }

  /**
   * Encrypts, signs and writes `item` (replacing any item with its key). `options` are PutItem's: a
   * `ConditionExpression` (on encrypted attributes: refused, or evaluated on the client with `readModifyWrite`),
   * `ReturnValues: 'ALL_OLD'` (the old item, decrypted, is returned), ...
   * @returns the old item when `ReturnValues` is `ALL_OLD` and there was one; otherwise `undefined`.
   */
  async put(item: NativeItem, options: EncryptedTablePutOptions = {}): Promise<NativeItem | undefined> {
    const { Attributes } = await this.#client.send(new PutCommand({ ...options, TableName: this.tableName, Item: item }))
    return Attributes
  }

  /** Reads, verifies and decrypts the item with `key`; `undefined` if there is none. */
  async get(key: NativeItem, options: EncryptedTableGetOptions = {}): Promise<NativeItem | undefined> {
    const { consistentRead, ...rest } = options
    const { Item } = await this.#client.send(new GetCommand({
      ...rest, TableName: this.tableName, Key: key, ...(consistentRead !== undefined ? { ConsistentRead: consistentRead } : {}),
    }))
    return Item
  }

  /**
   * Updates the item with `key` (UpdateItem: `UpdateExpression`, `ConditionExpression`, `ReturnValues`, ...). An
   * update of DO_NOTHING attributes goes to DynamoDB; one that writes signed or encrypted attributes (or reads
   * encrypted ones) is refused, or, with `readModifyWrite`, applied on the client (one extra consistent read).
   * @returns the `Attributes` DynamoDB returns for `ReturnValues` (decrypted), or `undefined`.
   */
  async update(key: NativeItem, input: EncryptedTableUpdateInput): Promise<NativeItem | undefined> {
    const { Attributes } = await this.#client.send(new UpdateCommand({ ...input, TableName: this.tableName, Key: key }))
    return Attributes
  }

  /**
   * Deletes the item with `key`. `options` are DeleteItem's (`ConditionExpression`, `ReturnValues: 'ALL_OLD'`, ...);
   * a condition on encrypted attributes is refused, or evaluated on the client with `readModifyWrite`.
   * @returns the deleted item when `ReturnValues` is `ALL_OLD` and there was one; otherwise `undefined`.
   */
  async delete(key: NativeItem, options: EncryptedTableDeleteOptions = {}): Promise<NativeItem | undefined> {
    const { Attributes } = await this.#client.send(new DeleteCommand({ ...options, TableName: this.tableName, Key: key }))
    return Attributes
  }

  /**
   * Reads the items with `keys` in one TransactGetItems (at most 100), each verified and decrypted.
   * @returns the items in the order of `keys`, `undefined` where there is none.
   */
  async transactGet(keys: readonly NativeItem[]): Promise<(NativeItem | undefined)[]> {
    const { Responses } = await this.#client.send(new TransactGetCommand({
      TransactItems: keys.map((Key) => ({ Get: { TableName: this.tableName, Key } })),
    }))
    return keys.map((_key, i) => Responses?.[i]?.Item as NativeItem | undefined)
  }

  /**
   * Writes `items` in one TransactWriteItems on this table (every `Put` encrypted and signed). Updates of signed or
   * encrypted attributes and conditions on encrypted attributes are refused, or, with `readModifyWrite`, evaluated
   * on the client and sent in one transaction conditioned on the signatures of the items read.
   * @param options `ClientRequestToken`, `ReturnConsumedCapacity`, `ReturnItemCollectionMetrics`.
   */
  async transactWrite(items: readonly EncryptedTableTransactItem[], options: EncryptedTableTransactWriteOptions = {}): Promise<void> {
    const TableName = this.tableName
    const TransactItems = items.map((entry) => {
      const out: Dict = {}
      for (const kind of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const) {
        if (entry[kind] !== undefined) out[kind] = { ...entry[kind], TableName }
      }
      return out as TransactEntry
    })
    await this.#client.send(new TransactWriteCommand({ ...options, TransactItems }))
  }

  /** One page of a Query on this table (or one of its indexes); conditions may only read unencrypted attributes. */
  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<EncryptedTablePage> {
    return page(await this.#client.send(new QueryCommand({ ...input, TableName: this.tableName })))
  }

  /** One page of a Scan of this table (or one of its indexes). */
  async scan(input: Omit<ScanCommandInput, 'TableName'> = {}): Promise<EncryptedTablePage> {
    return page(await this.#client.send(new ScanCommand({ ...input, TableName: this.tableName })))
  }

  /**
   * Reads the items with `keys`, retrying unprocessed keys. Order follows DynamoDB, not `keys`; missing items are absent.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if keys stay unprocessed after every attempt.
   */
  async batchGet(keys: readonly NativeItem[]): Promise<NativeItem[]> {
    const items: NativeItem[] = []
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: NativeItem[] = keys.slice(start, start + BATCH_GET_LIMIT)
      await retry(this.#retry, async () => {
        const out = await this.#client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }))
        items.push(...((out.Responses?.[this.tableName] ?? []) as NativeItem[]))
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as NativeItem[]
      }, () => pending.length > 0)
      if (pending.length > 0) {
        throw new InvalidArgumentError(`batchGet on table "${this.tableName}" left ${pending.length} keys unprocessed after ${this.#retry.maxAttempts} attempts; retry later or raise batchMaxAttempts`)
      }
    }
    return items
  }

  /**
   * Writes and deletes in batches of 25, every item encrypted before its batch is sent; unprocessed entries are
   * retried with exponential backoff and, if some remain, returned (as passed in).
   */
  async batchWrite(requests: EncryptedTableBatchWriteInput): Promise<BatchWriteResult> {
    const all: Dict[] = [
      ...(requests.put ?? []).map((Item) => ({ PutRequest: { Item } })),
      ...(requests.delete ?? []).map((Key) => ({ DeleteRequest: { Key } })),
    ]
    const unprocessed: Dict[] = []
    for (let start = 0; start < all.length; start += BATCH_WRITE_LIMIT) {
      let pending = all.slice(start, start + BATCH_WRITE_LIMIT)
      await retry(this.#retry, async () => {
        const out = await this.#client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }))
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as Dict[]
      }, () => pending.length > 0)
      unprocessed.push(...pending)
    }
    return {
      unprocessedPuts: unprocessed.filter((r) => r['PutRequest']).map((r) => r['PutRequest']['Item'] as NativeItem),
      unprocessedDeletes: unprocessed.filter((r) => r['DeleteRequest']).map((r) => r['DeleteRequest']['Key'] as NativeItem),
    }
  }
}

function page(out: Dict): EncryptedTablePage {
  return {
    items: (out['Items'] ?? []) as NativeItem[],
    ...(out['LastEvaluatedKey'] !== undefined ? { lastEvaluatedKey: out['LastEvaluatedKey'] as NativeItem } : {}),
    ...(out['FailedItems'] !== undefined
      ? { failedItems: (out['FailedItems'] as FailedItem[]).map((f) => ({ ...f, key: unmarshall(f.key as never) })) }
      : {}),
  }
}
