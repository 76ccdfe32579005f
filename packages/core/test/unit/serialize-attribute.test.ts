import { deepFreeze } from '@ddb-encryption/testing'
import fc from 'fast-check'
import type { AttributeValue } from '../../src/attribute-value'
import { DeserializationError, InvalidArgumentError, SerializationError } from '../../src/errors'
import { deserializeAttribute, serializeAttribute, withSerializedAttribute } from '../../src/serialize/attribute'
import { normalizeNumber } from '../../src/serialize/number'
import type { SerializeOptions } from '../../src/serialize/serialize-options'
import { thrown } from '../support/helpers'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const utf8Hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex')



describe('serializeAttribute: FORMAT.md 1.2 worked examples', () => {
  test.each<[string, AttributeValue, string]>([
    ['NULL', { NULL: true }, '0000'],
    ['BOOL true', { BOOL: true }, '003f01'],
    ['BOOL false', { BOOL: false }, '003f00'],
    ['N 55.00', { N: '55.00' }, '006e 00000002 3535'],
    ['N 55', { N: '55' }, '006e 00000002 3535'],
    ['S', { S: 'test ascii string' }, '0073 00000011 7465737420617363696920737472696e67'],
    ['B', { B: fromHex('00010203') }, '0062 00000004 00010203'],
    ['NS', { NS: ['55.2', '34', '35.0', '1.230'] }, '004e 00000004 00000004 312e3233 00000002 3334 00000002 3335 00000004 35352e32'],
    ['SS', { SS: ['test ascii string', 'another ascii string'] },
      `0053 00000002 00000014 ${utf8Hex('another ascii string')} 00000011 ${utf8Hex('test ascii string')}`],
    ['L', { L: [{ S: 'a' }, { NULL: true }] }, '004c 00000002 0073 00000001 61 0000'],
    ['M', { M: { b: { NULL: true }, a: { BOOL: true } } }, '004d 00000002 0073 00000001 61 003f01 0073 00000001 62 0000'],
    ['empty SS', { SS: [] }, '0053 00000000'],
    ['empty S', { S: '' }, '0073 00000000'],
    ['empty L', { L: [] }, '004c 00000000'],
    ['empty M', { M: {} }, '004d 00000000'],
    ['empty B', { B: new Uint8Array(0) }, '0062 00000000'],
  ])('%s', (_name, value, expected) => {
    expect(hex(serializeAttribute(value))).toBe(expected.replace(/\s+/g, ''))
  })

  it('writes UTF-8 byte lengths, not character counts', () => {
    const text = 'é\u{1F600}€'
    expect(hex(serializeAttribute({ S: text }))).toBe(`0073 00000009 ${utf8Hex(text)}`.replace(/\s+/g, ''))
  })

  it('writes long strings (the native UTF-8 path) the same as Buffer does', () => {
    const text = 'ü\u{10348}x'.repeat(50)
    const bytes = Buffer.from(text, 'utf8')
    expect(hex(serializeAttribute({ S: text }))).toBe('0073' + bytes.length.toString(16).padStart(8, '0') + bytes.toString('hex'))
  })

  it('returns a Uint8Array that owns exactly its bytes', () => {
    const bytes = serializeAttribute({ S: 'x' })
    expect(bytes.constructor).toBe(Uint8Array)
    expect(bytes.byteOffset).toBe(0)
    expect(bytes.buffer.byteLength).toBe(bytes.length)
  })

  it('returns independent results from consecutive calls (the internal writer is reused)', () => {
    const first = serializeAttribute({ S: 'first value' })
    const firstHex = hex(first)
    const second = serializeAttribute({ S: 'other' })
    expect(hex(first)).toBe(firstHex)
    expect(first.buffer).not.toBe(second.buffer)
  })

  it('is correct when a value getter serializes another value mid-way', () => {
    const inner: AttributeValue = { S: 'inner' }
    let nested: Uint8Array | undefined
    const tricky = {
      get S(): string {
        nested = serializeAttribute(inner)
        return 'outer'
      },
    } as unknown as AttributeValue
    const bytes = serializeAttribute({ L: [{ N: '1' }, tricky, { BOOL: true }] })
    expect(deserializeAttribute(bytes)).toEqual({ L: [{ N: '1' }, { S: 'outer' }, { BOOL: true }] })
    expect(hex(nested as Uint8Array)).toBe(hex(serializeAttribute(inner)))
  })

  it('wipes the temporary bytes handed to internal callers', () => {
    let view: Uint8Array | undefined
    const digest = withSerializedAttribute({ S: 'plaintext' }, 0, undefined, (bytes) => {
      view = bytes
      return hex(bytes)
    })
    expect(digest).toBe(hex(serializeAttribute({ S: 'plaintext' })))
    expect(Array.from(view as Uint8Array).every((b) => b === 0)).toBe(true)
  })

  it('grows its buffer for large values', () => {
    const big = new Uint8Array(100_000).fill(7)
    const bytes = serializeAttribute({ L: [{ B: big }, { S: 'z'.repeat(5000) }] })
    expect(bytes.length).toBe(6 + 6 + big.length + 6 + 5000)
    expect(deserializeAttribute(bytes)).toEqual({ L: [{ B: big }, { S: 'z'.repeat(5000) }] })
  })

  it('sorts map keys of nested maps and normalizes nested numbers', () => {
    const a = serializeAttribute({ M: { z: { M: { y: { N: '1.0' }, x: { NS: ['2', '1E0'] } } }, a: { L: [{ N: '-0.0' }] } } })
    const b = serializeAttribute({ M: { a: { L: [{ N: '0' }] }, z: { M: { x: { NS: ['1', '2.00'] }, y: { N: '1' } } } } })
    expect(hex(a)).toBe(hex(b))
  })

  it('ignores type keys whose value is undefined', () => {
    expect(hex(serializeAttribute({ S: 'a', N: undefined } as unknown as AttributeValue))).toBe(hex(serializeAttribute({ S: 'a' })))
  })

  it('does not mutate its input (deep-frozen value, set order kept)', () => {
    const value = deepFreeze({ M: { b: { SS: ['z', 'a'] }, a: { BS: [fromHex('02'), fromHex('01')] }, c: { NS: ['10', '2'] } } })
    expect(() => serializeAttribute(value)).not.toThrow()
    expect(value.M.b.SS).toEqual(['z', 'a'])
    expect(value.M.c.NS).toEqual(['10', '2'])
  })
})

