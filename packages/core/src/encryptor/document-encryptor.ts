import type { AttributeValue, Item } from '../attribute-value'
import { CryptoAction } from '../crypto-action'
import { DeserializationError, DynamoDBEncryptionError, InvalidArgumentError, UnsupportedOperationError } from '../errors'
import { getOwn, hasOwn, setOwn } from '../own-property'
import { ReservedAttribute } from '../wire'
import { type CryptoConfig } from './crypto-config'
import { decryptItem } from './decrypt-item'
import { encryptItem } from './encrypt-item'

/**
 * How documents are converted with `@aws-sdk/util-dynamodb`. Both default to the SDK's own defaults:
 * `marshall` keeps empty strings/sets as they are, throws on `undefined` values, throws on class instances, and
 * throws on JS numbers that are not exactly representable (pass `bigint` or `NumberValue` for those);
 * `unmarshall` returns numbers as JS `number`, integers beyond 2^53 as `bigint`, and throws for other numbers a JS
 * number cannot hold exactly. Pass `unmarshallOptions: { wrapNumbers: true }` to get every number back as a
 * `NumberValue` holding its exact text.
 */
export interface DocumentOptions {
  /** Options for `marshall` of the input document. Default: the SDK's defaults. */
  marshallOptions?: DocumentMarshallOptions
  /** Options for `unmarshall` of the decrypted item ({@link decryptDocument} only). Default: the SDK's defaults (`wrapNumbers: false`). */
  unmarshallOptions?: DocumentUnmarshallOptions
}

/**
 * `marshallOptions` of `@aws-sdk/util-dynamodb` (declared here so that core's types do not need that package: it is
 * an optional peer dependency, needed only by the document functions).
 */
export interface DocumentMarshallOptions {
  /** Convert empty strings, binaries and sets to `NULL`. */
  convertEmptyValues?: boolean
  /** Remove `undefined` values instead of throwing. */
  removeUndefinedValues?: boolean
  /** Convert class instances to maps instead of throwing. */
  convertClassInstanceToMap?: boolean
  /** Accept JS numbers that lose precision instead of throwing. */
  allowImpreciseNumbers?: boolean
}

/** `unmarshallOptions` of `@aws-sdk/util-dynamodb` (see {@link DocumentMarshallOptions}). */
export interface DocumentUnmarshallOptions {
  /** `true`: every number comes back as a `NumberValue` holding its exact text; a function: your own conversion. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own type for the custom conversion
  wrapNumbers?: boolean | ((value: string) => number | bigint | any)
}

/** The parts of `@aws-sdk/util-dynamodb` the document functions use. */
interface UtilDynamoDB {
  marshall(data: Document, options?: DocumentMarshallOptions): unknown
  convertToAttr(data: unknown, options?: DocumentMarshallOptions): unknown
  convertToNative(data: unknown, options?: DocumentUnmarshallOptions): unknown
}

let utilDynamoDB: UtilDynamoDB | undefined

/** `@aws-sdk/util-dynamodb`, loaded on first use: core does not depend on it (nor, through it, on the DynamoDB client). */
function loadUtilDynamoDB(operation: string): UtilDynamoDB {
  if (utilDynamoDB) return utilDynamoDB
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    utilDynamoDB = require('@aws-sdk/util-dynamodb') as UtilDynamoDB
  } catch (error) {
    throw new UnsupportedOperationError(
      `${operation} needs @aws-sdk/util-dynamodb, an optional peer dependency of @ddb-encryption/core: ` +
        'install it (npm install @aws-sdk/util-dynamodb), or use encryptItem/decryptItem on attribute values',
      { cause: error },
    )
  }
  return utilDynamoDB
}

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription

