import fc from 'fast-check'
import { SerializationError } from '../../src/errors'
import { normalizeNumber, normalizeNumberPython } from '../../src/serialize/number'

describe('normalizeNumber (FORMAT.md 1.3, Java rule)', () => {
  // Every row of the FORMAT.md 1.3 table.
  test.each([
    ['55', '55'], ['55.00', '55'], ['+55', '55'], ['5.5E1', '55'], ['0055', '55'],
    ['55.34000', '55.34'],
    ['1E+2', '100'], ['1e2', '100'], ['100.0', '100'],
    ['0.0001000', '0.0001'],
    ['-34.20', '-34.2'],
    ['1E-130', '0.' + '0'.repeat(129) + '1'],
    ['0', '0'], ['0.000', '0'], ['-0', '0'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected)
  })

  test.each([
    ['0E+5', '0'], ['-0.00', '0'], ['.5', '0.5'], ['5.', '5'], ['-.5e1', '-5'], ['1.5E-1', '0.15'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['1234567890123456789012345678901234567890.5', '1234567890123456789012345678901234567890.5'],
    ['9.99E+126', '999' + '0'.repeat(124)], ['123.456e-2', '1.23456'], ['1E+000', '1'],
  ])('keeps every digit exactly: %s -> %s', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected)
  })

  test.each(['', ' 5', '5 ', 'NaN', 'Infinity', '-Infinity', 'abc', '1e', 'e5', '.', '-', '+', '1.2.3', '1e5.5', '0x10', '1_000', '١٢'])(
    'refuses invalid text %j with a SerializationError that does not echo it',
    (input) => {
      let thrown: unknown
      try { normalizeNumber(input) } catch (error) { thrown = error }
      expect(thrown).toBeInstanceOf(SerializationError)
      expect((thrown as SerializationError).code).toBe('ERR_SERIALIZATION')
      expect((thrown as Error).message).toMatch(/Invalid number/)
      if (input.trim().length > 1) expect((thrown as Error).message).not.toContain(input)
    },
  )

  it('refuses a non-string', () => {
    expect(() => normalizeNumber(55 as unknown as string)).toThrow(SerializationError)
  })

  it('refuses absurd exponents instead of printing gigabytes', () => {
    expect(() => normalizeNumber('1E999999999')).toThrow(/out of range/)
    expect(() => normalizeNumber('1E9999999999999')).toThrow(/out of range/)
    expect(() => normalizeNumber('1E-20000')).toThrow(/out of range/)
  })

  it('depends only on the numeric value (any rendering of c × 10^e gives the same text)', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }), fc.integer({ min: -140, max: 140 }),
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 }),
      (coefficient, exponent, extraZeros, pointShift) => {
        const sign = coefficient < 0n ? '-' : ''
        const digits = (coefficient < 0n ? -coefficient : coefficient).toString()
        const scientific = `${sign}${digits}E${exponent}`
        // The same value with padding zeros and the point moved left by pointShift places.
        const padded = '0'.repeat(pointShift + 1) + digits + '0'.repeat(extraZeros)
        const point = padded.length - extraZeros - pointShift
        const moved = `${sign}${padded.slice(0, point)}.${padded.slice(point)}e${exponent + pointShift}`
        expect(normalizeNumber(moved)).toBe(normalizeNumber(scientific))
      },
    ))
  })

  it('prints plain text whose value is the input (checked with BigInt arithmetic)', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: -60, max: 60 }),
      (coefficient, exponent) => {
        const out = normalizeNumber(`${coefficient}e${exponent}`)
        expect(out).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/)
        if (coefficient === 0n) {
          expect(out).toBe('0')
          return
        }
        const [whole = '', fraction = ''] = out.replace('-', '').split('.')
        const scaled = BigInt(whole + fraction) * (out.startsWith('-') ? -1n : 1n)
        // out = scaled × 10^-fraction.length must equal coefficient × 10^exponent.
        const shift = exponent + fraction.length
        if (shift >= 0) expect(scaled).toBe(coefficient * 10n ** BigInt(shift))
        else expect(scaled * 10n ** BigInt(-shift)).toBe(coefficient)
      },
    ))
  })
})

describe('normalizeNumberPython (FORMAT.md 1.3, Python 3.3.0 rule)', () => {
  test.each([
    ['55.00', '55'], ['5.5E1', '55'], ['0.0001000', '0.0001'], ['-34.20', '-34.2'], ['1E+2', '100'],
    ['1E-130', '0.' + '0'.repeat(129) + '1'], ['0', '0'], ['0.000', '0'],
  ])('agrees with the Java rule up to 28 digits: %s -> %s', (input, expected) => {
    expect(normalizeNumberPython(input)).toBe(expected)
    expect(normalizeNumber(input)).toBe(expected)
  })

  test.each([['-0', '-0'], ['-0.00', '-0'], ['-0E+3', '-0']])('keeps the sign of zero: %s -> %s', (input, expected) => {
    expect(normalizeNumberPython(input)).toBe(expected)
  })

  test.each([
    // The FORMAT.md example.
    ['12345678901234567890123456789012345678', '12345678901234567890123456790000000000'],
    // ROUND_HALF_EVEN: exact halves go to the even digit, anything above half rounds up.
    ['1111111111111111111111111112' + '5', '1111111111111111111111111112' + '0'],
    ['1111111111111111111111111113' + '5', '1111111111111111111111111114' + '0'],
    ['1111111111111111111111111112' + '51', '1111111111111111111111111113' + '00'],
    ['1111111111111111111111111112' + '49', '1111111111111111111111111112' + '00'],
    // A carry through every digit.
    ['9'.repeat(29), '1' + '0'.repeat(29)],
    ['0.' + '9'.repeat(30), '1'],
    ['-1.' + '0'.repeat(26) + '15', '-1.' + '0'.repeat(26) + '2'],
  ])('rounds 29-38 significant digits to 28: %s -> %s', (input, expected) => {
    expect(normalizeNumberPython(input)).toBe(expected)
  })

  test.each([
    ['more than 38 digits', '1' + '0'.repeat(38)],
    ['more than 38 digits', '1234567890123456789012345678901234567890'],
    ['above the range', '1E+127'],
    ['below the range', '1E-166'],
    ['zero exponent out of range', '0E-200'],
    ['invalid text', 'NaN'],
  ])('refuses %s (%s), where Python raises', (_why, input) => {
    expect(() => normalizeNumberPython(input)).toThrow(SerializationError)
  })
})