describe('serializeAttribute: Python vs Java order (FORMAT.md 1.4)', () => {
  const java: SerializeOptions = { ordering: 'utf16' }

  it('sorts BS by unsigned bytes by default and by signed bytes with ordering utf16', () => {
    const value: AttributeValue = { BS: [fromHex('80'), fromHex('01')] }
    expect(hex(serializeAttribute(value))).toBe('0042 00000002 00000001 01 00000001 80'.replace(/\s+/g, ''))
    expect(hex(serializeAttribute(value, java))).toBe('0042 00000002 00000001 80 00000001 01'.replace(/\s+/g, ''))
    expect(hex(serializeAttribute({ BS: [fromHex('01'), fromHex('80')] }, java))).toBe(hex(serializeAttribute(value, java)))
  })

  it('sorts a prefix before the longer value in both orders', () => {
    const value: AttributeValue = { BS: [fromHex('0102'), fromHex('01')] }
    const expected = '0042 00000002 00000001 01 00000002 0102'.replace(/\s+/g, '')
    expect(hex(serializeAttribute(value))).toBe(expected)
    expect(hex(serializeAttribute(value, java))).toBe(expected)
  })

  const fullwidth = '\uFF01'
  const emoji = '\u{1F600}'
  const lv = (text: string): string => Buffer.from(text).length.toString(16).padStart(8, '0') + utf8Hex(text)

  it('sorts SS members by code point by default and by UTF-16 code unit with ordering utf16', () => {
    const value: AttributeValue = { SS: [emoji, fullwidth] }
    expect(hex(serializeAttribute(value))).toBe(`0053 00000002 ${lv(fullwidth)} ${lv(emoji)}`.replace(/\s+/g, ''))
    expect(hex(serializeAttribute(value, java))).toBe(`0053 00000002 ${lv(emoji)} ${lv(fullwidth)}`.replace(/\s+/g, ''))
  })

  it('sorts map keys by code point by default and by UTF-16 code unit with ordering utf16', () => {
    const value: AttributeValue = { M: { [emoji]: { NULL: true }, [fullwidth]: { BOOL: true } } }
    expect(hex(serializeAttribute(value))).toBe(`004d 00000002 0073 ${lv(fullwidth)} 003f01 0073 ${lv(emoji)} 0000`.replace(/\s+/g, ''))
    expect(hex(serializeAttribute(value, java))).toBe(`004d 00000002 0073 ${lv(emoji)} 0000 0073 ${lv(fullwidth)} 003f01`.replace(/\s+/g, ''))
  })

  it('code-point order equals UTF-8 byte order for arbitrary strings', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 8 }), (members) => {
      const expected = [...members].map((m) => Buffer.from(m, 'utf8')).sort(Buffer.compare)
      const value = deserializeAttribute(serializeAttribute({ SS: members })) as { SS: string[] }
      expect(value.SS.map((m) => Buffer.from(m, 'utf8').toString('hex'))).toEqual(expected.map((b) => b.toString('hex')))
    }))
  })

  it('utf16 order equals JavaScript string comparison for arbitrary strings', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 8 }), (members) => {
      const value = deserializeAttribute(serializeAttribute({ SS: members }, java)) as { SS: string[] }
      expect(value.SS).toEqual([...members].sort())
    }))
  })

  it('normalizes numbers with the Python rule when asked (-0 kept, 28 digits)', () => {
    expect(hex(serializeAttribute({ N: '-0.00' }))).toBe('006e0000000130')
    expect(hex(serializeAttribute({ N: '-0.00' }, { numbers: 'python' }))).toBe('006e000000022d30')
    const long = '12345678901234567890123456789012345678'
    const rounded = '12345678901234567890123456790000000000'
    expect(hex(serializeAttribute({ NS: [long] }, { numbers: 'python' }))).toBe(hex(serializeAttribute({ NS: [rounded] })))
    expect(() => serializeAttribute({ N: '1' + '0'.repeat(40) }, { numbers: 'python' })).toThrow(SerializationError)
    expect(hex(serializeAttribute({ N: '1' + '0'.repeat(40) }))).toBe('006e00000029' + utf8Hex('1' + '0'.repeat(40)))
  })

  it('refuses unknown option values', () => {
    expect(() => serializeAttribute({ S: 'a' }, { ordering: 'bytes' as 'utf16' })).toThrow(InvalidArgumentError)
    expect(() => serializeAttribute({ S: 'a' }, { numbers: 'float' as 'exact' })).toThrow(InvalidArgumentError)
  })
})

