import { SerializationError } from '../errors'

/**
 * Number normalization (FORMAT.md 1.3), done with string and BigInt arithmetic only: a DynamoDB number has up to
 * 38 significant digits, which a JS `number` cannot hold exactly.
 */

// sign, integer digits, fraction digits, exponent. At least one digit is required (checked below), so "." and
// "e5" are rejected; "5." and ".5" are accepted, as Java's BigDecimal and Python's Decimal both accept them.
const NUMBER_PATTERN = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/

/**
 * Largest distance, in decimal places, between the most significant digit and the decimal point that we print.
 * DynamoDB stores magnitudes from 1E-130 to 1E+126; anything far outside is not a DynamoDB number, and printing it
 * in plain notation could allocate gigabytes (`1E999999999`).
 */
const MAX_PLAIN_EXPONENT = 10_000

interface ParsedDecimal {
  readonly negative: boolean
  /** Significant digits without leading zeros; empty for zero. Trailing zeros are kept as written. */
  readonly digits: string
  /** The value is `digits × 10^exponent`. */
  readonly exponent: number
}

function parseDecimal(text: string): ParsedDecimal {
  if (typeof text !== 'string') {
    throw new SerializationError('A number must be given as a string (DynamoDB N text); convert it with String() first')
  }
  const match = NUMBER_PATTERN.exec(text)
  if (match === null) {
    throw new SerializationError(
      'Invalid number text: expected decimal digits with an optional sign, fraction and exponent (not-a-number and ' +
      'infinite values, spaces and other characters are not DynamoDB numbers)',
    )
  }
  const integerPart = match[2] ?? ''
  const fractionPart = match[3] ?? ''
  if (integerPart.length === 0 && fractionPart.length === 0) {
    throw new SerializationError('Invalid number text: it has no digits')
  }
  let exponent = 0
  const exponentText = match[4]
  if (exponentText !== undefined) {
    const unsigned = exponentText.replace(/^[+-]?0*/, '')
    // Precondition: exponents must stay in a sane range; Java's BigDecimal also refuses exponents beyond an int.
    if (unsigned.length > 9) {
      throw new SerializationError('Invalid number text: its exponent is out of range (DynamoDB allows 1E-130 to 1E+126)')
    }
    exponent = Number(exponentText)
  }
  let digits = integerPart + fractionPart
  exponent -= fractionPart.length
  let start = 0
  while (start < digits.length && digits.charCodeAt(start) === 0x30) start++
  digits = start === 0 ? digits : digits.slice(start)
  return { negative: match[1] === '-', digits, exponent }
}

function stripTrailingZeros(digits: string, exponent: number): { digits: string; exponent: number } {
  let end = digits.length
  while (end > 1 && digits.charCodeAt(end - 1) === 0x30) end--
  return { digits: end === digits.length ? digits : digits.slice(0, end), exponent: exponent + digits.length - end }
}

/** Prints `digits × 10^exponent` in plain notation (no exponent), `digits` non-empty without leading zeros. */
function toPlain(negative: boolean, digits: string, exponent: number): string {
  const adjusted = digits.length - 1 + exponent
  if (adjusted > MAX_PLAIN_EXPONENT || adjusted < -MAX_PLAIN_EXPONENT) {
    throw new SerializationError('Invalid number: its magnitude is out of range (DynamoDB allows 1E-130 to 1E+126)')
  }
  let plain: string
  if (exponent >= 0) {
    plain = exponent === 0 ? digits : digits + '0'.repeat(exponent)
  } else {
    const point = digits.length + exponent
    plain = point > 0
      ? digits.slice(0, point) + '.' + digits.slice(point)
      : '0.' + '0'.repeat(-point) + digits
  }
  return negative ? '-' + plain : plain
}

/**
 * Normalizes DynamoDB number text the way the Java client does before serializing it (FORMAT.md 1.3): any zero
 * becomes `"0"`, trailing zeros are removed and the value is printed in plain notation, exactly, whatever the
 * number of digits. The result depends only on the numeric value, so a number still verifies after DynamoDB has
 * rewritten its text.
 *
 * @example
 * normalizeNumber('5.5E1')     // '55'
 * normalizeNumber('0.0001000') // '0.0001'
 * normalizeNumber('-0.00')     // '0'
 *
 * @throws {SerializationError} ERR_SERIALIZATION if the text is not a decimal number (empty, `NaN`, `Infinity`,
 * spaces, other characters) or its magnitude is absurdly far outside DynamoDB's range.
 */
export function normalizeNumber(text: string): string {
  return isNormalized(text) ? text : normalizeNumberFully(text)
}

/**
 * {@link normalizeNumber} without the shortcut for text that is already normalized (only exported for tests
 * proving the shortcut changes nothing).
 * @internal
 */
export function normalizeNumberFully(text: string): string {
  const parsed = parseDecimal(text)
  if (parsed.digits.length === 0) return '0'
  const { digits, exponent } = stripTrailingZeros(parsed.digits, parsed.exponent)
  return toPlain(parsed.negative, digits, exponent)
}

