import { CryptoAction, normalizeNumber, ReservedAttribute, type AttributeValue, type Item } from '@ddb-encryption/core'
import fc from 'fast-check'

/**
 * Generators of DynamoDB items for cross-implementation tests.
 *
 * The general generators stay inside what the Python reference (dynamodb-encryption-sdk 3.3.0) and this library
 * serialize identically (FORMAT.md 1.3, 1.4, 11): numbers have at most 28 significant digits and are never `-0`.
 * Everything else is covered: every attribute type and nesting, names and values with characters from every plane
 * (including U+E000..U+FFFF next to non-BMP characters), the ends of DynamoDB's number range, empty strings and
 * binaries where DynamoDB allows them, binary sets whose members differ at bytes >= 0x80. The cases where the two
 * implementations disagree have their own generators ({@link longNumberText}, {@link negativeZeroText}).
 */

/** One generated test case: an item and the actions both sides use for it. */
export interface InteropCase {
  readonly item: Item
  /** Partition key attribute (SIGN_ONLY, `S`/`N`/`B`, never empty). */
  readonly partitionKeyName: string
  /** Sort key attribute, when the case has one. */
  readonly sortKeyName?: string
  /** Action of attributes without an override. */
  readonly defaultAction: CryptoAction
  /** Per-attribute actions; keys are always SIGN_ONLY. */
  readonly overrides: Readonly<Record<string, CryptoAction>>
}

/** Options of {@link interopCase}. */
export interface InteropCaseOptions {
  /** Most non-key attributes per item; default 8. */
  readonly maxAttributes?: number
  /** Deepest nesting of `L` / `M`; default 3. */
  readonly maxDepth?: number
  /** Generator of `N` text; default {@link numberText}. */
  readonly number?: fc.Arbitrary<string>
}

const fromCodePoint = (code: number): string => String.fromCodePoint(code)

/**
 * One character, spread over the ranges where orderings and encodings differ: ASCII (often), controls and NUL,
 * the rest of the BMP below the surrogates, U+E000..U+FFFF (sorts after surrogate pairs in UTF-16 but before
 * non-BMP characters by code point), and supplementary planes (4 UTF-8 bytes, surrogate pairs in UTF-16).
 */
export const character: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...'abcxyzABCXYZ019_-.:#*'), weight: 6 },
  { arbitrary: fc.integer({ min: 0x00, max: 0x7f }).map(fromCodePoint), weight: 2 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xd7ff }).map(fromCodePoint), weight: 2 },
  { arbitrary: fc.integer({ min: 0xe000, max: 0xffff }).map(fromCodePoint), weight: 2 },
  { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map(fromCodePoint), weight: 2 },
  { arbitrary: fc.constantFrom('\u{1F600}', '\uFF01', '\uE000', '\uFFFF', '\u{10000}', '\u{10FFFF}', '\u0080', '\u07FF', '\u0800'), weight: 2 },
)

/** A string of {@link character}s (may be empty). */
export function unicodeString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: character, minLength: constraints.minLength ?? 0, maxLength: constraints.maxLength ?? 16 })
}

/** An attribute or map key name: 1..12 characters from every plane, never a reserved attribute name. */
export const attributeName: fc.Arbitrary<string> = unicodeString({ minLength: 1, maxLength: 12 })
  .filter((name) => name !== ReservedAttribute.Signature && name !== ReservedAttribute.MaterialDescription)

/** Binary data, possibly empty. */
export const binary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 24 }),
  // Members that differ at bytes >= 0x80 vs < 0x80: unsigned (Python, ours) vs signed (Java) order.
  fc.constantFrom(Uint8Array.of(0x01), Uint8Array.of(0x80), Uint8Array.of(0xff), Uint8Array.of(0x7f, 0x00), Uint8Array.of(0x00)),
)

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Most significant digits Python 3.3.0 keeps when it normalizes a number (its default decimal context). */
export const PYTHON_SAFE_DIGITS = 28
/** Most significant digits DynamoDB accepts. */
export const DYNAMODB_MAX_DIGITS = 38
/** DynamoDB's range: magnitudes from 1E-130 to 9.99..9E+125 (adjusted exponents -130..125). */
export const MIN_ADJUSTED_EXPONENT = -130
export const MAX_ADJUSTED_EXPONENT = 125

interface NumberParts {
  readonly negative: boolean
  /** Significant digits, first and last non-zero (or a single digit). */
  readonly digits: string
  /** Exponent of the first digit (scientific notation). */
  readonly adjusted: number
}

/**
 * Writes a number in one of the textual forms DynamoDB and both clients accept, keeping the digits written at most
 * 38 (Python parses with precision 38 and traps rounding, so `1` followed by 40 zeros must be written `1E+40`).
 */
