import { normalizeNumber, type AttributeValue, type Item } from '@ddb-encryption/core'

/**
 * A comparable form of an attribute value: numbers normalized (`1.50` and `15E-1` are equal), sets sorted (a set is
 * a set, whatever order a client or DynamoDB returns), binaries as hex, map entries sorted by key. Two values are the
 * same DynamoDB value exactly when their canonical forms are deeply equal.
 */
export type CanonicalValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: CanonicalValue[] }
  | { M: Array<[string, CanonicalValue]> }

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
const byCodePoint = (a: string, b: string): number => {
  // Code point order; plain `<` on JS strings would compare UTF-16 code units.
  const x = [...a].map((c) => c.codePointAt(0) as number)
  const y = [...b].map((c) => c.codePointAt(0) as number)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}

/** The canonical form of one attribute value. */
export function canonicalValue(value: AttributeValue): CanonicalValue {
  if ('S' in value) return { S: value.S }
  if ('N' in value) return { N: normalizeNumber(value.N) }
  if ('B' in value) return { B: hex(value.B) }
  if ('SS' in value) return { SS: [...value.SS].sort(byCodePoint) }
  if ('NS' in value) return { NS: value.NS.map(normalizeNumber).sort() }
  if ('BS' in value) return { BS: value.BS.map(hex).sort() }
  if ('BOOL' in value) return { BOOL: value.BOOL }
  if ('NULL' in value) return { NULL: true }
  if ('L' in value) return { L: value.L.map(canonicalValue) }
  if ('M' in value) return { M: canonicalEntries(value.M) }
  throw new TypeError(`Unknown attribute value type: ${Object.keys(value as object).join(', ')}`)
}

function canonicalEntries(item: Item): Array<[string, CanonicalValue]> {
  return Object.keys(item).sort(byCodePoint).map((name) => [name, canonicalValue(item[name] as AttributeValue)])
}

/** The canonical form of an item: `[name, value]` pairs sorted by name (so `__proto__` survives `toEqual`). */
export function canonicalItem(item: Item): Array<[string, CanonicalValue]> {
  return canonicalEntries(item)
}
