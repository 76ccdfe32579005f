import { InvalidArgumentError, InvalidVersionError, ProviderStoreError } from '@ddb-encryption/core'
import { assertMaterialName, assertVersion, metaId, parseVersion, versionFromMaterialDescription } from '../../src/version'

describe('versionFromMaterialDescription', () => {
  it('reads the digits after the first "#"', () => {
    expect(versionFromMaterialDescription({ 'amzn-ddb-meta-id': 'my material name#5' })).toBe(5)
    expect(versionFromMaterialDescription({ 'amzn-ddb-meta-id': 'x#0', other: 'y' })).toBe(0)
    expect(versionFromMaterialDescription({ 'amzn-ddb-meta-id': '#12' })).toBe(12)
  })
  it('throws ProviderStoreError when the meta id is missing', () => {
    const read = () => versionFromMaterialDescription({ 'amzn-ddb-env-key': 'abc' })
    expect(read).toThrow(ProviderStoreError)
    expect(read).toThrow('has no "amzn-ddb-meta-id"')
    expect(() => versionFromMaterialDescription(Object.create({ 'amzn-ddb-meta-id': 'a#1' }))).toThrow(ProviderStoreError)
  })
  it.each(['name', 'name#', 'name#x', 'name#1#2', 'name#-1', 'name#1.0', 'name# 1', 'name#99999999999999999999'])(
    'throws InvalidVersionError for %j',
    (id) => {
      const read = () => versionFromMaterialDescription({ 'amzn-ddb-meta-id': id })
      expect(read).toThrow(InvalidVersionError)
      expect(read).toThrow('Malformed "amzn-ddb-meta-id"')
    },
  )
})

describe('meta id helpers', () => {
  it('round-trips name and version', () => {
    expect(metaId('orders', 42)).toBe('orders#42')
    expect(versionFromMaterialDescription({ 'amzn-ddb-meta-id': metaId('orders', 42) })).toBe(42)
  })
  it('parses only decimal digits', () => {
    expect(parseVersion('007')).toBe(7)
    expect(parseVersion('1e3')).toBeUndefined()
    expect(parseVersion('')).toBeUndefined()
  })
  it('refuses "#" in material names and bad versions', () => {
    expect(() => assertMaterialName('a#b')).toThrow(InvalidArgumentError)
    expect(() => assertMaterialName('')).toThrow(InvalidArgumentError)
    expect(() => assertMaterialName(5)).toThrow(InvalidArgumentError)
    expect(() => assertMaterialName('fine')).not.toThrow()
    for (const bad of [-1, 1.5, Number.NaN, '1', 2 ** 53]) expect(() => assertVersion(bad)).toThrow(InvalidArgumentError)
    expect(() => assertVersion(0)).not.toThrow()
  })
})

describe('versionFromMaterialDescription with a malformed description (issue 9)', () => {
  it.each([undefined, null, 'fuzz#1'])('%p: ERR_INVALID_ARGUMENT, not a TypeError', (description) => {
    let error: unknown
    try {
      versionFromMaterialDescription(description as never)
    } catch (e) {
      error = e
    }
    expect((error as { code?: string }).code).toBe('ERR_INVALID_ARGUMENT')
  })
})
