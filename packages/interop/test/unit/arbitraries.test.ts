// The generators must really cover what the interop suite claims to cover, and stay inside what both sides accept.
import { CryptoAction, normalizeNumber, ReservedAttribute, type AttributeValue, type Item } from '@ddb-encryption/core'
import fc from 'fast-check'

import {
  attributeValue,
  interopCase,
  longNumberText,
  negativeZeroText,
  numberText,
  plainDigitCount,
  PYTHON_SAFE_DIGITS,
  DYNAMODB_MAX_DIGITS,
} from '../../src'

const SEED = Number(process.env.DDB_ENCRYPTION_INTEROP_SEED ?? Math.floor(Math.random() * 0x7fffffff))

/** Significant digits of number text (as written, trailing zeros of the significand removed). */
function significantDigits(text: string): number {
  const normalized = normalizeNumber(text)
  if (normalized === '0') return 1
  return normalized.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length
}

/** Digits as written (what Python's precision-38 parse sees). */
function writtenDigits(text: string): number {
  const mantissa = text.replace(/^[+-]/, '').split(/[eE]/)[0] as string
  return mantissa.replace('.', '').replace(/^0+/, '').length
}

/** Adjusted exponent (position of the first significant digit) of non-zero number text. */
function adjustedExponent(text: string): number {
  const normalized = normalizeNumber(text).replace(/^-/, '')
  const [integer, fraction = ''] = normalized.split('.') as [string, string?]
  if (integer !== '0') return integer.length - 1
  return -((fraction.match(/^0*/)?.[0].length ?? 0) + 1)
}

function* walk(value: AttributeValue, depth = 0): Generator<{ value: AttributeValue; depth: number }> {
  yield { value, depth }
  if ('L' in value) for (const v of value.L) yield* walk(v, depth + 1)
  if ('M' in value) for (const v of Object.values(value.M)) yield* walk(v, depth + 1)
}

const hasNonBmp = (s: string): boolean => [...s].some((c) => (c.codePointAt(0) as number) > 0xffff)
const hasPrivateUse = (s: string): boolean => [...s].some((c) => (c.codePointAt(0) as number) >= 0xe000 && (c.codePointAt(0) as number) <= 0xffff)

describe('interopCase', () => {
  const cases = fc.sample(interopCase(), { seed: SEED, numRuns: 1000 })

  it('covers every attribute type, nested inside lists and maps as well', () => {
    const topLevel = new Set<string>()
    const nested = new Set<string>()
    for (const c of cases) {
      for (const value of Object.values(c.item)) {
        for (const { value: v, depth } of walk(value)) (depth === 0 ? topLevel : nested).add(Object.keys(v)[0] as string)
      }
    }
    const all = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'BOOL', 'NULL', 'L', 'M']
    expect([...topLevel].sort()).toEqual([...all].sort())
    expect([...nested].sort()).toEqual([...all].sort())
  })

  it('mixes all three actions, through overrides and the default, and keeps keys SIGN_ONLY and non-empty', () => {
    const actions = new Set<CryptoAction>()
    let usesDefault = 0
    let withSortKey = 0
    for (const c of cases) {
      actions.add(c.defaultAction)
      for (const name of Object.keys(c.item)) {
        if (Object.prototype.hasOwnProperty.call(c.overrides, name)) actions.add(c.overrides[name] as CryptoAction)
        else usesDefault++
      }
      for (const key of [c.partitionKeyName, c.sortKeyName]) {
        if (key === undefined) continue
        expect(c.overrides[key]).toBe(CryptoAction.SIGN_ONLY)
        const value = c.item[key] as AttributeValue
        expect(['S', 'N', 'B']).toContain(Object.keys(value)[0])
        if ('S' in value) expect(value.S.length).toBeGreaterThan(0)
        if ('B' in value) expect(value.B.length).toBeGreaterThan(0)
        if ('N' in value) expect(value.N).toBe(normalizeNumber(value.N))
      }
      if (c.sortKeyName !== undefined) withSortKey++
      expect(Object.keys(c.item)).not.toContain(ReservedAttribute.Signature)
      expect(Object.keys(c.item)).not.toContain(ReservedAttribute.MaterialDescription)
    }
    expect([...actions].sort()).toEqual([0, 1, 2])
    expect(usesDefault).toBeGreaterThan(0)
    expect(withSortKey).toBeGreaterThan(0)
    expect(withSortKey).toBeLessThan(cases.length)
  })

  it('uses characters outside the BMP and in U+E000..U+FFFF in names and values, and empty S and B values', () => {
    const names = cases.flatMap((c) => Object.keys(c.item))
    const strings: string[] = []
    let emptyS = 0
    let emptyB = 0
    for (const c of cases) {
      for (const value of Object.values(c.item)) {
        for (const { value: v } of walk(value)) {
          if ('S' in v) { strings.push(v.S); if (v.S === '') emptyS++ }
          if ('SS' in v) strings.push(...v.SS)
          if ('B' in v && v.B.length === 0) emptyB++
          if ('M' in v) strings.push(...Object.keys(v.M))
        }
      }
    }
    expect(names.some(hasNonBmp)).toBe(true)
    expect(names.some(hasPrivateUse)).toBe(true)
    expect(strings.some(hasNonBmp)).toBe(true)
    expect(strings.some(hasPrivateUse)).toBe(true)
    expect(emptyS).toBeGreaterThan(0)
    expect(emptyB).toBeGreaterThan(0)
  })

  it('writes sets DynamoDB accepts: non-empty, unique members (NS by value), no empty members', () => {
    for (const c of cases) {
      for (const value of Object.values(c.item)) {
        for (const { value: v } of walk(value)) {
          if ('SS' in v) { expect(v.SS.length).toBeGreaterThan(0); expect(new Set(v.SS).size).toBe(v.SS.length); expect(v.SS).not.toContain('') }
          if ('NS' in v) { expect(v.NS.length).toBeGreaterThan(0); expect(new Set(v.NS.map(normalizeNumber)).size).toBe(v.NS.length) }
          if ('BS' in v) {
            expect(v.BS.length).toBeGreaterThan(0)
            expect(new Set(v.BS.map((b) => Buffer.from(b).toString('hex'))).size).toBe(v.BS.length)
            for (const member of v.BS) expect(member.length).toBeGreaterThan(0)
          }
        }
      }
    }
  })
})