describe('serializeAttribute: invalid values', () => {
  const secret = 'secret-value-4711'
  test.each<[string, unknown, RegExp]>([
    ['no type key', {}, /exactly one type key.*found 0/],
    ['two type keys', { S: secret, N: '1' }, /exactly one type key.*found 2/],
    ['unknown type key', { X: secret }, /unsupported type key "X"/],
    ['NULL false', { NULL: false }, /NULL must be true/],
    ['S not a string', { S: 5 }, /S must be a string/],
    ['N not a string', { N: 5 }, /N must be number text/],
    ['N invalid text', { N: secret }, /Invalid number/],
    ['B not bytes', { B: secret }, /B must be a Uint8Array/],
    ['SS not an array', { SS: secret }, /SS must be an array/],
    ['SS member not a string', { SS: [secret, 1] }, /SS member must be a string/],
    ['NS member invalid', { NS: ['1', secret] }, /NS member.*Invalid number/],
    ['BS member not bytes', { BS: [new Uint8Array(1), secret] }, /BS members must be Uint8Array/],
    ['BOOL not boolean', { BOOL: 'true' }, /BOOL must be true or false/],
    ['L not an array', { L: { S: secret } }, /L must be an array/],
    ['M not an object', { M: [secret] }, /M must be an object/],
    ['not an object', secret, /not an AttributeValue object/],
    ['null', null, /not an AttributeValue object/],
    ['lone surrogate in S', { S: `${secret}\uD800` }, /lone UTF-16 surrogate/],
    ['lone surrogate in a map key', { M: { ['\uDC00']: { S: secret } } }, /lone UTF-16 surrogate/],
  ])('%s -> SerializationError without the value', (_name, value, message) => {
    const error = thrown(() => serializeAttribute(value as AttributeValue))
    expect(error).toBeInstanceOf(SerializationError)
    expect((error as SerializationError).code).toBe('ERR_SERIALIZATION')
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain(secret)
  })

  it('names the position of a bad nested value', () => {
    const value = { M: { outer: { L: [{ S: 'ok' }, { M: { inner: { NULL: false } } }] } } }
    const error = thrown(() => serializeAttribute(value as unknown as AttributeValue))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.message).toBe('Cannot serialize attribute value at ["outer"][1]["inner"]: NULL must be true')
    // A later successful call starts with a clean path.
    expect(() => serializeAttribute({ L: [{ NULL: true }] })).not.toThrow()
    expect(thrown(() => serializeAttribute({ L: [{ BOOL: 1 }] } as unknown as AttributeValue)).message)
      .toBe('Cannot serialize attribute value at [0]: BOOL must be true or false')
  })

  it('refuses a missing map value', () => {
    expect(thrown(() => serializeAttribute({ M: { a: undefined } } as unknown as AttributeValue)).message).toMatch(/\["a"\]/)
  })

  it('serializes deep nesting and refuses more than 1000 levels', () => {
    let deep: AttributeValue = { NULL: true }
    for (let i = 0; i < 1000; i++) deep = i % 2 === 0 ? { L: [deep] } : { M: { k: deep } }
    expect(deserializeAttribute(serializeAttribute(deep))).toEqual(deep)
    expect(() => serializeAttribute({ L: [deep] })).toThrow(/nested deeper than 1000 levels/)
  })
})

