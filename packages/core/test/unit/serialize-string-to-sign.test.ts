import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { AttributeActions } from '../../src/attribute-actions'
import type { AttributeValue, Item } from '../../src/attribute-value'
import { CryptoAction } from '../../src/crypto-action'
import { SerializationError } from '../../src/errors'
import { serializeAttribute } from '../../src/serialize/attribute'
import { stringToSign } from '../../src/serialize/string-to-sign'
import { ReservedAttribute } from '../../src/wire'
import { thrown } from '../support/helpers'

const sha = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex')
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const { ENCRYPT_AND_SIGN, SIGN_ONLY, DO_NOTHING } = CryptoAction


describe('stringToSign (FORMAT.md 3.2)', () => {
  it('hashes the marker strings to the digests given in FORMAT.md', () => {
    const sts = stringToSign({ a: { S: 'x' }, b: { S: 'y' } }, 't', new AttributeActions({ attributeActions: { b: SIGN_ONLY } }))
    expect(hex(sts.subarray(64, 96))).toBe('394115ac4eb09aa49429348816b2038127b0f9e3a520372ae100ca19fb08fd50')
    expect(hex(sts.subarray(160, 192))).toBe('cb40e7dadc86161b9798de48512f332d21c141fcc1e28a086fde4a3375aab1b5')
  })

  it('is H(table) then H(name) H(marker) H(serialize(value)) per signed attribute, sorted by name', () => {
    const item: Item = {
      zeta: { N: '1.50' }, alpha: { B: new Uint8Array([1, 2, 3]) }, skip: { S: 'ignored' }, mid: { SS: ['b', 'a'] },
    }
    const actions = new AttributeActions({ defaultAction: ENCRYPT_AND_SIGN, attributeActions: { skip: DO_NOTHING, mid: SIGN_ONLY } })
    const expected = [
      sha('TABLE>My Table<TABLE'),
      sha('alpha'), sha('ENCRYPTED'), sha(serializeAttribute(item['alpha'] as AttributeValue)),
      sha('mid'), sha('PLAINTEXT'), sha(serializeAttribute(item['mid'] as AttributeValue)),
      sha('zeta'), sha('ENCRYPTED'), sha(serializeAttribute(item['zeta'] as AttributeValue)),
    ].join('')
    const sts = stringToSign(item, 'My Table', actions)
    expect(sts.length).toBe(32 + 96 * 3)
    expect(hex(sts)).toBe(expected)
  })

  it('skips the reserved attributes whatever the default action', () => {
    const actions = new AttributeActions({ defaultAction: SIGN_ONLY })
    const item: Item = {
      [ReservedAttribute.Signature]: { B: new Uint8Array(32) },
      [ReservedAttribute.MaterialDescription]: { B: new Uint8Array(4) },
      k: { S: 'v' },
    }
    expect(hex(stringToSign(item, 't', actions))).toBe(hex(stringToSign({ k: { S: 'v' } }, 't', actions)))
    expect(stringToSign(item, 't', actions).length).toBe(32 + 96)
  })

  it('is only the table digest when nothing is signed', () => {
    const sts = stringToSign({ a: { S: 'x' } }, 'tbl', new AttributeActions({ defaultAction: DO_NOTHING }))
    expect(hex(sts)).toBe(sha('TABLE>tbl<TABLE'))
  })

  it('hashes names and table as UTF-8', () => {
    const sts = stringToSign({ 'név': { BOOL: true } }, 'täble', new AttributeActions({ defaultAction: SIGN_ONLY }))
    expect(hex(sts.subarray(0, 32))).toBe(sha(Buffer.from('TABLE>täble<TABLE', 'utf8')))
    expect(hex(sts.subarray(32, 64))).toBe(sha(Buffer.from('név', 'utf8')))
  })

  it('sorts names by code point by default and by UTF-16 code unit with ordering utf16', () => {
    const emoji = '\u{1F600}'
    const fullwidth = '\uFF01'
    const item: Item = { [emoji]: { S: 'e' }, [fullwidth]: { S: 'f' } }
    const actions = new AttributeActions({ defaultAction: SIGN_ONLY })
    const python = stringToSign(item, 't', actions)
    const java = stringToSign(item, 't', actions, { ordering: 'utf16' })
    expect(hex(python.subarray(32, 64))).toBe(sha(fullwidth))
    expect(hex(python.subarray(128, 160))).toBe(sha(emoji))
    expect(hex(java.subarray(32, 64))).toBe(sha(emoji))
    expect(hex(java.subarray(128, 160))).toBe(sha(fullwidth))
  })

  it('passes the options on to value serialization', () => {
    const item: Item = { n: { N: '-0' }, bs: { BS: [new Uint8Array([0x80]), new Uint8Array([0x01])] } }
    const actions = new AttributeActions({ defaultAction: SIGN_ONLY })
    const exact = stringToSign(item, 't', actions)
    const python = stringToSign(item, 't', actions, { numbers: 'python' })
    const java = stringToSign(item, 't', actions, { ordering: 'utf16' })
    // Names sort as "bs", "n": the value digests sit at bytes 96..128 and 192..224.
    expect(hex(exact.subarray(192, 224))).toBe(sha(serializeAttribute({ N: '0' })))
    expect(hex(python.subarray(192, 224))).toBe(sha(serializeAttribute({ N: '-0' }, { numbers: 'python' })))
    expect(hex(python.subarray(192, 224))).not.toBe(hex(exact.subarray(192, 224)))
    expect(hex(java.subarray(96, 128))).not.toBe(hex(exact.subarray(96, 128)))
    expect(hex(java.subarray(96, 128))).toBe(sha(serializeAttribute(item['bs'] as AttributeValue, { ordering: 'utf16' })))
  })

  it('changes when anything signed changes, and not when a DO_NOTHING attribute changes', () => {
    const actions = new AttributeActions({ attributeActions: { free: DO_NOTHING, plain: SIGN_ONLY } })
    const base: Item = { enc: { B: new Uint8Array([1]) }, plain: { N: '5' }, free: { S: 'a' } }
    const sts = hex(stringToSign(base, 't', actions))
    expect(hex(stringToSign({ ...base, free: { S: 'b' } }, 't', actions))).toBe(sts)
    expect(hex(stringToSign({ ...base, plain: { N: '5.0' } }, 't', actions))).toBe(sts)
    expect(hex(stringToSign({ ...base, plain: { N: '6' } }, 't', actions))).not.toBe(sts)
    expect(hex(stringToSign(base, 'u', actions))).not.toBe(sts)
    expect(hex(stringToSign(base, 't', new AttributeActions({ attributeActions: { free: DO_NOTHING } })))).not.toBe(sts)
  })

  it('has length 32 + 96n for n signed attributes', () => {
    fc.assert(fc.property(
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom(DO_NOTHING, SIGN_ONLY, ENCRYPT_AND_SIGN), { maxKeys: 8 }),
      (spec) => {
        const names = Object.keys(spec).filter((n) => n !== ReservedAttribute.Signature && n !== ReservedAttribute.MaterialDescription)
        const item: Record<string, AttributeValue> = {}
        for (const name of names) Object.defineProperty(item, name, { value: { S: name }, enumerable: true })
        const overrides: Record<string, CryptoAction> = {}
        for (const name of names) Object.defineProperty(overrides, name, { value: spec[name], enumerable: true })
        const actions = new AttributeActions({ defaultAction: DO_NOTHING, attributeActions: overrides })
        const signed = names.filter((n) => spec[n] !== DO_NOTHING).length
        expect(stringToSign(item, 't', actions).length).toBe(32 + 96 * signed)
      },
    ))
  })

  it('names the attribute whose value cannot be serialized, without the value', () => {
    const error = thrown(() => stringToSign({ good: { S: 'x' }, broken: { M: { inner: { N: 'secret' } } } } as Item, 't', new AttributeActions()))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.message).toMatch(/^Cannot serialize attribute "broken" at \["inner"\]: N: Invalid number/)
    expect(error.message).not.toContain('secret')
  })

  it('refuses invalid table names, attribute names and missing values', () => {
    const actions = new AttributeActions()
    expect(() => stringToSign({}, '\uD800', actions)).toThrow(SerializationError)
    expect(() => stringToSign({}, undefined as unknown as string, actions)).toThrow(/table name must be a string/)
    expect(() => stringToSign({ ['\uDC00x']: { S: 'a' } }, 't', actions)).toThrow(/attribute name contains a lone/)
    expect(() => stringToSign({ a: undefined } as unknown as Item, 't', actions)).toThrow(/Attribute "a" has no value/)
    // A DO_NOTHING attribute is never looked at.
    expect(() => stringToSign({ a: { N: 'bad' } }, 't', new AttributeActions({ defaultAction: DO_NOTHING }))).not.toThrow()
  })
})
