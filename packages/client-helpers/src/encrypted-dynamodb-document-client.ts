import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb'
import { marshall, unmarshall, type marshallOptions, type unmarshallOptions } from '@aws-sdk/util-dynamodb'
import { InvalidArgumentError } from '@ddb-encryption/core'
import {
  EncryptedDynamoDBClient,
  type CommandLike,
  type DynamoDBClientLike,
  type EncryptedClientOptions,
} from './encrypted-dynamodb-client'
import type { FailedItem } from './item-decryption-error'

/** Options for {@link EncryptedDynamoDBDocumentClient.from}: the encryption options plus the document client's translation. */
export interface EncryptedDocumentClientOptions extends EncryptedClientOptions {
  /** How native values become attribute values (`removeUndefinedValues`, `convertClassInstanceToMap`, ...). Default: those of a `DynamoDBDocumentClient` passed in, else util-dynamodb's defaults. */
  readonly marshallOptions?: marshallOptions
  /** How attribute values become native values (`wrapNumbers`, ...). Default: as for `marshallOptions`. */
  readonly unmarshallOptions?: unmarshallOptions
}

/** Extra output of document reads under `onDecryptFailure: 'report'` (keys in native form). */
export interface DocumentDecryptFailureReport {
  readonly FailedItems?: readonly FailedItem<Record<string, unknown>>[]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dict = Record<string, any>
/** lib-dynamodb key-node trees: `null` = this value, `{}` = every value of this map/list, `{ '*': x }` = x for each child. */
type KeyNodes = null | Dict | unknown[]

function isDocumentCommand(command: Dict): boolean {
  return command['clientCommand'] !== undefined && command['inputKeyNodes'] !== undefined && command['outputKeyNodes'] !== undefined
}

/** Applies `fn` to the values a lib-dynamodb key-node tree selects; returns a new object (inputs are never changed). */
function translate(value: unknown, nodes: KeyNodes, fn: (v: unknown) => unknown): unknown {
  if (value === undefined) return undefined
  if (nodes === null) return fn(value)
  if (typeof value !== 'object' || value === null) return value
  const keys = Object.keys(nodes)
  if (Array.isArray(nodes) || keys.length === 0) {
    // Every child is a value to translate.
    if (Array.isArray(value)) return value.map((v) => translate(v, null, fn))
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, translate(v, null, fn)]))
  }
  if (keys.length === 1 && keys[0] === '*') {
    const child = (nodes as Dict)['*'] as KeyNodes
    if (Array.isArray(value)) return value.map((v) => translate(v, child, fn))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translate(v, child, fn)]))
  }
  const out: Dict = Array.isArray(value) ? [...value] : { ...value }
  for (const [k, child] of Object.entries(nodes as Dict)) {
    const translated = translate((value as Dict)[k], child as KeyNodes, fn)
    if (translated !== undefined) out[k] = translated
  }
  return out
}

/** Hands the document client's own class to the paginators of lib-dynamodb without changing the caller's client. */
function documentClientBase(client: DynamoDBClientLike & Dict, translateConfig: TranslateConfig): object {
  if (client instanceof DynamoDBDocumentClient) return client
  if (client['config'] === undefined || client['middlewareStack'] === undefined) return client
  // DynamoDBDocumentClient writes translateConfig into the config it is given: give it a copy.
  const shim = { config: { ...client['config'] }, middlewareStack: client['middlewareStack'] }
  return DynamoDBDocumentClient.from(shim as never, translateConfig)
}

const BRAND = Symbol('EncryptedDynamoDBDocumentClient')

/**
 * A drop-in `DynamoDBDocumentClient` (native JavaScript values) that encrypts, signs, verifies and decrypts items.
 * It marshals with util-dynamodb itself and runs every command through an {@link EncryptedDynamoDBClient}, so the
 * same operations, refusals and options apply. Accepts the lib-dynamodb commands (`PutCommand`, `GetCommand`,
 * `QueryCommand`, ...) and low-level ones (passed to the encrypted low-level client). It is still an
 * `instanceof DynamoDBDocumentClient`, so lib-dynamodb's `paginateQuery` / `paginateScan` accept it.
 *
 * @example
 * const docClient = EncryptedDynamoDBDocumentClient.from(new DynamoDBClient({}), {
 *   materialsProvider,
 *   marshallOptions: { removeUndefinedValues: true },
 * })
 * await docClient.send(new PutCommand({ TableName: 'users', Item: { id: '1', ssn: '123-45-6789' } }))
 * const { Item } = await docClient.send(new GetCommand({ TableName: 'users', Key: { id: '1' } }))
 */
