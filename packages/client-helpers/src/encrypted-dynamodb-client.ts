import {
  AttributeActions,
  CryptoAction,
  InvalidArgumentError,
  UnsupportedOperationError,
  decryptItem,
  encryptItem,
  normalizeNumber,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
  withUserAgent,
} from '@ddb-encryption/core'
import { ItemDecryptionError, type FailedItem } from './item-decryption-error'
import { mapWithConcurrency } from './map-with-concurrency'
import { TableInfo } from './table-info'
import {
  conditionAttributeUses,
  namePlaceholders,
  projectionPaths,
  updateExpressionAttributes,
  type DocumentPath,
} from './internal/expression'
import { projectItem } from './internal/projection'
import { PACKAGE_VERSION } from './package-version'

/** Encryption settings for one table, overriding the client-wide ones. */
export interface TableEncryptionOptions {
  /** Actions for this table. Default: the client's `attributeActions`. */
  readonly attributeActions?: AttributeActions
  /** Provider for this table. Default: the client's `materialsProvider`. */
  readonly materialsProvider?: CryptographicMaterialsProvider
  /** Key schema of this table; when given, DescribeTable is never called for it. Default: read with DescribeTable. */
  readonly tableInfo?: TableInfo
}

/** Retry of BatchWriteItem's UnprocessedItems. */
export interface BatchWriteRetryOptions {
  /** Total sends including the first (>= 1). */
  readonly maxAttempts: number
  /** Delay before the first retry in milliseconds; doubles on each further retry. */
  readonly baseDelayMs: number
}

/** Options for {@link EncryptedDynamoDBClient.from}. */
export interface EncryptedClientOptions {
  /** Supplies the keys for every item. Required. */
  readonly materialsProvider: CryptographicMaterialsProvider
  /** Actions for every table without its own. Default: ENCRYPT_AND_SIGN for every attribute (keys become SIGN_ONLY). */
  readonly attributeActions?: AttributeActions
  /** Per-table overrides by table name. Default none. */
  readonly tables?: Readonly<Record<string, TableEncryptionOptions>>
  /** Items verified/decrypted (or encrypted) at the same time within one request. Default 16. */
  readonly decryptConcurrency?: number
  /**
   * What a Query, Scan or BatchGetItem does when an item fails to verify or decrypt: `'throw'` (default) fails the call
   * with {@link ItemDecryptionError}; `'report'` returns the good items and lists the others in `FailedItems`.
   */
  readonly onDecryptFailure?: 'throw' | 'report'
  /** Retry UnprocessedItems of BatchWriteItem with exponential backoff. Default: no retry (returned to the caller). */
  readonly batchWriteRetry?: BatchWriteRetryOptions
  /** Passed to every item operation: see `CryptoConfig.writeMode` in `@ddb-encryption/core`. Default `'portable'`. */
  readonly writeMode?: CryptoConfig['writeMode']
  /** Passed to every item operation: see `CryptoConfig.acceptPythonRoundedNumbers`. Default `false`. */
  readonly acceptPythonRoundedNumbers?: boolean
}

/** A command object of an SDK v3 client: its input and its output type (inferred from `resolveMiddleware`). */
export interface CommandLike<I extends object = object, O extends object = object> {
  readonly input: I
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolveMiddleware(stack: any, configuration: any, options: any): (args: any) => Promise<{ output: O }>
}

/** Anything with an SDK v3 `send`, e.g. a `DynamoDBClient` (typed structurally so tests can pass a fake). */
export interface DynamoDBClientLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: any, options?: any): Promise<any>
}

