import fc from 'fast-check'
import {
  DeserializationError,
  InvalidMaterialDescriptionError,
  InvalidMaterialDescriptionVersionError,
  SerializationError,
} from '../../src/errors'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../../src/serialize/material-description'
import { thrown } from '../support/helpers'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const lv = (text: string): string => Buffer.from(text).length.toString(16).padStart(8, '0') + Buffer.from(text).toString('hex')


describe('serializeMaterialDescription (FORMAT.md 2.2)', () => {
  it('writes the FORMAT.md example', () => {
    expect(hex(serializeMaterialDescription({ 'amzn-ddb-map-sym-mode': '/CBC/PKCS5Padding' }))).toBe(
      '00000000 00000015 616d7a6e2d6464622d6d61702d73796d2d6d6f6465 00000011 2f4342432f504b43533550616464696e67'.replace(/\s+/g, ''),
    )
  })

  it('writes the empty description as the 4 version bytes', () => {
    expect(hex(serializeMaterialDescription({}))).toBe('00000000')
  })

  it('sorts keys by code point, whatever the input order', () => {
    const emoji = '\u{1F600}'
    const fullwidth = '\uFF01'
    const expected = `00000000 ${lv('B')}${lv('1')} ${lv('a')}${lv('2')} ${lv(fullwidth)}${lv('3')} ${lv(emoji)}${lv('4')}`.replace(/\s+/g, '')
    expect(hex(serializeMaterialDescription({ [emoji]: '4', a: '2', [fullwidth]: '3', B: '1' }))).toBe(expected)
    expect(hex(serializeMaterialDescription({ B: '1', [fullwidth]: '3', a: '2', [emoji]: '4' }))).toBe(expected)
  })

  it('refuses non-string values without echoing them, naming the key', () => {
    const error = thrown(() => serializeMaterialDescription({ 'my-key': 42 as unknown as string }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.message).toBe('Material description entry "my-key" must be a string')
  })

  it('refuses lone surrogates and non-objects', () => {
    expect(() => serializeMaterialDescription({ k: 'secret\uD800' })).toThrow(/lone UTF-16 surrogate/)
    expect(() => serializeMaterialDescription({ ['\uDFFF']: 'v' })).toThrow(SerializationError)
    expect(() => serializeMaterialDescription(null as unknown as Record<string, string>)).toThrow(SerializationError)
  })

  it('does not mutate its input', () => {
    const md = Object.freeze({ b: '2', a: '1' })
    serializeMaterialDescription(md)
    expect(Object.keys(md)).toEqual(['b', 'a'])
  })
})

describe('deserializeMaterialDescription (FORMAT.md 2.2)', () => {
  it('reads entries in any order (Java writes hash order)', () => {
    const data = fromHex(`00000000 ${lv('z')}${lv('last')} ${lv('a')}${lv('first')} ${lv('')}${lv('')}`)
    expect(deserializeMaterialDescription(data)).toEqual({ z: 'last', a: 'first', '': '' })
  })

  it('keeps the last occurrence of a repeated key', () => {
    const data = fromHex(`00000000 ${lv('k')}${lv('one')} ${lv('x')}${lv('y')} ${lv('k')}${lv('two')}`)
    expect(deserializeMaterialDescription(data)).toEqual({ k: 'two', x: 'y' })
  })

  it('reads "__proto__" as a plain key', () => {
    const md = deserializeMaterialDescription(fromHex(`00000000 ${lv('__proto__')}${lv('v')}`))
    expect(Object.getPrototypeOf(md)).toBe(Object.prototype)
    expect(Object.keys(md)).toEqual(['__proto__'])
    expect(Object.getOwnPropertyDescriptor(md, '__proto__')?.value).toBe('v')
  })

  test.each<[string, string, typeof DeserializationError, RegExp]>([
    ['empty', '', InvalidMaterialDescriptionError, /Malformed material description version/],
    ['3 bytes', '000000', InvalidMaterialDescriptionError, /Malformed material description version/],
    ['version 1', '00000001', InvalidMaterialDescriptionVersionError, /Invalid material description version/],
    ['version ff000000', 'ff000000 00000001 61 00000001 62', InvalidMaterialDescriptionVersionError, /Invalid material description version/],
    ['truncated key length', '00000000 0000', InvalidMaterialDescriptionError, /Invalid material description/],
    ['truncated key', '00000000 00000005 6162', InvalidMaterialDescriptionError, /Invalid material description/],
    ['key without value', '00000000 00000001 61', InvalidMaterialDescriptionError, /Invalid material description/],
    ['truncated value', '00000000 00000001 61 00000003 6263', InvalidMaterialDescriptionError, /Invalid material description/],
    ['invalid UTF-8 value', '00000000 00000001 61 00000001 ff', InvalidMaterialDescriptionError, /not valid UTF-8/],
  ])('%s -> %p', (_name, data, errorClass, message) => {
    const error = thrown(() => deserializeMaterialDescription(fromHex(data)))
    expect(error).toBeInstanceOf(errorClass)
    expect(error).toBeInstanceOf(DeserializationError)
    expect(error.message).toMatch(message)
  })

  it('has distinct codes for malformed data and unknown versions', () => {
    expect((thrown(() => deserializeMaterialDescription(fromHex('00'))) as InvalidMaterialDescriptionError).code)
      .toBe('ERR_INVALID_MATERIAL_DESCRIPTION')
    expect((thrown(() => deserializeMaterialDescription(fromHex('00000002'))) as InvalidMaterialDescriptionError).code)
      .toBe('ERR_INVALID_MATERIAL_DESCRIPTION_VERSION')
  })

  it('never echoes values in errors', () => {
    const data = fromHex(`00000000 ${lv('key')}${lv('secret-value')}`)
    const error = thrown(() => deserializeMaterialDescription(data.subarray(0, data.length - 1)))
    expect(error.message).not.toContain('secret')
  })

  it('round-trips arbitrary descriptions', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 20 })), (md) => {
      const bytes = serializeMaterialDescription(md)
      const back = deserializeMaterialDescription(bytes)
      expect(back).toEqual(md)
      expect(hex(serializeMaterialDescription(back))).toBe(hex(bytes))
    }))
  })
})