export class EncryptedDynamoDBDocumentClient {
  readonly #low: EncryptedDynamoDBClient
  readonly #marshall: marshallOptions
  readonly #unmarshall: unmarshallOptions
  readonly [BRAND] = true

  private constructor(low: EncryptedDynamoDBClient, marshallOpts: marshallOptions, unmarshallOpts: unmarshallOptions) {
    this.#low = low
    // As lib-dynamodb does: the command's top-level containers are converted, and output maps come back without a wrapper.
    this.#marshall = Object.freeze({ ...marshallOpts, convertTopLevelContainer: marshallOpts.convertTopLevelContainer ?? true })
    this.#unmarshall = Object.freeze({ ...unmarshallOpts, convertWithoutMapWrapper: unmarshallOpts.convertWithoutMapWrapper ?? true })
  }

  /**
   * Wraps a `DynamoDBClient` (or a `DynamoDBDocumentClient`, whose translate options are then the defaults).
   * Neither is changed; `destroy()` on the result does nothing.
   *
   * @throws {TypeError|RangeError} for an invalid option, naming it.
   */
  static from<C extends DynamoDBClientLike>(client: C, options: EncryptedDocumentClientOptions): EncryptedDynamoDBDocumentClient & DynamoDBDocumentClient {
    const configured = ((client as Dict)['config']?.['translateConfig'] ?? {}) as TranslateConfig
    const marshallOpts = options?.marshallOptions ?? configured.marshallOptions ?? {}
    const unmarshallOpts = options?.unmarshallOptions ?? configured.unmarshallOptions ?? {}
    const instance = new EncryptedDynamoDBDocumentClient(EncryptedDynamoDBClient.from(client, options), marshallOpts, unmarshallOpts)
    const proto = Object.create(documentClientBase(client as C & Dict, { marshallOptions: marshallOpts, unmarshallOptions: unmarshallOpts })) as object
    for (const key of ['send', 'destroy', 'encryptedClient'] as const) {
      Object.defineProperty(proto, key, Object.getOwnPropertyDescriptor(EncryptedDynamoDBDocumentClient.prototype, key) as PropertyDescriptor)
    }
    Object.setPrototypeOf(instance, proto)
    return Object.freeze(instance) as unknown as EncryptedDynamoDBDocumentClient & DynamoDBDocumentClient
  }

  /** True for any client built by {@link EncryptedDynamoDBDocumentClient.from}. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /** The encrypted low-level client underneath (same options), for low-level commands. */
  get encryptedClient(): EncryptedDynamoDBClient {
    return this.#low
  }

  /** Does nothing: the wrapped client belongs to the caller, who destroys it. */
  destroy(): void {}

  /**
   * Sends a lib-dynamodb command: marshals its native values, runs it through the encrypted low-level client and
   * unmarshals the result. Low-level commands go to the encrypted low-level client as they are.
   *
   * @throws {UnsupportedOperationError} ERR_UNSUPPORTED_OPERATION for a refused request (nothing is sent).
   * @throws {ItemDecryptionError} ERR_DECRYPTION_FAILED when a read item fails to verify or decrypt.
   */
  async send<I extends object, O extends object>(command: CommandLike<I, O>, options?: unknown): Promise<O & DocumentDecryptFailureReport> {
    const cmd = command as unknown as Dict
    if (!isDocumentCommand(cmd)) return this.#low.send(command, options) as Promise<O>
    const toAttr = (v: unknown): unknown => marshall(v as Dict, this.#marshall)
    const toNative = (v: unknown): unknown => unmarshall(v as Dict, this.#unmarshall)
    const input = translate(cmd['input'] ?? {}, cmd['inputKeyNodes'] as KeyNodes, toAttr) as Dict
    const LowCommand = (cmd['clientCommand'] as Dict).constructor as new (input: Dict) => CommandLike<Dict, Dict>
    if (typeof LowCommand !== 'function') throw new InvalidArgumentError('The document command has no low-level command; pass a lib-dynamodb command')
    const output = (await this.#low.send(new LowCommand(input), options)) as Dict
    const translated = translate(output, cmd['outputKeyNodes'] as KeyNodes, toNative) as Dict
    const failed = output['FailedItems'] as FailedItem[] | undefined
    if (failed === undefined) return translated as O
    return {
      ...translated,
      FailedItems: failed.map((f) => ({ tableName: f.tableName, key: translate(f.key, {}, toNative) as Record<string, unknown>, error: f.error })),
    } as O
  }
}