describe('deserializeAttribute: malformed input', () => {
  const valid = serializeAttribute({ M: { key: { L: [{ SS: ['a', 'bc'] }, { N: '12.5' }, { B: fromHex('00ff') }, { BOOL: true }, { NS: ['1'] }, { BS: [fromHex('01')] }] } } })

  test.each<[string, string, RegExp]>([
    ['empty input', '', /Empty serialized attribute data/],
    ['non-zero reserved byte', '0173 00000000', /reserved first byte is not 0x00/],
    ['unknown tag', '0078 00000000', /Unsupported tag at byte 0: 0x78/],
    ['only one byte', '00', /ends early/],
    ['truncated length', '0073 0000', /ends early/],
    ['truncated value', '0073 00000005 6162', /ends early/],
    ['truncated BOOL', '003f', /ends early/],
    ['set count larger than the data', '0053 ffffffff 00000000', /ends early/],
    ['list count larger than the data', '004c 00000002 0000', /ends early/],
    ['map key not S', '004d 00000001 006e 00000001 31 0000', /Malformed serialized map: the key at byte 6 is not a string/],
    ['map key with a bad reserved byte', '004d 00000001 0173 00000001 31 0000', /not a string/],
    ['BOOL byte 02', '003f02', /BOOL byte at 2 is neither 00 nor 01/],
    ['invalid UTF-8 in S', '0073 00000002 c328', /not valid UTF-8/],
    ['encoded surrogate in SS', '0053 00000001 00000003 eda080', /not valid UTF-8/],
    ['overlong UTF-8 in a map key', '004d 00000001 0073 00000002 c0af 0000', /not valid UTF-8/],
    ['trailing bytes', '0000 00', /1 unexpected bytes after the value/],
    ['trailing bytes after a full value', '003f01 0000', /2 unexpected bytes after the value/],
  ])('%s -> DeserializationError', (_name, data, message) => {
    const error = thrown(() => deserializeAttribute(fromHex(data)))
    expect(error).toBeInstanceOf(DeserializationError)
    expect((error as DeserializationError).code).toBe('ERR_DESERIALIZATION')
    expect(error.message).toMatch(message)
  })

  it('refuses every proper prefix of a valid serialization', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(() => deserializeAttribute(valid.subarray(0, length))).toThrow(DeserializationError)
    }
    expect(() => deserializeAttribute(valid)).not.toThrow()
  })

  it('refuses a non-Uint8Array', () => {
    expect(() => deserializeAttribute('0000' as unknown as Uint8Array)).toThrow(DeserializationError)
  })

  it('refuses nesting deeper than 1000 levels', () => {
    const level = fromHex('004c00000001')
    const data = new Uint8Array(level.length * 1001 + 2)
    for (let i = 0; i < 1001; i++) data.set(level, i * level.length)
    expect(() => deserializeAttribute(data)).toThrow(/nested deeper than 1000 levels/)
  })

  it('returns N text and set order as stored, and copies binary values', () => {
    const data = fromHex('004e 00000002 00000002 3130 00000004 312e3530')
    expect(deserializeAttribute(data)).toEqual({ NS: ['10', '1.50'] })
    const bytes = fromHex('0062 00000002 0102')
    const value = deserializeAttribute(bytes) as { B: Uint8Array }
    bytes[6] = 9
    expect(Array.from(value.B)).toEqual([1, 2])
    expect(value.B.buffer).not.toBe(bytes.buffer)
  })

  it('keeps a "__proto__" map key as a plain key', () => {
    const value: AttributeValue = { M: JSON.parse('{"__proto__": {"S": "x"}, "a": {"NULL": true}}') as Record<string, AttributeValue> }
    const back = deserializeAttribute(serializeAttribute(value)) as { M: Record<string, AttributeValue> }
    expect(Object.getPrototypeOf(back.M)).toBe(Object.prototype)
    expect(Object.keys(back.M)).toEqual(['__proto__', 'a'])
    expect(Object.getOwnPropertyDescriptor(back.M, '__proto__')?.value).toEqual({ S: 'x' })
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Round trips on arbitrary values

const numberText = fc.tuple(
  fc.constantFrom('', '-', '+'), fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 10 }),
  fc.option(fc.integer({ min: -120, max: 120 }), { nil: undefined }),
).map(([sign, digits, scale, exponent]) => {
  const text = digits.toString().padStart(scale + 1, '0')
  const plain = scale === 0 ? text : `${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`
  return `${sign}${plain}${exponent === undefined ? '' : `e${exponent}`}`
})
const text = fc.string({ unit: 'binary', maxLength: 12 })
const bytes = fc.uint8Array({ maxLength: 16 })

