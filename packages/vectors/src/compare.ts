import { normalizeNumber, type AttributeValue, type Item } from '@ddb-encryption/core'

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort()
}

/**
 * A canonical, JSON-comparable form of an attribute for vector comparisons (FORMAT.md 10.8 step 4): sets as sorted
 * sets, numbers after normalization, map keys sorted, binary as base64.
 */
export function canonicalAttribute(value: AttributeValue): unknown {
  if ('S' in value) return { S: value.S }
  if ('N' in value) return { N: normalizeNumber(value.N) }
  if ('B' in value) return { B: b64(value.B) }
  if ('SS' in value) return { SS: sorted(value.SS) }
  if ('NS' in value) return { NS: sorted(value.NS.map((n) => normalizeNumber(n))) }
  if ('BS' in value) return { BS: sorted(value.BS.map(b64)) }
  if ('BOOL' in value) return { BOOL: value.BOOL }
  if ('NULL' in value) return { NULL: value.NULL }
  if ('L' in value) return { L: value.L.map(canonicalAttribute) }
  if ('M' in value) return { M: canonicalItem(value.M) }
  throw new Error(`Unknown attribute value shape: ${Object.keys(value as object).join(',')}`)
}

/** {@link canonicalAttribute} for every attribute, keys sorted. */
export function canonicalItem(item: Item, ignore: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(item).sort()) {
    const value = item[name]
    if (!ignore.has(name) && value !== undefined) out[name] = canonicalAttribute(value)
  }
  return out
}

/** True if two attributes are equal as FORMAT.md 10.8 compares them. */
export function attributesEqual(a: AttributeValue, b: AttributeValue): boolean {
  return JSON.stringify(canonicalAttribute(a)) === JSON.stringify(canonicalAttribute(b))
}

/**
 * Names of attributes that differ between two items (missing on one side or unequal), ignoring `ignore`.
 * Empty when the items match.
 */
export function differingAttributes(actual: Item, expected: Item, ignore: ReadonlySet<string> = new Set()): string[] {
  const names = new Set([...Object.keys(actual), ...Object.keys(expected)])
  const differing: string[] = []
  for (const name of [...names].sort()) {
    if (ignore.has(name)) continue
    const a = actual[name]
    const b = expected[name]
    if (a === undefined || b === undefined || !attributesEqual(a, b)) differing.push(name)
  }
  return differing
}
