import type { AttributeValue, Item } from '@ddb-encryption/core'

/**
 * An attribute value as it travels to and from the Python helper: DynamoDB JSON as the AWS CLI prints it, with
 * binary data (`B` values and `BS` members) as standard base64 strings (with padding).
 */
export type JsonAttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: JsonAttributeValue[] }
  | { M: Record<string, JsonAttributeValue> }

/** An item in {@link JsonAttributeValue} form. */
export type JsonItem = Record<string, JsonAttributeValue>

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

function fromBase64(text: unknown): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError('Binary data in DynamoDB JSON must be a padded standard base64 string')
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** Defines `name` even when it is `__proto__`, a legal attribute name. */
function define<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
}

/** Converts one attribute value to DynamoDB JSON with base64 binaries. */
export function attributeToJson(value: AttributeValue): JsonAttributeValue {
  if ('S' in value) return { S: value.S }
  if ('N' in value) return { N: value.N }
  if ('B' in value) return { B: toBase64(value.B) }
  if ('SS' in value) return { SS: [...value.SS] }
  if ('NS' in value) return { NS: [...value.NS] }
  if ('BS' in value) return { BS: value.BS.map(toBase64) }
  if ('BOOL' in value) return { BOOL: value.BOOL }
  if ('NULL' in value) return { NULL: true }
  if ('L' in value) return { L: value.L.map(attributeToJson) }
  if ('M' in value) return { M: itemToJson(value.M) }
  throw new TypeError(`Unknown attribute value type: ${Object.keys(value as object).join(', ')}`)
}

/** Converts one DynamoDB JSON attribute value (base64 binaries) to core's form (`Uint8Array` binaries). */
export function attributeFromJson(value: JsonAttributeValue): AttributeValue {
  const keys = Object.keys(value)
  if (keys.length !== 1) throw new TypeError(`An attribute value has exactly one type key, not ${keys.length}`)
  if ('S' in value) return { S: value.S }
  if ('N' in value) return { N: value.N }
  if ('B' in value) return { B: fromBase64(value.B) }
  if ('SS' in value) return { SS: [...value.SS] }
  if ('NS' in value) return { NS: [...value.NS] }
  if ('BS' in value) return { BS: value.BS.map(fromBase64) }
  if ('BOOL' in value) return { BOOL: value.BOOL }
  if ('NULL' in value) return { NULL: true }
  if ('L' in value) return { L: value.L.map(attributeFromJson) }
  if ('M' in value) return { M: itemFromJson(value.M) }
  throw new TypeError(`Unknown attribute value type: ${keys[0]}`)
}

/** Converts an item to DynamoDB JSON with base64 binaries (for the Python helper, and for printing). */
export function itemToJson(item: Item): JsonItem {
  const out: JsonItem = {}
  for (const name of Object.keys(item)) define(out, name, attributeToJson(item[name] as AttributeValue))
  return out
}

/** Converts an item from DynamoDB JSON with base64 binaries to core's form. */
export function itemFromJson(item: JsonItem): Item {
  const out: Record<string, AttributeValue> = {}
  for (const name of Object.keys(item)) define(out, name, attributeFromJson(item[name] as JsonAttributeValue))
  return out
}