const { attribute } = fc.letrec<{ attribute: AttributeValue }>((tie) => ({
  attribute: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((S) => ({ S })),
    numberText.map((N) => ({ N })),
    bytes.map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true as const }),
    fc.uniqueArray(text, { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
    fc.array(numberText, { minLength: 1, maxLength: 5 }).map((NS) => ({ NS })),
    fc.array(bytes, { minLength: 1, maxLength: 5 }).map((BS) => ({ BS })),
    fc.array(tie('attribute'), { maxLength: 4 }).map((L) => ({ L })),
    fc.dictionary(text, tie('attribute'), { maxKeys: 4 }).map((M) => ({ M })),
  ),
}))

/** What deserialize(serialize(x)) must give: numbers normalized, sets in serialization order. */
function canonical(value: AttributeValue): AttributeValue {
  if ('N' in value) return { N: normalizeNumber(value.N) }
  if ('NS' in value) return { NS: value.NS.map(normalizeNumber).sort() }
  if ('SS' in value) return { SS: [...value.SS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) }
  if ('BS' in value) return { BS: [...value.BS].sort((a, b) => Buffer.compare(a, b)) }
  if ('L' in value) return { L: value.L.map(canonical) }
  if ('M' in value) {
    const out: Record<string, AttributeValue> = {}
    for (const [k, v] of Object.entries(value.M)) Object.defineProperty(out, k, { value: canonical(v), enumerable: true, writable: true, configurable: true })
    return { M: out }
  }
  return value
}

describe('serializeAttribute / deserializeAttribute round trips', () => {
  it('deserialize(serialize(x)) equals x up to set order and number normalization', () => {
    fc.assert(fc.property(attribute, (value) => {
      expect(deserializeAttribute(serializeAttribute(value))).toEqual(canonical(value))
    }), { numRuns: 300 })
  })

  it('serialization is canonical: re-serializing the result gives the same bytes, in both orders', () => {
    fc.assert(fc.property(attribute, (value) => {
      const first = serializeAttribute(value)
      expect(hex(serializeAttribute(deserializeAttribute(first)))).toBe(hex(first))
      const java = serializeAttribute(value, { ordering: 'utf16' })
      expect(hex(serializeAttribute(deserializeAttribute(java), { ordering: 'utf16' }))).toBe(hex(java))
      expect(java.length).toBe(first.length)
    }), { numRuns: 300 })
  })

  it('does not depend on the input order of sets and map keys', () => {
    fc.assert(fc.property(attribute, (value) => {
      const reversed = (v: AttributeValue): AttributeValue => {
        if ('SS' in v) return { SS: [...v.SS].reverse() }
        if ('NS' in v) return { NS: [...v.NS].reverse() }
        if ('BS' in v) return { BS: [...v.BS].reverse() }
        if ('L' in v) return { L: v.L.map(reversed) }
        if ('M' in v) {
          const out: Record<string, AttributeValue> = {}
          for (const [k, inner] of Object.entries(v.M).reverse()) Object.defineProperty(out, k, { value: reversed(inner), enumerable: true, writable: true, configurable: true })
          return { M: out }
        }
        return v
      }
      expect(hex(serializeAttribute(reversed(value)))).toBe(hex(serializeAttribute(value)))
    }), { numRuns: 200 })
  })
})
