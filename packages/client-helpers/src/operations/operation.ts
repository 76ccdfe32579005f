import type { Item } from '@ddb-encryption/core'
import type { ClientSettings } from '../settings'
import type { TableRegistry } from '../table-registry'

/** What an operation module may use: the client's tables and settings. */
export interface OperationEnv {
  readonly tables: TableRegistry
  readonly settings: ClientSettings
  /** The caller's own client (plaintext), for the reads of read-modify-write operations. */
  readonly client: { send(command: object): Promise<unknown> }
}

/** An item in a request or response, with the table it belongs to. */
export interface PlacedItem {
  readonly tableName: string | undefined
  readonly item: unknown
}

/**
 * One request as the encrypted client sends it, and how its response is turned back into what the caller sees.
 */
export interface Exchange<I, O> {
  /** The input to send (items encrypted, projections widened); never the caller's object. */
  readonly input: I
  /** Verifies, decrypts and projects the items of DynamoDB's (low-level) response. */
  output(output: O): Promise<O>
  /** Sees a service error before it is rethrown unchanged (e.g. to decrypt the old item it carries, in place). */
  error?(error: unknown): Promise<void>
  /** Sends, retrying unprocessed entries (BatchWriteItem); default: one send of {@link input}. */
  send?(sendOnce: (input: I) => Promise<O>): Promise<O>
}

/**
 * One DynamoDB operation: where items sit in its input and output, and how a request is prepared (every refusal
 * first, via the policy; then encryption). Adding an operation to the encrypted clients means adding one module.
 */
export interface Operation<I extends object, O extends object> {
  /** DynamoDB's name of the operation, e.g. `PutItem`. */
  readonly name: string
  /** The items this request writes (each must be encrypted and signed when it leaves). */
  writtenItems(input: I): Iterable<PlacedItem>
  /** The items this response returns (none may still carry a signature once processed). */
  returnedItems(output: O, input: I): Iterable<PlacedItem>
  /** Refuses or prepares `input`. */
  prepare(input: I, env: OperationEnv): Promise<Exchange<I, O>>
}

/** An operation with its types erased, for the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperation = Operation<any, any>

/** Items of a record keyed by table name (BatchGetItem responses, BatchWriteItem requests, ...). */
export function* entriesOf<T>(record: Readonly<Record<string, T>> | undefined): Iterable<[string, T]> {
  if (record === undefined || record === null) return
  for (const name of Object.keys(record)) yield [name, record[name] as T]
}

/** `item` as a placed item, if present. */
export function* placed(tableName: string | undefined, item: Item | undefined): Iterable<PlacedItem> {
  if (item !== undefined) yield { tableName, item }
}
