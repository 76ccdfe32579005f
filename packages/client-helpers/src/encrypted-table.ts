import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { InvalidArgumentError, invalidOption, optionsObject, retry } from '@ddb-encryption/core'
import type { DynamoDBClientLike } from './encrypted-dynamodb-client'
import { EncryptedDynamoDBDocumentClient, type EncryptedDocumentClientOptions } from './encrypted-dynamodb-document-client'
import type { FailedItem } from './item-decryption-error'
import type { TableInfo } from './table-info'

/** A native-value item or key. */
export type NativeItem = Record<string, unknown>

/** Options for {@link EncryptedTable}: the document client options plus the table. */
export interface EncryptedTableOptions extends EncryptedDocumentClientOptions {
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
 * One encrypted table with native JavaScript values: `put`, `get`, `query`, `scan`, `delete`, `batchGet`,
 * `batchWrite`. Built on {@link EncryptedDynamoDBDocumentClient}, so the same rules and options apply; batches are
 * split to DynamoDB's limits and unprocessed entries are retried with exponential backoff.
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

  /** Encrypts, signs and writes `item` (replacing any item with its key). */
  async put(item: NativeItem): Promise<void> {
    await this.#client.send(new PutCommand({ TableName: this.tableName, Item: item }))
  }

  /** Reads, verifies and decrypts the item with `key`; `undefined` if there is none. */
  async get(key: NativeItem, options: { consistentRead?: boolean } = {}): Promise<NativeItem | undefined> {
    const { Item } = await this.#client.send(new GetCommand({
      TableName: this.tableName, Key: key, ...(options.consistentRead !== undefined ? { ConsistentRead: options.consistentRead } : {}),
    }))
    return Item
  }

  /** Deletes the item with `key` (keys are never encrypted, so no cryptography is needed). */
  async delete(key: NativeItem): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.tableName, Key: key }))
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
  async batchWrite(requests: { put?: readonly NativeItem[]; delete?: readonly NativeItem[] }): Promise<BatchWriteResult> {
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