function writeNumber(parts: NumberParts, form: number, trailingZeros: number, plusSign: boolean): string {
  const sign = parts.negative ? '-' : plusSign ? '+' : ''
  const { digits, adjusted } = parts
  const zeros = '0'.repeat(Math.min(trailingZeros, DYNAMODB_MAX_DIGITS - digits.length))
  const plainLength = adjusted >= 0 ? Math.max(digits.length, adjusted + 1) : digits.length
  if (form === 0 && plainLength + zeros.length <= DYNAMODB_MAX_DIGITS) {
    if (adjusted >= 0) {
      if (digits.length <= adjusted + 1) return sign + digits + '0'.repeat(adjusted + 1 - digits.length) + (zeros ? '.' + zeros : '')
      return sign + digits.slice(0, adjusted + 1) + '.' + digits.slice(adjusted + 1) + zeros
    }
    return sign + '0.' + '0'.repeat(-adjusted - 1) + digits + zeros
  }
  // Scientific: d.ddd E adjusted (lower or upper e, explicit + or not).
  const mantissa = digits.length > 1 || zeros ? digits[0] + '.' + digits.slice(1) + zeros : digits
  const e = form === 2 ? 'e' : 'E'
  const exponent = adjusted >= 0 ? (form === 3 ? String(adjusted) : '+' + adjusted) : String(adjusted)
  return sign + mantissa + e + exponent
}

function numberWithDigits(minDigits: number, maxDigits: number, minAdjusted = MIN_ADJUSTED_EXPONENT): fc.Arbitrary<string> {
  return fc
    .record({
      negative: fc.boolean(),
      length: fc.integer({ min: minDigits, max: maxDigits }),
      seed: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: maxDigits, maxLength: maxDigits }),
      adjusted: fc.oneof(
        fc.integer({ min: -6, max: 12 }),
        fc.integer({ min: minAdjusted, max: MAX_ADJUSTED_EXPONENT }),
        fc.constantFrom(minAdjusted, MAX_ADJUSTED_EXPONENT),
      ),
      form: fc.integer({ min: 0, max: 3 }),
      trailingZeros: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 1 }),
      plusSign: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
    })
    .map(({ negative, length, seed, adjusted, form, trailingZeros, plusSign }) => {
      const body = seed.slice(0, length)
      // First and last digit non-zero: exactly `length` significant digits.
      body[0] = body[0] === 0 ? 1 : (body[0] as number)
      if (length > 1) body[length - 1] = body[length - 1] === 0 ? 7 : (body[length - 1] as number)
      return writeNumber({ negative, digits: body.join(''), adjusted }, form, trailingZeros, plusSign)
    })
}

/**
 * DynamoDB number text on which Python 3.3.0 and this library agree: 1..28 significant digits, magnitudes across
 * DynamoDB's whole range (1E-130 .. 9.99..E+125), negative and positive, plain and scientific forms, trailing
 * zeros, and zero written several ways (never `-0`).
 */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: numberWithDigits(1, PYTHON_SAFE_DIGITS), weight: 8 },
  { arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '0', '0.0', '0.000', '00', '1', '-1', '0.1', '-0.1', '1E-130', '-1E-130', '1E+125', '-1E+125',
      '9.999999999999999999999999999E+125', '-9.999999999999999999999999999E+125',
      '1.000000000000000000000000001E-130', '1234567890123456789012345678', '-0.1234567890123456789012345678',
    ),
    weight: 2,
  },
)

/**
 * Number text with 29..38 significant digits: DynamoDB and Java keep them exactly; Python 3.3.0 rounds them to 28
 * before signing and when it deserializes a decrypted number (FORMAT.md 1.3, 11). The smallest magnitudes are
 * 1E-128: Python parses with Emin -128 and precision 38, so a last digit below 1E-165 would be rounded (an error).
 */
export const longNumberText: fc.Arbitrary<string> = numberWithDigits(PYTHON_SAFE_DIGITS + 1, DYNAMODB_MAX_DIGITS, -128)

/** `-0` written several ways: Python signs `-0`, Java and this library sign `0` (FORMAT.md 1.3, 11). */
export const negativeZeroText: fc.Arbitrary<string> = fc.constantFrom('-0', '-0.0', '-0.000', '-00')

/**
 * Number text for the Java suite: Java and this library both sign the exact value and any zero as `0`, so besides
 * {@link numberText} it also has 29..38 significant digits ({@link longNumberText}) and `-0` ({@link negativeZeroText}).
 */
export const javaNumberText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: numberText, weight: 6 },
  { arbitrary: longNumberText, weight: 3 },
  { arbitrary: negativeZeroText, weight: 1 },
)

/** Options of {@link attributeValue}. */
export interface AttributeValueOptions {
  readonly maxDepth?: number
  readonly number?: fc.Arbitrary<string>
}

/**
 * Any DynamoDB attribute value: S, N, B, SS, NS, BS, BOOL, NULL, L, M (nested up to `maxDepth`). Sets are non-empty
 * with unique members (NS unique by numeric value) and no empty strings or binaries; `S` and `B` may be empty.
 */
