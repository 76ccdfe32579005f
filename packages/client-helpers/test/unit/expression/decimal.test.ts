import { addDecimals, compareDecimals, formatDecimal, NumberProblem, numberTextProblem, parseDecimal, subtractDecimals, type Decimal } from '../../../src/expression/decimal'

const d = (text: string): Decimal => {
  const parsed = parseDecimal(text)
  if (parsed === undefined) throw new Error(`not a number: ${text}`)
  return parsed
}

describe('decimal arithmetic', () => {
  it('adds and subtracts exactly at 38 digits, where a JS number would round', () => {
    expect(formatDecimal(addDecimals(d('99999999999999999999999999999999999999'), d('1')))).toBe('100000000000000000000000000000000000000')
    expect(formatDecimal(addDecimals(d('0.1'), d('0.2')))).toBe('0.3')
    expect(formatDecimal(subtractDecimals(d('1.5'), d('1.50')))).toBe('0')
    expect(formatDecimal(subtractDecimals(d('1.5'), d('2')))).toBe('-0.5')
    expect(formatDecimal(addDecimals(d('1E3'), d('1.5')))).toBe('1001.5')
    expect(formatDecimal(addDecimals(d('12345678901234567890.123456789'), d('-0.000000001')))).toBe('12345678901234567890.123456788')
  })

  it('accepts the number forms DynamoDB accepts and nothing else', () => {
    for (const text of ['+1', '.5', '5.', '1e5', '-0.0', '0E-999']) expect(parseDecimal(text)).toBeDefined()
    for (const text of ['', ' 1', 'abc', '.', 'e5', '1e', 'NaN', 'Infinity', '0x10']) expect(parseDecimal(text)).toBeUndefined()
  })

  it('compares by value', () => {
    expect(compareDecimals(d('1.0'), d('1'))).toBe(0)
    expect(compareDecimals(d('-2'), d('1E-130'))).toBe(-1)
    expect(compareDecimals(d('1E+2'), d('99.999'))).toBe(1)
  })

  it('applies DynamoDB storage limits to the exact value: 38 significant digits, 1E-130 to 9.99...E+125', () => {
    expect(numberTextProblem('9.9999999999999999999999999999999999999E+125')).toBeUndefined()
    expect(numberTextProblem('1E-130')).toBeUndefined()
    expect(numberTextProblem('-1E-130')).toBeUndefined()
    expect(numberTextProblem('1.' + '0'.repeat(39))).toBeUndefined() // trailing zeros are not significant
    expect(numberTextProblem('123456789012345678901234567890123456789')).toBe(NumberProblem.Precision)
    expect(numberTextProblem('1E126')).toBe(NumberProblem.Overflow)
    expect(numberTextProblem('1E-131')).toBe(NumberProblem.Underflow)
    expect(numberTextProblem('abc')).toBe(NumberProblem.NotANumber)
    // Precision is checked before magnitude, as DynamoDB does.
    expect(numberTextProblem('1.99999999999999999999999999999999999998E+126')).toBe(NumberProblem.Precision)
  })
})
