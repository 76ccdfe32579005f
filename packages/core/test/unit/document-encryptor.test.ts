import { NumberValueImpl as NumberValue } from '@aws-sdk/util-dynamodb'
import {
  AttributeActions,
  CryptoAction,
  decryptDocument,
  DeserializationError,
  encryptDocument,
  InvalidArgumentError,
  normalizeNumber,
  ReservedAttribute,
  SignatureVerificationError,
} from '../../src/index'
import { aesHmacProvider, deepCopy, deepFreeze } from '@ddb-encryption/testing'
import { configFor, rejection } from '../support/helpers'

const actions = new AttributeActions({
  attributeActions: { pk: CryptoAction.SIGN_ONLY, signedNumber: CryptoAction.SIGN_ONLY, plain: CryptoAction.DO_NOTHING },
})

const DIGITS_38 = '12345678901234567890123456789012345678'
const TINY = '1E-130'
const HUGE = '9.9999999999999999999999999999999999999E+125'
const BEYOND_2_53 = 9007199254740993n

describe('encryptDocument / decryptDocument', () => {
  it('round-trips native values; encrypted attributes are Uint8Arrays in the stored document', async () => {
    const provider = aesHmacProvider()
    const doc = {
      pk: 'user#1',
      name: 'Zoë \u{1F600}',
      age: 42,
      active: true,
      nothing: null,
      tags: new Set(['a', 'b']),
      scores: new Set([1, 2.5]),
      blob: Uint8Array.of(1, 2, 3),
      address: { city: 'Paris', lines: ['1 rue', 'bis'] },
      plain: 'kept',
    }
    const stored = await encryptDocument(doc, configFor(provider, actions))
    for (const name of ['name', 'age', 'active', 'nothing', 'tags', 'scores', 'blob', 'address']) {
      expect(stored[name]).toBeInstanceOf(Uint8Array)
    }
    expect(stored[ReservedAttribute.Signature]).toBeInstanceOf(Uint8Array)
    expect(stored[ReservedAttribute.MaterialDescription]).toBeInstanceOf(Uint8Array)
    expect(stored.pk).toBe('user#1')
    expect(stored.plain).toBe('kept')
    expect(await decryptDocument(stored, configFor(provider, actions))).toEqual(doc)
  })

  it('keeps every number exact with bigint / NumberValue input and wrapNumbers output', async () => {
    const provider = aesHmacProvider()
    const doc = {
      pk: 'n',
      digits38: NumberValue.from(DIGITS_38),
      tiny: NumberValue.from(TINY),
      huge: NumberValue.from(HUGE),
      big: BEYOND_2_53,
      negative: NumberValue.from('-' + DIGITS_38),
      signedNumber: NumberValue.from(HUGE),
      set: new Set([NumberValue.from(TINY), NumberValue.from(DIGITS_38)]),
    }
    const config = configFor(provider, actions)
    const stored = await encryptDocument(doc, config)
    // Attributes that are not encrypted keep the caller's values (no lossy unmarshall on the write path).
    expect(stored.signedNumber).toBe(doc.signedNumber)
    expect(stored.pk).toBe('n')
    const decrypted = await decryptDocument(stored, config, { unmarshallOptions: { wrapNumbers: true } })
    const text = (name: string): string => {
      expect(decrypted[name]).toBeInstanceOf(NumberValue)
      return (decrypted[name] as NumberValue).toString()
    }
    // Encrypted numbers come back in normalized plain notation (FORMAT.md 1.3): the same value, exactly.
    expect(text('digits38')).toBe(DIGITS_38)
    expect(text('tiny')).toBe('0.' + '0'.repeat(129) + '1')
    expect(text('huge')).toBe(normalizeNumber(HUGE))
    expect(text('huge')).toBe('9'.repeat(38) + '0'.repeat(88))
    expect(text('big')).toBe('9007199254740993')
    expect(text('negative')).toBe('-' + DIGITS_38)
    // Sign-only numbers are stored as written.
    expect(text('signedNumber')).toBe(HUGE)
    expect([...(decrypted.set as Set<NumberValue>)].map(String).sort()).toEqual([DIGITS_38, '0.' + '0'.repeat(129) + '1'].sort())
  })

  it('returns integers beyond 2^53 as bigint with the SDK defaults', async () => {
    const provider = aesHmacProvider()
    const config = configFor(provider, actions)
    const decrypted = await decryptDocument(await encryptDocument({ pk: 'n', big: BEYOND_2_53, d: BigInt(DIGITS_38) }, config), config)
    expect(decrypted.big).toBe(BEYOND_2_53)
    expect(decrypted.d).toBe(BigInt(DIGITS_38))
  })

  it('rejects, without quoting the value, a number the SDK defaults cannot hold, and names the fix', async () => {
    const provider = aesHmacProvider()
    const config = configFor(provider, actions)
    const stored = await encryptDocument({ pk: 'n', secretNumber: NumberValue.from('12345678901234567890.5') }, config)
    const error = await rejection(decryptDocument(stored, config))
    expect(error).toBeInstanceOf(DeserializationError)
    expect(error.code).toBe('ERR_DESERIALIZATION')
    expect(error.message).toContain('wrapNumbers')
    expect(error.message).not.toContain('12345678901234567890')
    expect(error.cause).toBeUndefined()
  })

  it.each([
    ['an undefined value', { pk: 'k', secret: undefined }, 'removeUndefinedValues'],
    ['an imprecise JS number', { pk: 'k', secret: 12345678901234567890 }, 'bigint or NumberValue'],
    ['a class instance', { pk: 'k', secret: new (class Secret { value = 'hunter2' })() }, 'convertClassInstanceToMap'],
  ])('explains how to fix a document with %s', async (_label, doc, hint) => {
    const error = await rejection(encryptDocument(doc, configFor(aesHmacProvider(), actions)))
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error.message).toContain(hint)
    expect(error.message).not.toMatch(/hunter2|12345678901234567/)
  })

  it('passes marshallOptions on (removeUndefinedValues)', async () => {
    const provider = aesHmacProvider()
    const config = configFor(provider, actions)
    const options = { marshallOptions: { removeUndefinedValues: true } }
    const stored = await encryptDocument({ pk: 'k', gone: undefined, kept: 'x' }, config, options)
    expect(Object.keys(stored)).not.toContain('gone')
    expect(await decryptDocument(stored, config, options)).toEqual({ pk: 'k', kept: 'x' })
  })

  it('rejects a tampered document', async () => {
    const provider = aesHmacProvider()
    const config = configFor(provider, actions)
    const stored = await encryptDocument({ pk: 'k', signedNumber: 5 }, config)
    const error = await rejection(decryptDocument({ ...stored, signedNumber: 6 }, config))
    expect(error).toBeInstanceOf(SignatureVerificationError)
  })

  it('refuses a document that is not a plain object', async () => {
    const error = await rejection(encryptDocument([] as unknown as Record<string, never>, configFor(aesHmacProvider(), actions)))
    expect(error).toBeInstanceOf(InvalidArgumentError)
  })

  it('never mutates deep-frozen documents', async () => {
    const provider = aesHmacProvider()
    const config = configFor(provider, actions)
    const doc = deepFreeze({ pk: 'k', list: [1, { a: 'b' }], map: { x: Uint8Array.of(1) } })
    const before = deepCopy(doc)
    const stored = deepFreeze(await encryptDocument(doc, config))
    const storedBefore = deepCopy(stored)
    expect(await decryptDocument(stored, config)).toEqual(before)
    expect(doc).toEqual(before)
    expect(stored).toEqual(storedBefore)
  })
})

describe('encryptDocument / decryptDocument without @aws-sdk/util-dynamodb (an optional peer dependency)', () => {
  it('rejects with ERR_UNSUPPORTED_OPERATION naming the package to install', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/util-dynamodb', () => {
        throw Object.assign(new Error("Cannot find module '@aws-sdk/util-dynamodb'"), { code: 'MODULE_NOT_FOUND' })
      })
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require('../../src/index') as typeof import('../../src/index')
      const config = configFor(aesHmacProvider(), actions)
      for (const call of [() => core.encryptDocument({ pk: 'a' }, config), () => core.decryptDocument({ pk: 'a' }, config)]) {
        const error = await rejection(call())
        expect(error).toBeInstanceOf(core.UnsupportedOperationError)
        expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
        expect((error as Error).message).toMatch(/needs @aws-sdk\/util-dynamodb.*npm install @aws-sdk\/util-dynamodb/)
      }
      jest.dontMock('@aws-sdk/util-dynamodb')
    })
  })
})
