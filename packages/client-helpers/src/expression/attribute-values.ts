/**
 * What DynamoDB's expressions do with attribute values: type names, equality (numbers by value, sets as sets),
 * ordering (numbers by value, strings by UTF-8 bytes, binary by unsigned bytes) and `size()`.
 * @internal
 */
import { normalizeNumber, type AttributeValue } from '@ddb-encryption/core'
import { compareDecimals, parseDecimal, type Decimal } from './decimal'
import { ExpressionValidationError } from './errors'

export const ATTRIBUTE_TYPES = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'BOOL', 'NULL', 'L', 'M'] as const
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number]

/**
 * The type tag of a value (`S`, `N`, ..., `M`). Expression values are checked by `attributeValueProblem` before any
 * use and items come from DynamoDB or the item encryptor, so the error is DynamoDB's answer to a value of no known
 * type, should one get past those.
 */
export function typeOf(value: AttributeValue): AttributeType {
  for (const type of ATTRIBUTE_TYPES) if (type in value) return type
  throw new ExpressionValidationError('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes')
}

/** The long type names DynamoDB uses in ADD / DELETE messages. */
export const LONG_TYPE_NAMES: Readonly<Record<AttributeType, string>> = {
  S: 'STRING', N: 'NUMBER', B: 'BINARY', SS: 'STRING_SET', NS: 'NUMBER_SET', BS: 'BINARY_SET',
  BOOL: 'BOOLEAN', NULL: 'NULL', L: 'LIST', M: 'MAP',
}

const utf8 = new TextEncoder()

function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** Strings order by their UTF-8 bytes (not by UTF-16 code units, which differ above U+FFFF). */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0
  return compareBytes(utf8.encode(a), utf8.encode(b))
}

function decimalOf(text: string): Decimal {
  const d = parseDecimal(text)
  // Expression values are checked before use and stored numbers are DynamoDB's: DynamoDB's answer, as a backstop.
  if (d === undefined) throw new ExpressionValidationError('A value provided cannot be converted into a number')
  return d
}

export function compareNumberTexts(a: string, b: string): -1 | 0 | 1 {
  return a === b ? 0 : compareDecimals(decimalOf(a), decimalOf(b))
}

/**
 * Orders two scalars of the same type (S, N or B); undefined when they are not both S, both N or both B, which
 * makes `<`, `<=`, `>`, `>=` and BETWEEN false.
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): -1 | 0 | 1 | undefined {
  if ('N' in a && 'N' in b) return compareNumberTexts(a.N, b.N)
  if ('S' in a && 'S' in b) return compareStrings(a.S, b.S)
  if ('B' in a && 'B' in b) return compareBytes(a.B, b.B)
  return undefined
}

type SetType = 'SS' | 'NS' | 'BS'
type SetElement = string | Uint8Array

/** A string that is equal for equal set elements: the string, the normalized number, the bytes as code points. */
function elementKey(type: SetType, element: SetElement): string {
  if (type === 'SS') return element as string
  if (type === 'NS') return normalizeNumber(element as string)
  let key = ''
  for (const byte of element as Uint8Array) key += String.fromCharCode(byte)
  return key
}

function keySet(type: SetType, set: readonly SetElement[]): Set<string> {
  return new Set(set.map((e) => elementKey(type, e)))
}

function setContains(type: SetType, set: readonly SetElement[], element: SetElement): boolean {
  const key = elementKey(type, element)
  return set.some((e) => elementKey(type, e) === key)
}

/** DynamoDB equality: numbers by value, sets regardless of order, lists and maps element by element. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a)
  if (type !== typeOf(b)) return false
  switch (type) {
    case 'S': return (a as { S: string }).S === (b as { S: string }).S
    case 'N': return compareNumberTexts((a as { N: string }).N, (b as { N: string }).N) === 0
    case 'B': return compareBytes((a as { B: Uint8Array }).B, (b as { B: Uint8Array }).B) === 0
    case 'BOOL': return (a as { BOOL: boolean }).BOOL === (b as { BOOL: boolean }).BOOL
    case 'NULL': return true
    case 'SS': case 'NS': case 'BS': {
      const x = (a as Record<string, SetElement[]>)[type] as SetElement[]
      const y = (b as Record<string, SetElement[]>)[type] as SetElement[]
      const keys = keySet(type, y)
      return x.length === y.length && x.every((e) => keys.has(elementKey(type, e)))
    }
    case 'L': {
      const x = (a as { L: AttributeValue[] }).L
      const y = (b as { L: AttributeValue[] }).L
      return x.length === y.length && x.every((e, i) => valuesEqual(e, y[i] as AttributeValue))
    }
    case 'M': {
      const x = (a as { M: Record<string, AttributeValue> }).M
      const y = (b as { M: Record<string, AttributeValue> }).M
      const keys = Object.keys(x)
      return keys.length === Object.keys(y).length &&
        keys.every((k) => Object.hasOwn(y, k) && valuesEqual(x[k] as AttributeValue, y[k] as AttributeValue))
    }
  }
}

function bytesInclude(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** `contains(a, b)`: substring of a string or binary, element of a set or list. */
export function containsValue(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a) return 'S' in b && a.S.includes(b.S)
  if ('B' in a) return 'B' in b && bytesInclude(a.B, b.B)
  if ('SS' in a) return 'S' in b && setContains('SS', a.SS, b.S)
  if ('NS' in a) return 'N' in b && setContains('NS', a.NS, b.N)
  if ('BS' in a) return 'B' in b && setContains('BS', a.BS, b.B)
  if ('L' in a) return a.L.some((e) => valuesEqual(e, b))
  return false
}

/** `begins_with(a, b)`: prefix of a string or binary. */
export function beginsWith(a: AttributeValue, b: AttributeValue): boolean {
  if ('S' in a && 'S' in b) return a.S.startsWith(b.S)
  if ('B' in a && 'B' in b) return b.B.length <= a.B.length && compareBytes(a.B.subarray(0, b.B.length), b.B) === 0
  return false
}

/**
 * `size()`: a string's length (in UTF-16 code units, as DynamoDB counts them), a binary's bytes, the number of
 * elements of a set, list or map; undefined for other types, which makes the comparison false.
 */
export function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return value.S.length
  if ('B' in value) return value.B.length
  if ('SS' in value) return value.SS.length
  if ('NS' in value) return value.NS.length
  if ('BS' in value) return value.BS.length
  if ('L' in value) return value.L.length
  if ('M' in value) return Object.keys(value.M).length
  return undefined
}

/** Set union / difference for ADD and DELETE; elements keep first-seen order. */
export function setUnion(type: SetType, a: readonly SetElement[], b: readonly SetElement[]): SetElement[] {
  const keys = keySet(type, a)
  const out = [...a]
  for (const e of b) {
    const key = elementKey(type, e)
    if (!keys.has(key)) {
      keys.add(key)
      out.push(e)
    }
  }
  return out
}

export function setDifference(type: SetType, a: readonly SetElement[], b: readonly SetElement[]): SetElement[] {
  const keys = keySet(type, b)
  return a.filter((e) => !keys.has(elementKey(type, e)))
}

/** True if the set has two equal elements (numbers compared by value). */
export function setHasDuplicates(type: SetType, set: readonly SetElement[]): boolean {
  return keySet(type, set).size !== set.length
}