describe('numberText', () => {
  const numbers = fc.sample(numberText, { seed: SEED, numRuns: 3000 })

  it('stays within 28 significant digits, 38 written digits and DynamoDB range, and never writes -0', () => {
    for (const n of numbers) {
      expect(significantDigits(n)).toBeLessThanOrEqual(PYTHON_SAFE_DIGITS)
      expect(writtenDigits(n)).toBeLessThanOrEqual(DYNAMODB_MAX_DIGITS)
      if (normalizeNumber(n) === '0') expect(n.startsWith('-')).toBe(false)
      else {
        expect(adjustedExponent(n)).toBeGreaterThanOrEqual(-130)
        expect(adjustedExponent(n)).toBeLessThanOrEqual(125)
      }
    }
  })

  it('reaches both ends of the range and of the precision, negative values and several notations', () => {
    const nonZero = numbers.filter((n) => normalizeNumber(n) !== '0')
    expect(nonZero.some((n) => adjustedExponent(n) === -130)).toBe(true)
    expect(nonZero.some((n) => adjustedExponent(n) === 125)).toBe(true)
    expect(numbers.some((n) => significantDigits(n) === PYTHON_SAFE_DIGITS)).toBe(true)
    expect(numbers.some((n) => n.startsWith('-'))).toBe(true)
    expect(numbers.some((n) => /e/.test(n))).toBe(true)
    expect(numbers.some((n) => /E/.test(n))).toBe(true)
    expect(numbers.some((n) => /\.\d*0$/.test(n))).toBe(true) // trailing zeros
    expect(numbers.some((n) => plainDigitCount(n) > DYNAMODB_MAX_DIGITS)).toBe(true)
  })
})

describe('disagreement generators', () => {
  it('longNumberText has 29..38 significant digits, within what Python parses', () => {
    for (const n of fc.sample(longNumberText, { seed: SEED, numRuns: 500 })) {
      expect(significantDigits(n)).toBeGreaterThan(PYTHON_SAFE_DIGITS)
      expect(writtenDigits(n)).toBeLessThanOrEqual(DYNAMODB_MAX_DIGITS)
      expect(adjustedExponent(n)).toBeGreaterThanOrEqual(-128)
    }
  })

  it('negativeZeroText is always a negative zero', () => {
    for (const n of fc.sample(negativeZeroText, { seed: SEED, numRuns: 20 })) {
      expect(n.startsWith('-')).toBe(true)
      expect(normalizeNumber(n)).toBe('0')
    }
  })

  it('attributeValue honours maxDepth', () => {
    for (const value of fc.sample(attributeValue({ maxDepth: 1 }), { seed: SEED, numRuns: 500 })) {
      for (const { depth } of walk(value as Item[string])) expect(depth).toBeLessThanOrEqual(1)
    }
  })
})
