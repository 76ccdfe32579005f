import type { AttributeValue } from '@ddb-encryption/core'
import { InvalidArgumentError, UnwrappingError } from '@ddb-encryption/core'
import fc from 'fast-check'
import { kmsEncryptionContextFor } from '../../src/kms-encryption-context'

const DESCRIPTION = { 'amzn-ddb-env-alg': 'AES/256', 'amzn-ddb-sig-alg': 'HmacSHA256/256', 'amzn-ddb-env-key': 'AAAA' }

describe('kmsEncryptionContextFor', () => {
  it('builds the FORMAT.md 7.3 example context', () => {
    const item = { hashKey: { N: '1' }, rangeKey: { N: '1' }, other: { S: 'not in context' } }
    expect(
      kmsEncryptionContextFor(DESCRIPTION, { tableName: 'TableName', partitionKeyName: 'hashKey', sortKeyName: 'rangeKey', attributes: item }),
    ).toStrictEqual({
      '*amzn-ddb-env-alg*': 'AES/256',
      '*amzn-ddb-sig-alg*': 'HmacSHA256/256',
      hashKey: '1',
      rangeKey: '1',
      '*aws-kms-table*': 'TableName',
    })
  })

  it('copies the description algorithm texts verbatim, e.g. AES without bits', () => {
    const context = kmsEncryptionContextFor({ 'amzn-ddb-env-alg': 'AES', 'amzn-ddb-sig-alg': 'HmacSHA512/512' }, { attributes: {} })
    expect(context).toStrictEqual({ '*amzn-ddb-env-alg*': 'AES', '*amzn-ddb-sig-alg*': 'HmacSHA512/512' })
  })

  it('merges the extra context', () => {
    expect(kmsEncryptionContextFor(DESCRIPTION, { attributes: {} }, { tenant: 'acme' })).toMatchObject({ tenant: 'acme' })
  })

  it.each(['amzn-ddb-env-alg', 'amzn-ddb-sig-alg'])('throws UnwrappingError when the description lacks %s', (key) => {
    const description: Record<string, string> = { ...DESCRIPTION }
    delete description[key]
    expect(() => kmsEncryptionContextFor(description, { attributes: {} })).toThrow(UnwrappingError)
  })

  it('ignores inherited properties of the description', () => {
    const description = Object.create({ 'amzn-ddb-env-alg': 'AES/256', 'amzn-ddb-sig-alg': 'HmacSHA256/256' }) as Record<string, string>
    expect(() => kmsEncryptionContextFor(description, { attributes: {} })).toThrow(UnwrappingError)
  })

  it('refuses extra context keys that are reserved or name a key attribute', () => {
    expect(() => kmsEncryptionContextFor(DESCRIPTION, { attributes: {} }, { '*aws-kms-table*': 'x' })).toThrow(InvalidArgumentError)
    expect(() => kmsEncryptionContextFor(DESCRIPTION, { partitionKeyName: 'pk', attributes: {} }, { pk: 'x' })).toThrow(InvalidArgumentError)
  })

  it('puts S values as is, N text unnormalized and B as base64, for any value', () => {
    const keyValue = fc.oneof(
      fc.string().map((s) => ({ value: { S: s }, expected: s })),
      fc.stringMatching(/^-?[0-9]{1,5}(\.[0-9]{0,4})?(E[+-]?[0-9]{1,2})?$/).map((n) => ({ value: { N: n }, expected: n })),
      fc.uint8Array({ maxLength: 40 }).map((b) => ({ value: { B: b }, expected: Buffer.from(b).toString('base64') })),
    )
    fc.assert(
      fc.property(keyValue, keyValue, fc.string({ minLength: 1 }), (partition, sort, tableName) => {
        const context = kmsEncryptionContextFor(DESCRIPTION, {
          tableName,
          partitionKeyName: 'p',
          sortKeyName: 's',
          attributes: { p: partition.value, s: sort.value },
        })
        expect(context.p).toBe(partition.expected)
        expect(context.s).toBe(sort.expected)
        expect(context['*aws-kms-table*']).toBe(tableName)
        expect(Object.keys(context).sort()).toEqual(['*amzn-ddb-env-alg*', '*amzn-ddb-sig-alg*', '*aws-kms-table*', 'p', 's'])
      }),
    )
  })

  it.each<AttributeValue>([{ SS: ['a'] }, { NS: ['1'] }, { BS: [Uint8Array.of(1)] }, { BOOL: false }, { NULL: true }, { L: [] }, { M: {} }])(
    'refuses a key attribute of type %p, naming the attribute',
    (value) => {
      expect(() => kmsEncryptionContextFor(DESCRIPTION, { sortKeyName: 'sk', attributes: { sk: value } }))
        .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"sk"') }))
    },
  )
})
