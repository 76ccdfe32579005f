import type { AttributeValue } from '@ddb-encryption/core'
import { ExpressionValidationError } from '../../../src/expression'
import { beginsWith, compareNumberTexts, compareScalars, compareStrings, containsValue, setHasDuplicates, sizeOf, typeOf, valuesEqual } from '../../../src/expression/attribute-values'

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b)

describe('attribute value semantics', () => {
  it('answers a value of no known type or a number that is not one with DynamoDB\'s ValidationException, not a TypeError', () => {
    expect(() => typeOf({ FOO: 'x' } as unknown as AttributeValue)).toThrow(ExpressionValidationError)
    expect(() => typeOf({} as AttributeValue)).toThrow('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes')
    expect(() => compareNumberTexts('1', 'abc')).toThrow(ExpressionValidationError)
    expect(() => compareNumberTexts('abc', '1')).toThrow('A value provided cannot be converted into a number')
    expect(compareNumberTexts('1e1', '10')).toBe(0)
  })

  it('orders strings by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FFFF is one UTF-16 unit above the surrogate of U+1F600, but below it in UTF-8.
    expect(compareStrings('\uffff', '😀')).toBe(-1)
    expect('\uffff' < '😀').toBe(false)
    expect(compareStrings('a', 'ab')).toBe(-1)
  })

  it('orders binary as unsigned bytes and only compares like with like', () => {
    expect(compareScalars({ B: bytes(0x80) }, { B: bytes(0x7f) })).toBe(1)
    expect(compareScalars({ N: '10' }, { N: '9' })).toBe(1)
    expect(compareScalars({ N: '1' }, { S: '1' })).toBeUndefined()
    expect(compareScalars({ BOOL: true }, { BOOL: false })).toBeUndefined()
  })

  it('compares numbers by value and sets regardless of order, also inside lists and maps', () => {
    expect(valuesEqual({ N: '1.0' }, { N: '1' })).toBe(true)
    expect(valuesEqual({ NS: ['1', '2'] }, { NS: ['2.0', '1'] })).toBe(true)
    expect(valuesEqual({ SS: ['a'] }, { SS: ['a', 'b'] })).toBe(false)
    expect(valuesEqual({ L: [{ N: '1' }, { M: { x: { N: '2' } } }] }, { L: [{ N: '1.0' }, { M: { x: { N: '2E0' } } }] })).toBe(true)
    expect(valuesEqual({ L: [{ N: '1' }, { N: '2' }] }, { L: [{ N: '2' }, { N: '1' }] })).toBe(false)
    expect(valuesEqual({ N: '1' }, { S: '1' })).toBe(false)
  })

  it('contains: substring, binary subsequence, set element, list element; nothing else', () => {
    expect(containsValue({ S: 'abc' }, { S: 'bc' })).toBe(true)
    expect(containsValue({ S: 'abc' }, { S: '' })).toBe(true)
    expect(containsValue({ B: bytes(1, 2, 3) }, { B: bytes(2, 3) })).toBe(true)
    expect(containsValue({ NS: ['1.0', '2'] }, { N: '1' })).toBe(true)
    expect(containsValue({ NS: ['1'] }, { NS: ['1'] })).toBe(false)
    expect(containsValue({ L: [{ M: { x: { N: '2' } } }] }, { M: { x: { N: '2.0' } } })).toBe(true)
    expect(containsValue({ N: '123' }, { S: '2' })).toBe(false)
  })

  it('begins_with works on strings and binary only', () => {
    expect(beginsWith({ S: 'abc' }, { S: 'ab' })).toBe(true)
    expect(beginsWith({ B: bytes(1, 2) }, { B: bytes(1) })).toBe(true)
    expect(beginsWith({ SS: ['abc'] }, { S: 'a' })).toBe(false)
  })

  it('size counts UTF-16 code units of a string (as DynamoDB Local does), bytes, elements; no size otherwise', () => {
    expect(sizeOf({ S: 'é😀' })).toBe(3)
    expect(sizeOf({ B: bytes(1, 2) })).toBe(2)
    expect(sizeOf({ M: { a: { N: '1' }, b: { N: '2' } } })).toBe(2)
    expect(sizeOf({ N: '12' })).toBeUndefined()
    expect(sizeOf({ BOOL: true })).toBeUndefined()
  })

  it('finds duplicate set elements by value', () => {
    expect(setHasDuplicates('NS', ['20', '2E1'])).toBe(true)
    expect(setHasDuplicates('BS', [bytes(1), bytes(1)])).toBe(true)
    expect(setHasDuplicates('SS', ['a', 'A'])).toBe(false)
  })
})
