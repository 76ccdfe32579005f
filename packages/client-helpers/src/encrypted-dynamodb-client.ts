import { InvalidArgumentError } from '@ddb-encryption/core'
import { encryptionPlugin, MiddlewareName, type MiddlewareStackLike } from './encryption-middleware'
import type { DecryptFailureReport } from './item-decryption-error'
import { resolveSettings, type EncryptedDynamoDBClientOptions } from './settings'
import { TableRegistry } from './table-registry'
import type { TableInfo } from './table-info'

/** A command object of an SDK v3 client: its input and its output type (inferred from `resolveMiddleware`). */
export interface CommandLike<I extends object = object, O extends object = object> {
  readonly input: I
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolveMiddleware(stack: any, configuration: any, options: any): (args: any) => Promise<{ output: O }>
}

/** The per-call options of `send` (the SDK's `HttpHandlerOptions`). */
export interface SendOptions {
  /** Aborts the request. */
  readonly abortSignal?: AbortSignal | { readonly aborted: boolean; onabort?: unknown }
  /** Request timeout in milliseconds. */
  readonly requestTimeout?: number
}

/** `send` of an encrypted client: the command's own output type plus `Extra` (the decrypt failure report). */
export interface EncryptedSend<Extra extends object = DecryptFailureReport> {
  send<I extends object, O extends object>(command: CommandLike<I, O>, options?: SendOptions): Promise<O & Extra>
  send<I extends object, O extends object>(command: CommandLike<I, O>, callback: (error: unknown, data?: O & Extra) => void): void
  send<I extends object, O extends object>(command: CommandLike<I, O>, options: SendOptions, callback: (error: unknown, data?: O & Extra) => void): void
}

/** The methods an encrypted client adds to the client it copies. */
export interface EncryptedClientMethods {
  /** The TableInfo used for `tableName` (from `tables[tableName].tableInfo` or DescribeTable, cached per client). */
  tableInfo(tableName: string): Promise<TableInfo>
  /** Forgets cached DescribeTable results (of one table, or all) so the next request reads them again. */
  refreshTableInfo(tableName?: string): Promise<void>
  /**
   * Releases what this encrypted client holds (its table cache and cached handlers). Like lib-dynamodb's
   * `DynamoDBDocumentClient.destroy()`, it never destroys the HTTP handler it shares with the client it was built
   * from: destroy the client you created.
   */
  destroy(): void
}

/** Any SDK v3 client (a `DynamoDBClient` or `DynamoDBDocumentClient`), typed structurally. */
export interface DynamoDBClientLike {
  readonly config: object
  readonly middlewareStack: { clone(): unknown; identify(): string[] }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: any, ...rest: any[]): any
}

/** @deprecated Use {@link DecryptFailureReport} from the package root; kept for compatibility. */
export type { DecryptFailureReport }

const BRAND = Symbol.for('ddb-encryption.encrypted-dynamodb-client')

/** The nearest object on `value`'s prototype chain that is a class prototype (owns `constructor`). */
function classPrototypeOf(value: object): object {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.prototype.hasOwnProperty.call(proto, 'constructor')) return proto
  }
  throw new InvalidArgumentError('EncryptedDynamoDBClient.from: "client" must be an AWS SDK v3 DynamoDBClient')
}

function checkClient(client: unknown): asserts client is DynamoDBClientLike & { middlewareStack: MiddlewareStackLike & { clone(): MiddlewareStackLike & DynamoDBClientLike['middlewareStack'] } } {
  const c = client as Partial<DynamoDBClientLike> | null | undefined
  const stack = c?.middlewareStack as Partial<MiddlewareStackLike & DynamoDBClientLike['middlewareStack']> | undefined
  if (c === null || typeof c !== 'object' || c.config === null || typeof c.config !== 'object' || stack === undefined ||
    typeof stack.clone !== 'function' || typeof stack.identify !== 'function' || typeof stack.add !== 'function' ||
    typeof stack.addRelativeTo !== 'function') {
    // Encryption lives on the middleware stack; a client without one could only be wrapped by overriding send,
    // which anything sharing its stack (lib-dynamodb, paginators) would bypass.
    throw new InvalidArgumentError('EncryptedDynamoDBClient.from: "client" must be an AWS SDK v3 DynamoDBClient or DynamoDBDocumentClient (with config and middlewareStack)')
  }
  const serviceId = (c.config as { serviceId?: unknown }).serviceId
  if (serviceId !== undefined && serviceId !== 'DynamoDB') throw new InvalidArgumentError(`EncryptedDynamoDBClient.from: "client" must be a DynamoDB client, not ${String(serviceId)}`)
}