/** Extra output of reads under `onDecryptFailure: 'report'`. */
export interface DecryptFailureReport {
  /** Items that failed to verify or decrypt (only with `onDecryptFailure: 'report'`). */
  readonly FailedItems?: readonly FailedItem[]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dict = Record<string, any>

interface ResolvedTable {
  readonly info: TableInfo
  readonly actions: AttributeActions
  readonly config: CryptoConfig
}

const DATA_KEYS = ['Item', 'Items', 'Key', 'Keys', 'RequestItems', 'TransactItems', 'TransactStatements', 'Statement', 'Statements',
  'KeyConditionExpression', 'FilterExpression', 'ProjectionExpression', 'UpdateExpression', 'ConditionExpression']
const PARTIQL = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction'])
const PASSTHROUGH_SAFE = new Set(['DescribeTable', 'CreateTable', 'UpdateTable', 'DeleteTable', 'ListTables'])

/** The DynamoDB operation name of an SDK v3 command (`PutItem`, ...). */
function operationName(command: Dict): string | undefined {
  // Commands built by smithy carry their operation schema; the class name is the fallback (it can be minified).
  const schema = command['schema']
  if (Array.isArray(schema) && typeof schema[2] === 'string') return schema[2]
  const name = command.constructor?.name
  return typeof name === 'string' && name.endsWith('Command') ? name.slice(0, -'Command'.length) : undefined
}

/**
 * A new command of the same class with `input`, carrying the caller's own middleware (on a copy of its stack) plus our
 * user-agent suffix. The caller's command and its middleware stack are never changed.
 */
function rebuild(command: Dict, input: Dict): Dict {
  const Ctor = command.constructor as new (input: Dict) => Dict
  const next = new Ctor(input)
  const stack = command['middlewareStack'] as { clone?: () => unknown } | undefined
  if (stack !== undefined && stack !== null) {
    // A stack we cannot copy is passed on untouched (and gets no suffix) rather than changed.
    if (typeof stack.clone !== 'function') {
      next['middlewareStack'] = stack
      return next
    }
    next['middlewareStack'] = stack.clone()
  }
  return withUserAgent(next, PACKAGE_VERSION)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const BRAND = Symbol('EncryptedDynamoDBClient')

/**
 * A drop-in `DynamoDBClient` that encrypts and signs items on the way in and verifies and decrypts them on the way
 * out (FORMAT.md 8). Build it with {@link EncryptedDynamoDBClient.from}; keep sending the same commands.
 *
 * Handled: PutItem, GetItem, Query, Scan, BatchGetItem, BatchWriteItem, DeleteItem, UpdateItem (DO_NOTHING
 * attributes only), TransactWriteItems, TransactGetItems. Refused before anything is sent: PartiQL, conditions on
 * encrypted attributes, updates of signed attributes, index reads that cannot return whole items. Other commands
 * (DescribeTable, CreateTable, ...) pass through unchanged. The result still is an `instanceof DynamoDBClient`, so
 * `paginateQuery` / `paginateScan` accept it.
 *
 * @example
 * const client = EncryptedDynamoDBClient.from(new DynamoDBClient({}), { materialsProvider })
 * await client.send(new PutItemCommand({ TableName: 'users', Item: { id: { S: '1' }, ssn: { S: '123' } } }))
 * const { Item } = await client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: '1' } } }))
 */
export class EncryptedDynamoDBClient {
  readonly #client: DynamoDBClientLike
  readonly #provider: CryptographicMaterialsProvider
  readonly #coreOptions: Pick<CryptoConfig, 'writeMode' | 'acceptPythonRoundedNumbers'>
  readonly #actions: AttributeActions
  readonly #tables: Readonly<Record<string, TableEncryptionOptions>>
  readonly #concurrency: number
  readonly #onDecryptFailure: 'throw' | 'report'
  readonly #retry: BatchWriteRetryOptions
  readonly #encrypting: boolean
  readonly [BRAND] = true

  private constructor(client: DynamoDBClientLike, options: EncryptedClientOptions) {
    if (typeof client?.send !== 'function') throw new TypeError('"client" must be a DynamoDBClient (an object with send)')
    if (options === null || typeof options !== 'object') throw new TypeError('"options" must be an object')
    const provider = options.materialsProvider
    if (provider === null || typeof provider !== 'object' || typeof provider.getEncryptionMaterials !== 'function' ||
      typeof provider.getDecryptionMaterials !== 'function') {
      throw new TypeError('"materialsProvider" option must be a CryptographicMaterialsProvider')
    }
    const concurrency = options.decryptConcurrency ?? 16
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('"decryptConcurrency" option must be a positive integer')
    const onDecryptFailure = options.onDecryptFailure ?? 'throw'
    if (onDecryptFailure !== 'throw' && onDecryptFailure !== 'report') {
      throw new TypeError('"onDecryptFailure" option must be "throw" or "report"')
    }
    const retry = options.batchWriteRetry ?? { maxAttempts: 1, baseDelayMs: 0 }
    if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
      throw new RangeError('"batchWriteRetry.maxAttempts" option must be a positive integer')
    }
    if (typeof retry.baseDelayMs !== 'number' || !(retry.baseDelayMs >= 0)) {
      throw new RangeError('"batchWriteRetry.baseDelayMs" option must be a non-negative number of milliseconds')
    }
    this.#client = client
    this.#provider = provider
    this.#coreOptions = {
      ...(options.writeMode !== undefined ? { writeMode: options.writeMode } : {}),
      ...(options.acceptPythonRoundedNumbers !== undefined ? { acceptPythonRoundedNumbers: options.acceptPythonRoundedNumbers } : {}),
    }
    this.#actions = options.attributeActions ?? new AttributeActions()
    this.#tables = Object.freeze({ ...(options.tables ?? {}) })
    this.#concurrency = concurrency
    this.#onDecryptFailure = onDecryptFailure
    this.#retry = Object.freeze({ maxAttempts: retry.maxAttempts, baseDelayMs: retry.baseDelayMs })
    this.#encrypting = !this.#actions.takeNoActions ||
      Object.values(this.#tables).some((t) => t.attributeActions !== undefined && !t.attributeActions.takeNoActions)
  }

  /**
   * Wraps `client`. The result inherits from `client` (so it is still an `instanceof DynamoDBClient` and reads its
   * `config`) but sends through the encryption layer. `client` is not changed; `destroy()` on the result does nothing
   * (destroy the client you created).
   *
   * @throws {TypeError|RangeError} for an invalid option, naming it.
   */
  static from<C extends DynamoDBClientLike>(client: C, options: EncryptedClientOptions): EncryptedDynamoDBClient & C {
    const instance = new EncryptedDynamoDBClient(client, options)
    // Per-instance prototype: our methods first, then the wrapped client (and its class, for instanceof checks).
    const proto = Object.create(client) as object
    for (const key of ['send', 'destroy', 'refreshTableInfo', 'tableInfo'] as const) {
      Object.defineProperty(proto, key, Object.getOwnPropertyDescriptor(EncryptedDynamoDBClient.prototype, key) as PropertyDescriptor)
    }
    Object.setPrototypeOf(instance, proto)
    return Object.freeze(instance) as EncryptedDynamoDBClient & C
  }

  /** True for any client built by {@link EncryptedDynamoDBClient.from}. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /** Does nothing: the wrapped client belongs to the caller, who destroys it. */
  destroy(): void {}

  /** The TableInfo used for `tableName` (from `tables[tableName].tableInfo` or a cached DescribeTable). */
  async tableInfo(tableName: string): Promise<TableInfo> {
    return this.#tables[tableName]?.tableInfo ?? TableInfo.forTable(this.#client, tableName)
  }

  /** Forgets cached DescribeTable results (of one table, or all) so the next request reads them again. */
  async refreshTableInfo(tableName?: string): Promise<void> {
    await TableInfo.refresh(this.#client, tableName)
  }

  /**
   * Sends `command` through the encryption layer (see the class description).
   *
   * @throws {UnsupportedOperationError} ERR_UNSUPPORTED_OPERATION for a refused request (nothing is sent).
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a malformed expression or a key attribute marked ENCRYPT_AND_SIGN.
   * @throws {ItemDecryptionError} ERR_DECRYPTION_FAILED when a read item fails to verify or decrypt.
   */
  async send<I extends object, O extends object>(command: CommandLike<I, O>, options?: unknown): Promise<O & DecryptFailureReport> {
    const cmd = command as unknown as Dict
    const input = (cmd['input'] ?? {}) as Dict
    const op = operationName(cmd)
    const pass = async (next: Dict): Promise<Dict> => this.#client.send(rebuild(cmd, next), options)
    switch (op) {
      case 'PutItem': return this.#putItem(input, pass) as Promise<O>
      case 'GetItem': return this.#getItem(input, pass) as Promise<O>
      case 'Query':
      case 'Scan': return this.#queryOrScan(op, input, pass) as Promise<O>
      case 'DeleteItem': return this.#deleteItem(input, pass) as Promise<O>
      case 'UpdateItem': return this.#updateItem(input, pass) as Promise<O>
      case 'BatchGetItem': return this.#batchGetItem(input, pass) as Promise<O>
      case 'BatchWriteItem': return this.#batchWriteItem(input, pass) as Promise<O>
      case 'TransactWriteItems': return this.#transactWriteItems(input, pass) as Promise<O>
      case 'TransactGetItems': return this.#transactGetItems(input, pass) as Promise<O>
      default:
        if (op !== undefined && PARTIQL.has(op)) {
          if (this.#encrypting) {
            throw new UnsupportedOperationError(
              `${op} (PartiQL) is refused by the encrypted client: it cannot tell safely which tables and attributes a ` +
              'statement touches. Use the item operations, or the plain DynamoDBClient for tables without encryption',
            )
          }
          return this.#client.send(command, options)
        }
        if ((op === undefined || !PASSTHROUGH_SAFE.has(op)) && DATA_KEYS.some((k) => input[k] !== undefined)) {
          throw new UnsupportedOperationError(
            `${op ?? 'This command'} carries items or expressions, but the encrypted client does not know how to encrypt it; ` +
            'use a supported operation, or the plain DynamoDBClient for tables without encryption',
          )
        }
        return this.#client.send(command, options)
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Per-table configuration

  async #table(tableName: unknown): Promise<ResolvedTable> {
    if (typeof tableName !== 'string' || tableName === '') {
      throw new InvalidArgumentError('"TableName" is missing from the request; the encrypted client needs it for every item operation')
    }
    const override = this.#tables[tableName]
    const info = override?.tableInfo ?? await TableInfo.forTable(this.#client, tableName)
    const actions = info.protectAttributeActions(override?.attributeActions ?? this.#actions)
    return {
      info,
      actions,
      config: {
        materialsProvider: override?.materialsProvider ?? this.#provider,
        encryptionContext: info.encryptionContext,
        attributeActions: actions,
        ...this.#coreOptions,
      },
    }
  }

  async #resolveTables(names: Iterable<string>): Promise<Map<string, ResolvedTable>> {
    const unique = [...new Set(names)]
    const resolved = await Promise.all(unique.map((n) => this.#table(n)))
    return new Map(unique.map((n, i) => [n, resolved[i] as ResolvedTable]))
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Checks (all run before anything is sent)

  #checkCondition(table: ResolvedTable, expression: unknown, names: Dict | undefined, what: string): void {
    if (expression === undefined) return
    if (typeof expression !== 'string') throw new InvalidArgumentError(`${what} must be a string`)
    for (const use of conditionAttributeUses(expression, names, what)) {
      if (!use.existenceOnly && table.actions.action(use.attribute) === CryptoAction.ENCRYPT_AND_SIGN) {
        throw refusedRead(what, table.info.tableName, use.attribute)
      }
    }
  }

  #checkLegacyConditions(table: ResolvedTable, conditions: unknown, what: string): void {
    if (conditions === undefined || conditions === null) return
    for (const [attribute, condition] of Object.entries(conditions as Dict)) {
      const op = (condition as Dict | undefined)?.['ComparisonOperator']
      const existenceOnly = op === 'NULL' || op === 'NOT_NULL' || ((condition as Dict | undefined)?.['Exists'] === false)
      if (!existenceOnly && table.actions.action(attribute) === CryptoAction.ENCRYPT_AND_SIGN) {
        throw refusedRead(what, table.info.tableName, attribute)
      }
    }
  }

  #checkWriteConditions(table: ResolvedTable, input: Dict): void {
    this.#checkCondition(table, input['ConditionExpression'], input['ExpressionAttributeNames'], 'ConditionExpression')
    this.#checkLegacyConditions(table, input['Expected'], 'Expected')
  }

  #checkUpdate(table: ResolvedTable, input: Dict): void {
    const tableName = table.info.tableName
    const targets: string[] = []
    if (input['UpdateExpression'] !== undefined) {
      if (typeof input['UpdateExpression'] !== 'string') throw new InvalidArgumentError('UpdateExpression must be a string')
      const { targets: t, reads } = updateExpressionAttributes(input['UpdateExpression'], input['ExpressionAttributeNames'])
      targets.push(...t)
      for (const use of reads) {
        if (!use.existenceOnly && table.actions.action(use.attribute) === CryptoAction.ENCRYPT_AND_SIGN) {
          throw refusedRead('UpdateExpression', tableName, use.attribute)
        }
      }
    }
    targets.push(...Object.keys((input['AttributeUpdates'] ?? {}) as Dict))
    for (const target of targets) {
      const action = table.actions.action(target)
      if (action !== CryptoAction.DO_NOTHING) {
        throw new UnsupportedOperationError(
          `An update of table "${tableName}" writes attribute "${target}", which is ` +
          `${action === CryptoAction.SIGN_ONLY ? 'signed (SIGN_ONLY)' : 'encrypted (ENCRYPT_AND_SIGN)'}; an in-place update would ` +
          'leave it unencrypted or break the item signature. Read the item, change it and put it back, or give the attribute DO_NOTHING',
        )
      }
    }
    this.#checkWriteConditions(table, input)
  }

  /**
   * Turns a projected read into a whole-item read (signatures need every signed attribute) and returns the paths to
   * project after decryption. Index reads that cannot return whole items are refused.
   */
  #prepareRead(table: ResolvedTable, input: Dict, kind: 'item' | 'query'): { input: Dict; paths?: DocumentPath[] } {
    const next: Dict = { ...input }
    let paths: DocumentPath[] | undefined
    if (input['ProjectionExpression'] !== undefined) {
      if (typeof input['ProjectionExpression'] !== 'string') throw new InvalidArgumentError('ProjectionExpression must be a string')
      paths = projectionPaths(input['ProjectionExpression'], input['ExpressionAttributeNames'])
    } else if (input['AttributesToGet'] !== undefined) {
      paths = (input['AttributesToGet'] as string[]).map((name) => [{ name }])
    }
    if (table.actions.takeNoActions) return { input }
    delete next['ProjectionExpression']
    delete next['AttributesToGet']
    if (kind === 'query') {
      const select = input['Select'] as string | undefined
      if (select === 'COUNT') return { input: next }
      if (select === 'SPECIFIC_ATTRIBUTES' || paths !== undefined) next['Select'] = 'ALL_ATTRIBUTES'
      const indexName = input['IndexName'] as string | undefined
      const index = indexName !== undefined ? table.info.index(indexName) : undefined
      if (index !== undefined && index.projectionType !== 'ALL') {
        if (index.kind === 'global' || select === 'ALL_PROJECTED_ATTRIBUTES') {
          throw new UnsupportedOperationError(
            `Index "${index.indexName}" of table "${table.info.tableName}" does not project every attribute, so its items ` +
            'cannot be verified (the signature covers every signed attribute). Use Select: "COUNT", query the table, ' +
            `${index.kind === 'local' ? 'use Select: "ALL_ATTRIBUTES", ' : ''}or recreate the index with ProjectionType ALL`,
          )
        }
        next['Select'] = 'ALL_ATTRIBUTES' // an LSI fetches the missing attributes from the table
      }
    }
    // Drop placeholders only the removed projection used: DynamoDB rejects unused ExpressionAttributeNames.
    if (input['ExpressionAttributeNames'] !== undefined) {
      const used = new Set(['KeyConditionExpression', 'FilterExpression', 'ConditionExpression', 'UpdateExpression']
        .flatMap((k) => namePlaceholders(next[k] as string | undefined)))
      const names = Object.fromEntries(Object.entries(input['ExpressionAttributeNames'] as Dict).filter(([k]) => used.has(k)))
      if (Object.keys(names).length > 0) next['ExpressionAttributeNames'] = names
      else delete next['ExpressionAttributeNames']
    }
    return paths !== undefined ? { input: next, paths } : { input: next }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Encrypt / decrypt helpers

  async #encrypt(table: ResolvedTable, item: unknown): Promise<Item> {
    if (item === null || typeof item !== 'object') throw new InvalidArgumentError(`An item for table "${table.info.tableName}" is missing or not an object`)
    return encryptItem(item as Item, table.config)
  }

  #keyOf(table: ResolvedTable, item: Item): Item {
    const key: Record<string, Item[string]> = {}
    for (const name of table.info.primaryKeyNames) {
      const v = item[name]
      if (v !== undefined) key[name] = v
    }
    return key
  }

  async #decryptOne(table: ResolvedTable, item: Item, paths?: DocumentPath[]): Promise<Item> {
    let plain: Item
    try {
      plain = await decryptItem(item, table.config)
    } catch (cause) {
      throw new ItemDecryptionError(table.info.tableName, table.info.primaryKeyNames, this.#keyOf(table, item), { cause })
    }
    return paths !== undefined ? projectItem(plain, paths) : plain
  }

  /** Decrypts a page with bounded concurrency, keeping DynamoDB's order. */
  async #decryptMany(
    entries: readonly { table: ResolvedTable; item: Item; paths?: DocumentPath[] | undefined }[],
    report: boolean,
  ): Promise<{ items: (Item | undefined)[]; failed: FailedItem[] }> {
    const outcomes = await mapWithConcurrency(entries, this.#concurrency, async ({ table, item, paths }) => {
      try {
        return { ok: true as const, item: await this.#decryptOne(table, item, paths) }
      } catch (error) {
        return { ok: false as const, error: error as ItemDecryptionError, table }
      }
    })
    const failed: FailedItem[] = []
    const items = outcomes.map((o) => {
      if (o.ok) return o.item
      if (!report) throw o.error
      failed.push({ tableName: o.table.info.tableName, key: o.error.key as Item, error: o.error })
      return undefined
    })
    return { items, failed }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations

  async #putItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const table = await this.#table(input['TableName'])
    this.#checkWriteConditions(table, input)
    const item = await this.#encrypt(table, input['Item'])
    const result = await pass({ ...input, Item: item }).catch((error: unknown) => this.#decryptFailedCondition(table, error))
    return this.#decryptAttributes(table, result)
  }

  /**
   * Rethrows `error`; a ConditionalCheckFailedException's `Item` (ReturnValuesOnConditionCheckFailure: ALL_OLD) is
   * first replaced by the decrypted item, so the caller never sees ciphertext where it asked for the old item.
   */
  async #decryptFailedCondition(table: ResolvedTable, error: unknown): Promise<never> {
    if ((error as Dict | null)?.['name'] === 'ConditionalCheckFailedException') await this.#decryptErrorItem(table, error as Dict)
    throw error
  }