/** A document: attribute names to native JavaScript values, as accepted by `marshall` from `@aws-sdk/util-dynamodb`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- util-dynamodb's NativeAttributeValue is any as well
export type NativeDocument = Record<string, any>
type Document = NativeDocument

// Hints for the SDK's conversion errors. The SDK's own messages can quote the values, which may be plaintext, so
// they are not passed on (neither as message nor as cause).
const MARSHALL_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['removeUndefinedValues', 'a value is undefined; remove it or pass marshallOptions.removeUndefinedValues = true'],
  ['convertClassInstanceToMap', 'a value is a class instance; convert it or pass marshallOptions.convertClassInstanceToMap = true'],
  ['MAX_SAFE_INTEGER', 'a number cannot be represented exactly; pass it as a bigint or NumberValue'],
  ['imprecise', 'a number cannot be represented exactly; pass it as a bigint or NumberValue'],
  ['convertEmptyValues', 'a value is empty; pass marshallOptions.convertEmptyValues = true or remove it'],
]

/** How deep {@link protoKeyPath} looks; deeper (or cyclic) values are left to the SDK, which refuses them. */
const MAX_PROTO_SCAN_DEPTH = 64

/**
 * Where `value` holds a map key `__proto__` (a plain object's own key, or an `M` key when `attributeValues`), or
 * undefined. `@aws-sdk/util-dynamodb` silently drops such keys in both directions, so they are refused instead.
 */
function protoKeyPath(value: unknown, attributeValues: boolean, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > MAX_PROTO_SCAN_DEPTH || ArrayBuffer.isView(value)) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = protoKeyPath(value[i], attributeValues, depth + 1)
      if (inner !== undefined) return `[${i}]${inner}`
    }
    return undefined
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return undefined
  const record = value as Record<string, unknown>
  if (attributeValues) {
    const list = getOwn(record, 'L')
    if (Array.isArray(list)) return protoKeyPath(list, true, depth + 1)
    const map = getOwn(record, 'M')
    if (typeof map !== 'object' || map === null) return undefined
    if (hasOwn(map, '__proto__')) return '["__proto__"]'
    for (const key of Object.keys(map)) {
      const inner = protoKeyPath((map as Record<string, unknown>)[key], true, depth + 1)
      if (inner !== undefined) return `[${JSON.stringify(key)}]${inner}`
    }
    return undefined
  }
  if (hasOwn(record, '__proto__')) return '["__proto__"]'
  for (const key of Object.keys(record)) {
    const inner = protoKeyPath(record[key], false, depth + 1)
    if (inner !== undefined) return `[${JSON.stringify(key)}]${inner}`
  }
  return undefined
}

const PROTO_KEY_ADVICE = 'which @aws-sdk/util-dynamodb silently drops; rename the key, or use encryptItem / decryptItem on attribute values'

function marshallDocument(doc: Document, options: DocumentOptions | undefined, operation: string): Item {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InvalidArgumentError(`${operation}: the document must be a plain object of attribute names to values`)
  }
  const sdk = loadUtilDynamoDB(operation)
  const marshallOptions = options?.marshallOptions
  const proto: unknown = Object.getPrototypeOf(doc)
  try {
    // The SDK's AttributeValue type is structurally our Item (plus `$unknown`, which marshall never produces).
    if (proto !== Object.prototype && proto !== null) return sdk.marshall(doc, marshallOptions) as unknown as Item
    // Attribute by attribute: `marshall` drops an attribute named `__proto__` and refuses a document with an
    // attribute named `constructor` (it takes the document for a class instance).
    const item: Record<string, AttributeValue> = {}
    for (const name of Object.keys(doc)) {
      const value: unknown = doc[name]
      if (value === undefined && marshallOptions?.removeUndefinedValues === true) continue
      const where = protoKeyPath(value, false)
      if (where !== undefined) {
        throw new InvalidArgumentError(`${operation}: attribute "${name}" holds a map key "__proto__" at ${where}, ${PROTO_KEY_ADVICE}`)
      }
      setOwn(item, name, sdk.convertToAttr(value, marshallOptions) as AttributeValue)
    }
    return item
  } catch (error) {
    if (DynamoDBEncryptionError.isInstance(error)) throw error
    const text = error instanceof Error ? error.message : ''
    const hint = MARSHALL_HINTS.find(([needle]) => text.includes(needle))?.[1] ?? 'a value has a type DynamoDB cannot store'
    throw new InvalidArgumentError(`${operation}: cannot convert the document to DynamoDB attribute values: ${hint}`)
  }
}