/** The type of an encrypted client: the methods it adds and its `send` (whose output carries `FailedItems`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface EncryptedDynamoDBClient extends EncryptedSend, EncryptedClientMethods {}

/**
 * A drop-in `DynamoDBClient` that encrypts and signs items on the way in and verifies and decrypts them on the way
 * out (FORMAT.md 8), as middleware on the SDK stack. Build it with {@link EncryptedDynamoDBClient.from}; keep
 * sending the same commands, in any form (`send(cmd)`, `send(cmd, cb)`, `send(cmd, { abortSignal })`, paginators,
 * `DynamoDBDocumentClient.from(encrypted)`, `DynamoDBDocument.from(encrypted)`).
 *
 * Handled: PutItem, GetItem, Query, Scan, BatchGetItem, BatchWriteItem, DeleteItem, UpdateItem, TransactWriteItems,
 * TransactGetItems. Updates of signed / encrypted attributes and conditions or filters on encrypted attributes are
 * refused before anything is sent, or done on the client with the `readModifyWrite` / `clientSideFilters` options
 * (see the README). Other commands (DescribeTable, CreateTable, ...) pass through unchanged.
 *
 * @example
 * const client = EncryptedDynamoDBClient.from(new DynamoDBClient({}), { materialsProvider })
 * await client.send(new PutItemCommand({ TableName: 'users', Item: { id: { S: '1' }, ssn: { S: '123' } } }))
 * const { Item } = await client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: '1' } } }))
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class EncryptedDynamoDBClient {
  private constructor() {
    throw new InvalidArgumentError('Use EncryptedDynamoDBClient.from(client, options)')
  }

  /**
   * A new client that shares `client`'s configuration (credentials, region, HTTP handler) and a copy of its
   * middleware stack, with the encryption middleware added. It is an `instanceof` the class of `client` (so SDK
   * paginators accept it). `client` is never changed, and keeps sending in plaintext.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an invalid option (naming it), a client without an SDK v3
   * middleware stack, or a client that is already encrypted.
   */
  static from<C extends DynamoDBClientLike>(client: C, options: EncryptedDynamoDBClientOptions): EncryptedSend & EncryptedClientMethods & C {
    const settings = resolveSettings(options)
    checkClient(client)
    if (client.middlewareStack.identify().some((entry) => entry.startsWith(`${MiddlewareName.Request} `))) {
      throw new InvalidArgumentError(
        '"client" is already an encrypted client; encrypting twice is refused. Use it directly, or ' +
        'DynamoDBDocumentClient.from(encryptedClient) for native values',
      )
    }
    const tables = new TableRegistry(client, settings)
    const stack = client.middlewareStack.clone() as MiddlewareStackLike & DynamoDBClientLike["middlewareStack"]
    encryptionPlugin({ tables, settings, client: client as { send(command: object): Promise<unknown> } }).applyToStack(stack)

    const proto = Object.create(classPrototypeOf(client)) as Record<PropertyKey, unknown>
    const methods: EncryptedClientMethods = {
      tableInfo: async (tableName) => (await tables.resolve(tableName)).info,
      refreshTableInfo: async (tableName) => tables.forget(tableName),
      destroy() {
        tables.forget()
        ;(this as { handlers?: unknown }).handlers = undefined
      },
    }
    for (const [name, value] of Object.entries(methods)) Object.defineProperty(proto, name, { value, writable: true, configurable: true })
    Object.defineProperty(proto, BRAND, { value: true })
    const encrypted = Object.create(proto) as Record<string, unknown>
    // A copy of the configuration: lib-dynamodb writes translateConfig into the config of the client it wraps.
    encrypted['config'] = { ...client.config }
    encrypted['middlewareStack'] = stack
    encrypted['initConfig'] = (client as { initConfig?: unknown }).initConfig
    // Our own handler cache (cacheMiddleware): never the caller's, whose handlers send in plaintext.
    encrypted['handlers'] = undefined
    return encrypted as unknown as EncryptedSend & EncryptedClientMethods & C
  }

  /** True for any client built by {@link EncryptedDynamoDBClient.from}. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }
}
