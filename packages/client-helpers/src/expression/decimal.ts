/**
 * Exact decimal arithmetic for DynamoDB numbers (`N`): values are `coefficient × 10^exponent` with a BigInt
 * coefficient, so sums and differences are exact whatever their number of digits; a JS `number` is never involved.
 * DynamoDB's storage rules (at most 38 significant digits, magnitude from 1E-130 to 9.99…E+125) are checked on
 * the exact result, as DynamoDB does: it never rounds.
 * @internal
 */
import { normalizeNumber } from '@ddb-encryption/core'

export interface Decimal {
  readonly coefficient: bigint
  readonly exponent: number
}

// Sign, integer digits, fraction digits, exponent, as DynamoDB (Java's BigDecimal) accepts them: "+1", "5.", ".5".
const NUMBER_TEXT = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/

/** Largest exponent we accept before deciding the text is outside DynamoDB's range anyway. */
const EXPONENT_LIMIT = 100_000

/** Why a number cannot be stored, in DynamoDB's words. */
export const NumberProblem = {
  NotANumber: 'A value provided cannot be converted into a number',
  Precision: 'DynamoDB only supports precision up to 38 digits',
  Overflow: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
  Underflow: 'Number underflow. Attempting to store a number with magnitude smaller than supported range',
} as const
export type NumberProblem = (typeof NumberProblem)[keyof typeof NumberProblem]

/** Parses number text; `undefined` when it is not a number at all. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = NUMBER_TEXT.exec(text)
  if (match === null) return undefined
  const integer = match[2] ?? ''
  const fraction = match[3] ?? ''
  if (integer.length === 0 && fraction.length === 0) return undefined
  let exponent = 0
  if (match[4] !== undefined) {
    const digits = match[4].replace(/^[+-]?0*/, '')
    exponent = digits.length > 9 ? (match[4].startsWith('-') ? -EXPONENT_LIMIT : EXPONENT_LIMIT) : Number(match[4])
    exponent = Math.max(-EXPONENT_LIMIT, Math.min(EXPONENT_LIMIT, exponent))
  }
  const magnitude = BigInt(integer + fraction)
  return { coefficient: match[1] === '-' ? -magnitude : magnitude, exponent: exponent - fraction.length }
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.exponent === b.exponent) return [a.coefficient, b.coefficient, a.exponent]
  if (a.exponent > b.exponent) return [a.coefficient * 10n ** BigInt(a.exponent - b.exponent), b.coefficient, b.exponent]
  return [a.coefficient, b.coefficient * 10n ** BigInt(b.exponent - a.exponent), a.exponent]
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b)
  return { coefficient: x + y, exponent }
}

export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  return addDecimals(a, { coefficient: -b.coefficient, exponent: b.exponent })
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Significant digits (trailing zeros dropped) and the exponent of the most significant one; undefined for zero. */
function shape(d: Decimal): { digits: number; adjusted: number } | undefined {
  if (d.coefficient === 0n) return undefined
  let text = (d.coefficient < 0n ? -d.coefficient : d.coefficient).toString()
  const length = text.length
  text = text.replace(/0+$/, '')
  return { digits: text.length, adjusted: length - 1 + d.exponent }
}

/** Why DynamoDB would refuse to store `d`, or undefined when it can. Precision is checked first, as DynamoDB does. */
export function storageProblem(d: Decimal): NumberProblem | undefined {
  const s = shape(d)
  if (s === undefined) return undefined
  if (s.digits > 38) return NumberProblem.Precision
  if (s.adjusted > 125) return NumberProblem.Overflow
  if (s.adjusted < -130) return NumberProblem.Underflow
  return undefined
}

/** Why DynamoDB would refuse number text, or undefined when it is a storable number. */
export function numberTextProblem(text: string): NumberProblem | undefined {
  const d = parseDecimal(text)
  return d === undefined ? NumberProblem.NotANumber : storageProblem(d)
}

/** Canonical text of a storable decimal: plain notation, no trailing zeros, "0" for zero (core's normalization). */
export function formatDecimal(d: Decimal): string {
  return normalizeNumber(`${d.coefficient}E${d.exponent}`)
}