function unmarshallItem(item: Item, options: DocumentOptions | undefined, operation: string): Document {
  const { convertToNative } = loadUtilDynamoDB(operation)
  const out: Document = {}
  for (const name of Object.keys(item)) {
    const where = protoKeyPath(item[name], true)
    if (where !== undefined) {
      throw new DeserializationError(`${operation}: attribute "${name}" holds a map key "__proto__" at ${where}, ${PROTO_KEY_ADVICE}`)
    }
    try {
      // Attribute by attribute, so that an attribute named `__proto__` is kept as an own field.
      setOwn(out, name, convertToNative(item[name], options?.unmarshallOptions))
    } catch {
      throw new DeserializationError(
        `${operation}: cannot convert the item to JavaScript values (usually a number a JS number cannot hold exactly); ` +
        'pass unmarshallOptions.wrapNumbers = true to get numbers as exact NumberValue text',
      )
    }
  }
  return out
}

/**
 * Encrypts and signs a document (a plain object of native JavaScript values) with {@link encryptItem}: the
 * document is marshalled with `@aws-sdk/util-dynamodb` and encrypted; in the result, encrypted attributes, the
 * signature and the material description are `Uint8Array`s and every other attribute is the caller's own value,
 * unchanged (so `unmarshallOptions` play no part here). Store the result with a document client that marshalls
 * with the same `marshallOptions`, and pass what you read back to {@link decryptDocument}.
 *
 * Numbers keep their exact value only if they reach `marshall` exactly: pass values beyond 2^53 or with more
 * than 15 significant digits as `bigint` or `NumberValue`, and read them back with `wrapNumbers: true`.
 *
 * @example
 * const stored = await encryptDocument({ pk: 'user#1', balance: 10n ** 30n }, config)
 * const doc = await decryptDocument(stored, config, { unmarshallOptions: { wrapNumbers: true } })
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the document cannot be marshalled (the message says which option fixes it).
 * @throws {UnsupportedOperationError} ERR_UNSUPPORTED_OPERATION if `@aws-sdk/util-dynamodb` is not installed.
 * @throws Everything {@link encryptItem} throws.
 */
export async function encryptDocument(doc: Document, config: CryptoConfig, options?: DocumentOptions): Promise<Document> {
  const encrypted = await encryptItem(marshallDocument(doc, options, 'encryptDocument'), config)
  // Attributes that were not encrypted keep the caller's own native values: unmarshalling them could change a
  // sign-only number (JS number precision) and so break its signature. Marshalled again with the same options,
  // they give the bytes that were signed.
  const out: Document = {}
  for (const name of Object.keys(encrypted)) {
    const value = encrypted[name] as { B?: Uint8Array }
    const native = name === SIGNATURE || name === DESCRIPTION || config.attributeActions.action(name) === CryptoAction.ENCRYPT_AND_SIGN
      ? value.B
      : getOwn(doc, name)
    setOwn(out, name, native)
  }
  return out
}

/**
 * Verifies and decrypts a document written by {@link encryptDocument} (or any item written by a DynamoDB Encryption
 * Client, read through the document client): the reverse of {@link encryptDocument}, using {@link decryptItem}.
 *
 * Decrypted numbers come back with normalized text (FORMAT.md 1.3: `1.50` becomes `1.5`, `1E+2` becomes `100`),
 * which is the same numeric value. With the default `unmarshallOptions` they become JS numbers (digits beyond double
 * precision are lost, as the SDK does), integers beyond 2^53 become `bigint`, and other numbers beyond 2^53 make this
 * reject. Pass `{ wrapNumbers: true }` to keep every number exact.
 *
 * @throws {DeserializationError} ERR_DESERIALIZATION if the decrypted item cannot be unmarshalled with the given options.
 * @throws Everything {@link decryptItem} throws.
 */
export async function decryptDocument(doc: Document, config: CryptoConfig, options?: DocumentOptions): Promise<Document> {
  const decrypted = await decryptItem(marshallDocument(doc, options, 'decryptDocument'), config)
  return unmarshallItem(decrypted, options, 'decryptDocument')
}