  /**
   * Decrypts `holder.Item` in place (the error object was made by the SDK for this call, and the caller's retry logic
   * needs its class and fields unchanged). An item that fails to verify is removed rather than shown as ciphertext.
   */
  async #decryptErrorItem(table: ResolvedTable, holder: Dict): Promise<void> {
    const item = holder['Item'] as Item | undefined
    if (item === undefined || item === null || typeof item !== 'object') return
    try {
      holder['Item'] = await this.#decryptOne(table, item)
    } catch {
      delete holder['Item']
    }
  }

  async #decryptAttributes(table: ResolvedTable, result: Dict): Promise<Dict> {
    const attributes = result['Attributes'] as Item | undefined
    if (attributes === undefined) return result
    return { ...result, Attributes: await this.#decryptOne(table, attributes) }
  }

  async #getItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const table = await this.#table(input['TableName'])
    const { input: next, paths } = this.#prepareRead(table, input, 'item')
    const result = await pass(next)
    const item = result['Item'] as Item | undefined
    if (item === undefined) return result
    return { ...result, Item: await this.#decryptOne(table, item, paths) }
  }

  async #queryOrScan(op: 'Query' | 'Scan', input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const table = await this.#table(input['TableName'])
    const names = input['ExpressionAttributeNames'] as Dict | undefined
    this.#checkCondition(table, input['KeyConditionExpression'], names, 'KeyConditionExpression')
    this.#checkCondition(table, input['FilterExpression'], names, 'FilterExpression')
    this.#checkLegacyConditions(table, input['KeyConditions'], 'KeyConditions')
    this.#checkLegacyConditions(table, input[op === 'Query' ? 'QueryFilter' : 'ScanFilter'], op === 'Query' ? 'QueryFilter' : 'ScanFilter')
    const { input: next, paths } = this.#prepareRead(table, input, 'query')
    const result = await pass(next)
    const stored = result['Items'] as Item[] | undefined
    if (stored === undefined) return result
    const report = this.#onDecryptFailure === 'report'
    const { items, failed } = await this.#decryptMany(stored.map((item) => ({ table, item, paths })), report)
    return { ...result, Items: items.filter((i) => i !== undefined), ...(report ? { FailedItems: failed } : {}) }
  }

  async #deleteItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const table = await this.#table(input['TableName'])
    this.#checkWriteConditions(table, input)
    return this.#decryptAttributes(table, await pass(input).catch((error: unknown) => this.#decryptFailedCondition(table, error)))
  }

  async #updateItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const table = await this.#table(input['TableName'])
    this.#checkUpdate(table, input)
    const result = await pass(input).catch((error: unknown) => this.#decryptFailedCondition(table, error))
    // ALL_OLD / ALL_NEW return whole (signed) items; UPDATED_* return only the DO_NOTHING attributes written.
    const rv = input['ReturnValues']
    return rv === 'ALL_OLD' || rv === 'ALL_NEW' ? this.#decryptAttributes(table, result) : result
  }

  async #batchGetItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const requestItems = (input['RequestItems'] ?? {}) as Dict
    const tables = await this.#resolveTables(Object.keys(requestItems))
    const paths = new Map<string, DocumentPath[] | undefined>()
    const nextItems: Dict = {}
    for (const [name, request] of Object.entries(requestItems)) {
      const prepared = this.#prepareRead(tables.get(name) as ResolvedTable, request as Dict, 'item')
      nextItems[name] = prepared.input
      paths.set(name, prepared.paths)
    }
    const result = await pass({ ...input, RequestItems: nextItems })
    const responses = (result['Responses'] ?? {}) as Record<string, Item[]>
    const entries = Object.entries(responses).flatMap(([name, items]) =>
      items.map((item) => ({ table: tables.get(name) ?? missingTable(name), item, paths: paths.get(name), name })))
    const report = this.#onDecryptFailure === 'report'
    const { items, failed } = await this.#decryptMany(entries, report)
    const out: Record<string, Item[]> = {}
    for (const name of Object.keys(responses)) out[name] = []
    entries.forEach((e, i) => { const it = items[i]; if (it !== undefined) (out[e.name] as Item[]).push(it) })
    // Give back unprocessed keys in the caller's own request shape (with its projection) so a retry is the same call.
    let unprocessed = result['UnprocessedKeys'] as Dict | undefined
    if (unprocessed !== undefined) {
      unprocessed = Object.fromEntries(Object.entries(unprocessed).map(([name, req]) =>
        [name, { ...(requestItems[name] as Dict), Keys: (req as Dict)['Keys'] }]))
    }
    return {
      ...result,
      ...(result['Responses'] !== undefined ? { Responses: out } : {}),
      ...(unprocessed !== undefined ? { UnprocessedKeys: unprocessed } : {}),
      ...(report ? { FailedItems: failed } : {}),
    }
  }

  async #batchWriteItem(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const requestItems = (input['RequestItems'] ?? {}) as Record<string, Dict[]>
    const tables = await this.#resolveTables(Object.keys(requestItems))
    type Job = { name: string; index: number; request: Dict }
    const jobs: Job[] = Object.entries(requestItems).flatMap(([name, reqs]) => reqs.map((request, index) => ({ name, index, request })))
    for (const job of jobs) {
      const put = job.request['PutRequest'] as Dict | undefined
      if (put === undefined && job.request['DeleteRequest'] === undefined) {
        throw new InvalidArgumentError(`A write request for table "${job.name}" has neither PutRequest nor DeleteRequest`)
      }
    }
    // Encrypt every item first: a batch is never sent half-encrypted.
    const encrypted = await mapWithConcurrency(jobs, this.#concurrency, async (job) => {
      const put = job.request['PutRequest'] as Dict | undefined
      if (put === undefined) return job.request
      return { ...job.request, PutRequest: { ...put, Item: await this.#encrypt(tables.get(job.name) as ResolvedTable, put['Item']) } }
    })
    const originals = new Map<string, Dict>()
    const nextItems: Record<string, Dict[]> = {}
    jobs.forEach((job, i) => {
      const enc = encrypted[i] as Dict
      ;(nextItems[job.name] ??= []).push(enc)
      const put = enc['PutRequest'] as Dict | undefined
      if (put !== undefined) {
        const table = tables.get(job.name) as ResolvedTable
        originals.set(keyString(job.name, this.#keyOf(table, put['Item'] as Item)), job.request)
      }
    })
    let result = await pass({ ...input, RequestItems: nextItems })
    for (let attempt = 1; attempt < this.#retry.maxAttempts && hasUnprocessed(result); attempt++) {
      await sleep(this.#retry.baseDelayMs * 2 ** (attempt - 1))
      result = await pass({ ...input, RequestItems: result['UnprocessedItems'] })
    }
    if (!hasUnprocessed(result)) return result
    // Map unprocessed puts back to the caller's plaintext requests (keys are never encrypted, so they match).
    const unprocessed: Record<string, Dict[]> = {}
    for (const [name, reqs] of Object.entries(result['UnprocessedItems'] as Record<string, Dict[]>)) {
      const table = tables.get(name) ?? missingTable(name)
      unprocessed[name] = reqs.map((req) => {
        const put = req['PutRequest'] as Dict | undefined
        if (put === undefined) return req
        const original = originals.get(keyString(name, this.#keyOf(table, put['Item'] as Item)))
        if (original === undefined) {
          throw new InvalidArgumentError(`DynamoDB returned an unprocessed put for table "${name}" that matches no request; retry the whole batch`)
        }
        return original
      })
    }
    return { ...result, UnprocessedItems: unprocessed }
  }

  async #transactWriteItems(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const transactItems = (input['TransactItems'] ?? []) as Dict[]
    const partOf = (entry: Dict): [string, Dict] => {
      for (const kind of ['Put', 'Update', 'Delete', 'ConditionCheck']) {
        if (entry[kind] !== undefined) return [kind, entry[kind] as Dict]
      }
      throw new InvalidArgumentError('A TransactWriteItems entry has none of Put, Update, Delete or ConditionCheck')
    }
    const parts = transactItems.map(partOf)
    const tables = await this.#resolveTables(parts.map(([, p]) => p['TableName'] as string))
    for (const [kind, part] of parts) {
      const table = tables.get(part['TableName'] as string) as ResolvedTable
      if (kind === 'Update') this.#checkUpdate(table, part)
      else this.#checkWriteConditions(table, part)
    }
    // Encrypt every Put first: the transaction is never sent half-encrypted.
    const next = await mapWithConcurrency(parts, this.#concurrency, async ([kind, part], i) => {
      if (kind !== 'Put') return transactItems[i] as Dict
      const table = tables.get(part['TableName'] as string) as ResolvedTable
      return { ...(transactItems[i] as Dict), Put: { ...part, Item: await this.#encrypt(table, part['Item']) } }
    })
    return pass({ ...input, TransactItems: next }).catch(async (error: unknown) => {
      // ReturnValuesOnConditionCheckFailure: each cancellation reason may carry its entry's stored item.
      const reasons = (error as Dict | null)?.['name'] === 'TransactionCanceledException' ? (error as Dict)['CancellationReasons'] : undefined
      if (Array.isArray(reasons)) {
        await Promise.all(reasons.map(async (reason: Dict | undefined, i) => {
          const part = parts[i]
          if (reason?.['Item'] === undefined || part === undefined) return
          await this.#decryptErrorItem(tables.get(part[1]['TableName'] as string) as ResolvedTable, reason)
        }))
      }
      throw error
    })
  }

  async #transactGetItems(input: Dict, pass: (i: Dict) => Promise<Dict>): Promise<Dict> {
    const transactItems = (input['TransactItems'] ?? []) as Dict[]
    const gets = transactItems.map((entry) => {
      const get = entry['Get'] as Dict | undefined
      if (get === undefined) throw new InvalidArgumentError('A TransactGetItems entry has no Get')
      return get
    })
    const tables = await this.#resolveTables(gets.map((g) => g['TableName'] as string))
    const prepared = gets.map((get) => this.#prepareRead(tables.get(get['TableName'] as string) as ResolvedTable, get, 'item'))
    const result = await pass({ ...input, TransactItems: transactItems.map((entry, i) => ({ ...entry, Get: prepared[i]?.input })) })
    const responses = result['Responses'] as Dict[] | undefined
    if (responses === undefined) return result
    const entries = responses.map((r, i) => ({ r, i })).filter(({ r }) => r['Item'] !== undefined)
      .map(({ r, i }) => ({ table: tables.get(gets[i]?.['TableName'] as string) as ResolvedTable, item: r['Item'] as Item, paths: prepared[i]?.paths, i }))
    const { items } = await this.#decryptMany(entries, false)
    const out = responses.map((r) => ({ ...r }))
    entries.forEach((e, k) => { (out[e.i] as Dict)['Item'] = items[k] })
    return { ...result, Responses: out }
  }
}

function refusedRead(what: string, tableName: string, attribute: string): UnsupportedOperationError {
  return new UnsupportedOperationError(
    `${what} on table "${tableName}" reads attribute "${attribute}", which is encrypted (ENCRYPT_AND_SIGN), so DynamoDB would ` +
    `compare ciphertext. Filter after reading, or give "${attribute}" SIGN_ONLY if it may be stored in plaintext`,
  )
}

function missingTable(name: string): never {
  throw new InvalidArgumentError(`DynamoDB returned items for table "${name}", which the request did not name`)
}

function hasUnprocessed(result: Dict): boolean {
  const u = result['UnprocessedItems'] as Record<string, unknown[]> | undefined
  return u !== undefined && Object.values(u).some((reqs) => reqs.length > 0)
}

/** A stable string for a primary key (key attributes are S, N or B and never encrypted). */
function keyString(tableName: string, key: Item): string {
  return JSON.stringify([tableName, ...Object.keys(key).sort().map((name) => {
    const v = key[name] as Dict
    if ('B' in v) return [name, 'B', Array.from(v['B'] as Uint8Array, (b) => b.toString(16).padStart(2, '0')).join('')]
    if ('N' in v) return [name, 'N', normalizeNumber(v['N'] as string)]
    return [name, 'S', v['S']]
  })])
}
