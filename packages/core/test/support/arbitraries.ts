import fc from 'fast-check'
import { AttributeActions, CryptoAction, normalizeNumber, ReservedAttribute, type AttributeValue, type Item } from '../../src/index'

/** Edge numbers of DynamoDB's range and precision (38 significant digits, 1E-130 .. 9.99…E+125). */
export const EDGE_NUMBERS = [
  '0', '0.000', '-0', '1', '-1', '1E-130', '-1E-130', '1e-130',
  '9.9999999999999999999999999999999999999E+125', '-9.9999999999999999999999999999999999999E+125',
  '12345678901234567890123456789012345678', '-0.00000000000000000000000000000000000001',
  '9007199254740993', '123456789012345678901234567890', '55.00', '5.5E1', '+55', '0055', '100.0', '1E+2',
] as const

function plain(negative: boolean, digits: string, adjusted: number): string {
  // value = d1.d2d3… × 10^adjusted
  let text: string
  if (adjusted < 0) text = '0.' + '0'.repeat(-adjusted - 1) + digits
  else if (adjusted + 1 >= digits.length) text = digits + '0'.repeat(adjusted + 1 - digits.length)
  else text = digits.slice(0, adjusted + 1) + '.' + digits.slice(adjusted + 1)
  return (negative ? '-' : '') + text
}

/** Number text in DynamoDB's range, written in the many ways DynamoDB accepts (plain, exponent, padding zeros). */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        negative: fc.boolean(),
        first: fc.integer({ min: 1, max: 9 }),
        rest: fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), maxLength: 37 }),
        adjusted: fc.integer({ min: -130, max: 125 }),
        style: fc.constantFrom('plain', 'E', 'e+', 'padded'),
        pad: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ negative, first, rest, adjusted, style, pad }) => {
        const digits = String(first) + rest
        const sign = negative ? '-' : ''
        const fraction = rest + '0'.repeat(pad)
        switch (style) {
          case 'plain': return plain(negative, digits, adjusted)
          case 'E': return `${sign}${first}${fraction ? '.' + fraction : ''}E${adjusted}`
          case 'e+': return `${sign}${first}${fraction ? '.' + fraction : ''}e${adjusted >= 0 ? '+' : ''}${adjusted}`
          default: return `${sign}${'0'.repeat(pad)}${plain(false, digits, adjusted)}${adjusted < digits.length - 1 ? '0'.repeat(pad) : ''}`
        }
      }),
  },
)

/** Strings: any code point (non-BMP included), empty, and the pairs where UTF-16 and code-point order differ. */
export const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', '\uFF01', '\u{1F600}', '\u{1F600}\uFF01', '\uFF01\u{1F600}', 'ü', '__proto__', 'constructor'),
)

export const bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(new Uint8Array(0), Uint8Array.of(0x01), Uint8Array.of(0x80), Uint8Array.of(0xff, 0x00)),
)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Scalars and sets (sets non-empty and without duplicates, as DynamoDB requires). */
export const scalarValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  text.map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  bytes.map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true as const }),
  fc.uniqueArray(text, { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
  fc.uniqueArray(numberText, { minLength: 1, maxLength: 5, selector: normalizeNumber }).map((NS) => ({ NS })),
  fc.uniqueArray(bytes, { minLength: 1, maxLength: 5, selector: hex }).map((BS) => ({ BS })),
)

/** Any attribute value: scalars, sets, and lists/maps nested a few levels deep. */
export const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue; list: AttributeValue; map: AttributeValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarValue, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })),
  map: fc.dictionary(text, tie('value'), { maxKeys: 4, noNullPrototype: true }).map((M) => ({ M })),
})).value

/** Attribute names: non-empty, any code point, never a reserved name. */
export const attributeName: fc.Arbitrary<string> = text.filter(
  (name) => name.length > 0 && name !== ReservedAttribute.Signature && name !== ReservedAttribute.MaterialDescription,
)

export const cryptoAction: fc.Arbitrary<CryptoAction> = fc.constantFrom(CryptoAction.DO_NOTHING, CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN)

/** Name of the partition key in generated items; it is always SIGN_ONLY. */
export const PARTITION_KEY = 'pk'

/** Builds a plain item object, defining `__proto__` as a real attribute. */
export function makeItem(entries: ReadonlyArray<readonly [string, AttributeValue]>): Item {
  const item: Record<string, AttributeValue> = {}
  for (const [name, value] of entries) {
    Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return item
}

/** A random item (with a SIGN_ONLY string partition key `pk`) and random actions for it. */
export const itemWithActions: fc.Arbitrary<{ item: Item; actions: AttributeActions }> = fc
  .record({
    pk: text,
    attributes: fc.uniqueArray(fc.tuple(attributeName, attributeValue, fc.option(cryptoAction, { nil: undefined })), {
      maxLength: 8,
      selector: ([name]) => name,
    }),
    defaultAction: cryptoAction,
  })
  .map(({ pk, attributes, defaultAction }) => {
    const rest = attributes.filter(([name]) => name !== PARTITION_KEY)
    const item = makeItem([[PARTITION_KEY, { S: pk }], ...rest.map(([name, value]) => [name, value] as const)])
    const overrides: Record<string, CryptoAction> = { [PARTITION_KEY]: CryptoAction.SIGN_ONLY }
    for (const [name, , action] of rest) {
      if (action !== undefined) Object.defineProperty(overrides, name, { value: action, enumerable: true, writable: true, configurable: true })
    }
    return { item, actions: new AttributeActions({ defaultAction, attributeActions: overrides }) }
  })

/**
 * A canonical form for comparing values that went through serialization: numbers normalized, set members sorted
 * (serialization sorts them; DynamoDB sets are unordered).
 */
export function canonical(value: AttributeValue): unknown {
  if ('N' in value) return { N: normalizeNumber(value.N) }
  if ('NS' in value) return { NS: value.NS.map(normalizeNumber).sort() }
  if ('SS' in value) return { SS: [...value.SS].sort() }
  if ('BS' in value) return { BS: value.BS.map(hex).sort() }
  if ('B' in value) return { B: hex(value.B) }
  if ('L' in value) return { L: value.L.map(canonical) }
  if ('M' in value) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value.M).sort()) {
      Object.defineProperty(out, key, { value: canonical(value.M[key] as AttributeValue), enumerable: true, writable: true, configurable: true })
    }
    return { M: out }
  }
  return value
}
