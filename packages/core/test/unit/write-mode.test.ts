/**
 * `writeMode` (FORMAT.md 1.4, 11): the byte order we write for signed values, and the `'portable'` refusal.
 * Java's order is proven against FORMAT.md 1.4's worked example and against the string to sign computed
 * independently in UTF-16 / signed-byte order.
 */
import fc from 'fast-check'
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  encryptItem,
  LocalDelegatedKey,
  NonPortableItemError,
  ReservedAttribute,
  serializeAttribute,
  SerializationError,
  stringToSign,
  type AttributeValue,
  type CryptoConfig,
  type Item,
} from '../../src/index'
import { itemWithActions } from '../support/arbitraries'
import { configFor, rejection, TABLE } from '../support/helpers'
import { aesHmacProvider, storedBody } from '@ddb-encryption/testing'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const signOnly = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })

function macOver(key: LocalDelegatedKey, data: Uint8Array): Promise<string> {
  return key.sign('HmacSHA256', data).then(hex)
}

describe('writeMode', () => {
  it('defaults to portable: an unambiguous item is written in code-point order and reads back', async () => {
    const provider = aesHmacProvider()
    const config: CryptoConfig = { materialsProvider: provider, encryptionContext: { tableName: TABLE }, attributeActions: signOnly }
    const item = { pk: { S: 'k' }, ss: { SS: ['b', 'a', '\uFF01'] }, bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x02)] } }
    expect(await decryptItem(await encryptItem(item, config), config)).toEqual(item)
  })

  it.each([
    ['a signed binary set with members on both sides of 0x80', { bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] } }, 'bs', ''],
    ['a signed string set mixing U+FF01 and U+1F600', { ss: { SS: ['\uFF01', '\u{1F600}'] } }, 'ss', ''],
    ['map keys nested in a signed list', { l: { L: [{ M: { '\uFF01': { N: '1' }, '\u{1F600}': { N: '2' } } }] } }, 'l', ' at [0]'],
    ['signed attribute names', { '\uFF01': { S: 'a' }, '\u{1F600}': { S: 'b' } }, '\uFF01', ''],
  ])('portable refuses %s with NonPortableItemError naming the attribute, before calling the provider', async (_label, attributes, name, where) => {
    let calls = 0
    const provider = aesHmacProvider()
    const counting = { ...provider, getEncryptionMaterials: async (c: Parameters<typeof provider.getEncryptionMaterials>[0]) => { calls++; return provider.getEncryptionMaterials(c) }, getDecryptionMaterials: provider.getDecryptionMaterials.bind(provider), refresh: async () => {} }
    const config: CryptoConfig = { materialsProvider: counting, encryptionContext: { tableName: TABLE }, attributeActions: signOnly }
    const error = await rejection(encryptItem({ pk: { S: 'k' }, ...attributes }, config))
    expect(error).toBeInstanceOf(NonPortableItemError)
    expect(error).toBeInstanceOf(SerializationError)
    expect(error.code).toBe('ERR_NON_PORTABLE_ITEM')
    expect(error.message).toContain(`attribute "${name}"${where}`)
    expect(error.message).toContain("writeMode 'python' or 'java'")
    expect(calls).toBe(0)
  })

  it('portable does not refuse the same values when they are encrypted or DO_NOTHING (only their names are signed)', async () => {
    const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, skip: CryptoAction.DO_NOTHING } })
    const config: CryptoConfig = { materialsProvider: aesHmacProvider(), encryptionContext: { tableName: TABLE }, attributeActions: actions }
    const item = { pk: { S: 'k' }, bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] }, skip: { SS: ['\uFF01', '\u{1F600}'] } }
    expect(await decryptItem(await encryptItem(item, config), config)).toEqual(item)
  })

  it('refuses an unknown writeMode and a non-boolean acceptPythonRoundedNumbers', async () => {
    const base = configFor(aesHmacProvider())
    expect((await rejection(encryptItem({ pk: { S: 'k' } }, { ...base, writeMode: 'utf8' as never }))).code).toBe('ERR_INVALID_ARGUMENT')
    expect((await rejection(decryptItem({ pk: { S: 'k' } }, { ...base, acceptPythonRoundedNumbers: 'yes' as never }))).code).toBe('ERR_INVALID_ARGUMENT')
  })

  it("'java' writes FORMAT.md 1.4's Java bytes for {BS: [01, 80]} and signs Java's string to sign; 'python' Python's", async () => {
    // FORMAT.md 1.4: Python 00 42 00000002 00000001 01 00000001 80; Java 00 42 00000002 00000001 80 00000001 01.
    const bs = { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] }
    expect(hex(serializeAttribute(bs, { ordering: 'utf16' }))).toBe('00420000000200000001800000000101')
    expect(hex(serializeAttribute(bs))).toBe('00420000000200000001010000000180')
    const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
    const provider = aesHmacProvider({ signingKey })
    const item = { pk: { S: 'k' }, bs, ss: { SS: ['\uFF01', '\u{1F600}'] }, '\uFF01': { S: 'x' }, '\u{1F600}': { S: 'y' } }
    for (const [mode, ordering] of [['java', 'utf16'], ['python', 'code-point']] as const) {
      const stored = await encryptItem(item, configFor(provider, signOnly, {}, { writeMode: mode }))
      const expected = await macOver(signingKey, stringToSign(storedBody(stored), TABLE, signOnly, { ordering }))
      expect(hex((stored[ReservedAttribute.Signature] as { B: Uint8Array }).B)).toBe(expected)
      // Reading accepts both orders, whatever the reader's own write mode.
      for (const readerMode of ['portable', 'python', 'java'] as const) {
        expect(await decryptItem(stored, configFor(provider, signOnly, {}, { writeMode: readerMode }))).toEqual(item)
      }
    }
  })

  it("'java' serializes encrypted plaintexts in Java's order too (decrypted by any reader)", async () => {
    const provider = aesHmacProvider()
    const item = { pk: { S: 'k' }, secret: { BS: [Uint8Array.of(0x80), Uint8Array.of(0x01)] } }
    const stored = await encryptItem(item, configFor(provider, undefined, {}, { writeMode: 'java' }))
    const read = await decryptItem(stored, configFor(provider))
    // Members come back in the order they were serialized: Java's signed order puts 0x80 first.
    expect((read.secret as { BS: Uint8Array[] }).BS.map(hex)).toEqual(['80', '01'])
  })

  it("property: 'portable' refuses an item iff its strings to sign in the two orders differ", async () => {
    const provider = aesHmacProvider()
    let refused = 0
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(itemWithActions, async ({ item, actions }) => {
        let stored: Item
        try {
          stored = await encryptItem(item, configFor(provider, actions, {}, { writeMode: 'python' }))
        } catch (error) {
          // Items no mode can write (e.g. invalid number text): portable must fail the same way, not as non-portable.
          const portable = await rejection(encryptItem(item, configFor(provider, actions, {}, { writeMode: 'portable' })))
          expect(portable).not.toBeInstanceOf(NonPortableItemError)
          expect(portable.constructor).toBe((error as Error).constructor)
          return
        }
        const differ = hex(stringToSign(storedBody(stored), TABLE, actions)) !== hex(stringToSign(storedBody(stored), TABLE, actions, { ordering: 'utf16' }))
        const outcome = await encryptItem(item, configFor(provider, actions, {}, { writeMode: 'portable' })).then(() => undefined, (e: unknown) => e)
        if (differ) {
          refused++
          expect(outcome).toBeInstanceOf(NonPortableItemError)
        } else {
          accepted++
          expect(outcome).toBeUndefined()
        }
      }),
      { numRuns: 400 },
    )
    // Both sides of the iff were exercised.
    expect(refused).toBeGreaterThan(10)
    expect(accepted).toBeGreaterThan(10)
  })
  it("property: 'portable' refuses iff the orders differ, on items built from the characters and bytes where they can", async () => {
    // A tiny alphabet makes two strings meet at the same position often: BMP-private / high BMP units against
    // surrogate pairs (U+10000, U+1F600, U+10FFFF), plus ASCII; bytes on both sides of 0x80.
    const unit = fc.constantFrom('a', '\uE000', '\uFF01', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}')
    const str = fc.string({ unit, minLength: 0, maxLength: 3 })
    const byteString = fc.uint8Array({ minLength: 0, maxLength: 3 }).map((b) => b.map((x) => [0x00, 0x7f, 0x80, 0xff][x % 4] as number))
    const value: fc.Arbitrary<AttributeValue> = fc.oneof(
      fc.uniqueArray(str, { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
      fc.uniqueArray(byteString, { minLength: 1, maxLength: 4, selector: hex }).map((BS) => ({ BS })),
      fc.uniqueArray(str, { minLength: 1, maxLength: 3 }).map((keys) => ({ M: Object.fromEntries(keys.map((k) => [k, { S: k }])) })),
      fc.uniqueArray(str, { minLength: 1, maxLength: 3 }).map((keys) => ({ L: [{ M: Object.fromEntries(keys.map((k) => [k, { N: '1' }])) }] })),
      str.map((S) => ({ S })),
    )
    const names = fc.uniqueArray(fc.tuple(str.filter((n) => n.length > 0 && n !== 'pk'), value, fc.constantFrom(CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN, CryptoAction.DO_NOTHING)), { maxLength: 5, selector: ([n]) => n })
    const provider = aesHmacProvider()
    let refused = 0
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(names, async (attributes) => {
        const item: Record<string, AttributeValue> = { pk: { S: 'k' } }
        const overrides: Record<string, CryptoAction> = { pk: CryptoAction.SIGN_ONLY }
        for (const [name, v, action] of attributes) {
          item[name] = v
          overrides[name] = action
        }
        const actions = new AttributeActions({ attributeActions: overrides })
        const stored = await encryptItem(item, configFor(provider, actions, {}, { writeMode: 'python' }))
        const differ = hex(stringToSign(storedBody(stored), TABLE, actions)) !== hex(stringToSign(storedBody(stored), TABLE, actions, { ordering: 'utf16' }))
        const outcome = await encryptItem(item, configFor(provider, actions, {}, { writeMode: 'portable' })).then(() => undefined, (e: unknown) => e)
        if (differ) {
          refused++
          expect(outcome).toBeInstanceOf(NonPortableItemError)
          // The message names one of the item's signed attributes.
          const named = Object.keys(item).filter((n) => actions.action(n) !== CryptoAction.DO_NOTHING).some((n) => (outcome as Error).message.includes(`attribute "${n}"`))
          expect(named).toBe(true)
        } else {
          accepted++
          expect(outcome).toBeUndefined()
        }
      }),
      { numRuns: 500 },
    )
    expect(refused).toBeGreaterThan(50)
    expect(accepted).toBeGreaterThan(50)
  })
})
