import { serializeAttribute } from '@ddb-encryption/core'
import fc from 'fast-check'

import { attributeFromJson, attributeToJson, attributeValue, canonicalItem, canonicalValue, itemFromJson, itemToJson } from '../../src'

describe('DynamoDB JSON conversion', () => {
  it('round trips every generated value through JSON text to the same serialized bytes', () => {
    fc.assert(
      fc.property(attributeValue(), (value) => {
        const back = attributeFromJson(JSON.parse(JSON.stringify(attributeToJson(value))))
        expect(Buffer.from(serializeAttribute(back)).equals(Buffer.from(serializeAttribute(value)))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('writes binaries as padded base64 and keeps __proto__ as an attribute name', () => {
    const json = itemToJson(JSON.parse('{"__proto__":{"B":{}}}', (key, value) => (key === 'B' ? Uint8Array.of(0xff, 0x00) : value)))
    expect(JSON.stringify(json)).toBe('{"__proto__":{"B":"/wA="}}')
    const item = itemFromJson(JSON.parse('{"__proto__":{"BS":["AQ==","gA=="]}}'))
    expect(Object.keys(item)).toEqual(['__proto__'])
    expect(canonicalItem(item)).toEqual([['__proto__', { BS: ['01', '80'] }]])
  })

  it('refuses malformed base64 and values with several type keys', () => {
    expect(() => attributeFromJson({ B: 'not base64!' })).toThrow(TypeError)
    expect(() => attributeFromJson({ S: 'a', N: '1' } as never)).toThrow(TypeError)
  })
})

describe('canonicalValue', () => {
  it('treats sets as sets and numbers by value', () => {
    expect(canonicalValue({ NS: ['1.50', '2E1'] })).toEqual(canonicalValue({ NS: ['20', '1.5'] }))
    expect(canonicalValue({ SS: ['\u{1F600}', '\uFF01'] })).toEqual(canonicalValue({ SS: ['\uFF01', '\u{1F600}'] }))
    expect(canonicalValue({ N: '1.5' })).not.toEqual(canonicalValue({ N: '1.50001' }))
    expect(canonicalValue({ L: [{ N: '1' }, { N: '2' }] })).not.toEqual(canonicalValue({ L: [{ N: '2' }, { N: '1' }] }))
  })
})