export function attributeValue(options: AttributeValueOptions = {}): fc.Arbitrary<AttributeValue> {
  const number = options.number ?? numberText
  const maxDepth = options.maxDepth ?? 3
  const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
    unicodeString().map((S) => ({ S })),
    number.map((N) => ({ N })),
    binary.map((B) => ({ B })),
    fc.uniqueArray(unicodeString({ minLength: 1 }), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
    fc.uniqueArray(number, { minLength: 1, maxLength: 5, selector: normalizeNumber }).map((NS) => ({ NS })),
    fc.uniqueArray(binary.filter((b) => b.length > 0), { minLength: 1, maxLength: 5, selector: hex }).map((BS) => ({ BS })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true as const }),
  )
  const { value } = fc.letrec<{ value: AttributeValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, depthIdentifier: 'attribute-value' },
      { arbitrary: scalar, weight: 4 },
      { arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })), weight: 1 },
      {
        arbitrary: fc.uniqueArray(fc.tuple(attributeName, tie('value')), { maxLength: 4, selector: ([name]) => name })
          .map((entries) => ({ M: entriesToRecord(entries) })),
        weight: 1,
      },
    ),
  }))
  return value
}

function entriesToRecord<T>(entries: ReadonlyArray<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  // defineProperty: `__proto__` is a legal name.
  for (const [name, value] of entries) Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true })
  return out
}

/**
 * Digits of a number written in plain notation (no exponent), leading zeros excluded: `1E+40` has 41, `0.0012` 2.
 * Python parses number text with precision 38 and traps rounding, so text with more than 38 such digits fails there.
 */
export function plainDigitCount(text: string): number {
  return normalizeNumber(text).replace(/^-?0*\.?0*/, '').replace('.', '').length
}

/**
 * {@link numberText} restricted to values whose plain notation has at most 38 digits. Needed wherever Python parses
 * the normalized (plain) text again with boto3's context: primary key values (sent normalized), and numbers read
 * through Python's `EncryptedTable`, which converts decrypted numbers (plain text) with boto3's TypeDeserializer.
 */
export const plainSafeNumberText: fc.Arbitrary<string> = numberText.filter((n) => plainDigitCount(n) <= DYNAMODB_MAX_DIGITS)

/**
 * A primary key value: non-empty `S`, normalized `N`, or non-empty `B`. `N` keys are written normalized (our Direct
 * KMS provider refuses other key text, since it goes into the KMS context verbatim), so with at most 38 plain digits.
 */
export const keyValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  unicodeString({ minLength: 1 }).map((S) => ({ S })),
  plainSafeNumberText.map((N) => ({ N: normalizeNumber(N) })),
  binary.filter((b) => b.length > 0).map((B) => ({ B })),
)

const ACTIONS = [CryptoAction.DO_NOTHING, CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN] as const

/**
 * A whole test case: an item with a partition key, sometimes a sort key (both SIGN_ONLY), and up to
 * `maxAttributes` other attributes whose actions are mixed: each has an override or falls back to the default.
 */
export function interopCase(options: InteropCaseOptions = {}): fc.Arbitrary<InteropCase> {
  const value = attributeValue({ maxDepth: options.maxDepth ?? 3, ...(options.number ? { number: options.number } : {}) })
  const maxAttributes = options.maxAttributes ?? 8
  return fc
    .record({
      names: fc.uniqueArray(attributeName, { minLength: 2, maxLength: maxAttributes + 2 }),
      hasSortKey: fc.boolean(),
      keys: fc.tuple(keyValue, keyValue),
      values: fc.array(value, { minLength: maxAttributes, maxLength: maxAttributes }),
      actions: fc.array(fc.option(fc.constantFrom(...ACTIONS), { nil: undefined }), { minLength: maxAttributes, maxLength: maxAttributes }),
      defaultAction: fc.constantFrom(...ACTIONS),
    })
    .map(({ names, hasSortKey, keys, values, actions, defaultAction }) => {
      const [partitionKeyName, second, ...rest] = names as [string, string, ...string[]]
      const attributeNames = hasSortKey ? rest : [second, ...rest]
      const entries: Array<[string, AttributeValue]> = [[partitionKeyName, keys[0]]]
      const overrides: Record<string, CryptoAction> = {}
      Object.defineProperty(overrides, partitionKeyName, { value: CryptoAction.SIGN_ONLY, enumerable: true, writable: true, configurable: true })
      if (hasSortKey) {
        entries.push([second, keys[1]])
        Object.defineProperty(overrides, second, { value: CryptoAction.SIGN_ONLY, enumerable: true, writable: true, configurable: true })
      }
      attributeNames.slice(0, maxAttributes).forEach((name, i) => {
        entries.push([name, values[i] as AttributeValue])
        const action = actions[i]
        if (action !== undefined) Object.defineProperty(overrides, name, { value: action, enumerable: true, writable: true, configurable: true })
      })
      return {
        item: entriesToRecord(entries),
        partitionKeyName,
        ...(hasSortKey ? { sortKeyName: second } : {}),
        defaultAction,
        overrides,
      }
    })
}