const ZERO = 0x30
const NINE = 0x39
const MINUS = 0x2d
const POINT = 0x2e

/**
 * True if `text` is exactly what {@link normalizeNumberFully} returns for it, so it can be used as is: most stored
 * numbers (`42`, `-7`, `123456.789`, `0.05`). That is: an optional `-`, then `0` or a digit 1-9 followed by digits,
 * then optionally `.` and digits ending in 1-9; not `-0`. Short texts only, far inside the printable range.
 */
function isNormalized(text: string): boolean {
  if (typeof text !== 'string') return false
  const length = text.length
  if (length === 0 || length > 40) return false
  let i = text.charCodeAt(0) === MINUS ? 1 : 0
  if (i === length) return false
  const first = text.charCodeAt(i++)
  if (first === ZERO) {
    if (i === length) return i === 1 // "0" yes, "-0" no
  } else {
    if (first < ZERO + 1 || first > NINE) return false
    while (i < length) {
      const c = text.charCodeAt(i)
      if (c < ZERO || c > NINE) break
      i++
    }
    if (i === length) return true
  }
  if (text.charCodeAt(i++) !== POINT || i === length) return false
  for (; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c < ZERO || c > NINE) return false
  }
  return text.charCodeAt(length - 1) !== ZERO
}

// Python's boto3 DYNAMODB_CONTEXT: precision 38, Emin -128, Emax 126, rounding and range errors trapped.
const PYTHON_PARSE_PRECISION = 38
const PYTHON_EMIN = -128
const PYTHON_EMAX = 126
const PYTHON_ETINY = PYTHON_EMIN - PYTHON_PARSE_PRECISION + 1
// Python's default (ambient) decimal context, in which `normalize()` runs: precision 28, ROUND_HALF_EVEN.
const PYTHON_NORMALIZE_PRECISION = 28

/** Adds one unit in the last place to a string of decimal digits; may grow it by one digit ("999" -> "1000"). */
function incrementDigits(digits: string): string {
  let i = digits.length - 1
  while (i >= 0 && digits.charCodeAt(i) === 0x39) i--
  if (i < 0) return '1' + '0'.repeat(digits.length)
  return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - 1 - i)
}

/**
 * Normalizes number text the way the Python client 3.3.0 does (FORMAT.md 1.3, 11): parsed with boto3's DynamoDB
 * context (at most 38 digits as written, exponent range -128..126, nothing rounded), then `normalize()` in Python's
 * default context, which rounds to 28 significant digits (ROUND_HALF_EVEN), and keeps the sign of zero (`-0`).
 *
 * Only for verifying items written by Python; we always write with {@link normalizeNumber}.
 *
 * @internal
 * @throws {SerializationError} ERR_SERIALIZATION for invalid text, and where Python raises (more than 38 digits,
 * magnitude outside the DynamoDB context).
 */
export function normalizeNumberPython(text: string): string {
  const parsed = parseDecimal(text)
  const { negative } = parsed
  if (parsed.digits.length === 0) {
    // Python clamps the exponent of a zero into range and traps Clamped.
    if (parsed.exponent < PYTHON_ETINY || parsed.exponent > PYTHON_EMAX) {
      throw new SerializationError('Invalid number: its exponent is outside the DynamoDB range (Python rejects it)')
    }
    return negative ? '-0' : '0'
  }
  // Python's coefficient keeps the trailing zeros as written, and any rounding of it is trapped.
  if (parsed.digits.length > PYTHON_PARSE_PRECISION) {
    throw new SerializationError(
      'Invalid number: it has more than 38 significant digits (Python rejects it, DynamoDB too)',
    )
  }
  const adjusted = parsed.digits.length - 1 + parsed.exponent
  if (adjusted > PYTHON_EMAX) {
    throw new SerializationError('Invalid number: its magnitude is above the DynamoDB range (at most 1E+126 order)')
  }
  if (parsed.exponent < PYTHON_ETINY) {
    // Subnormal with digits below Etiny: Python would round and trap Rounded/Underflow.
    throw new SerializationError('Invalid number: its magnitude is below the DynamoDB range (at least 1E-130 order)')
  }
  let digits = parsed.digits
  let exponent = parsed.exponent
  if (digits.length > PYTHON_NORMALIZE_PRECISION) {
    const drop = digits.length - PYTHON_NORMALIZE_PRECISION
    const kept = digits.slice(0, PYTHON_NORMALIZE_PRECISION)
    const first = digits.charCodeAt(PYTHON_NORMALIZE_PRECISION) - 0x30
    const rest = digits.slice(PYTHON_NORMALIZE_PRECISION + 1)
    const restNonZero = /[1-9]/.test(rest)
    const lastKeptOdd = (kept.charCodeAt(kept.length - 1) - 0x30) % 2 === 1
    const roundUp = first > 5 || (first === 5 && (restNonZero || lastKeptOdd))
    digits = roundUp ? incrementDigits(kept) : kept
    exponent += drop
  }
  const stripped = stripTrailingZeros(digits, exponent)
  return toPlain(negative, stripped.digits, stripped.exponent)
}
