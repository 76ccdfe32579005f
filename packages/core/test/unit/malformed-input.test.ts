/**
 * Issue 9: every malformed input to decryptItem, the deserializers and the provider context check fails with a typed
 * DynamoDBEncryptionError (stable code), never a bare TypeError. The fuzzer (`pnpm fuzz`, packages/fuzz) found the
 * cases pinned here.
 */
import {
  AttributeActions,
  checkEncryptionContext,
  CryptoAction,
  decryptItem,
  DecryptionError,
  DeserializationError,
  deserializeAttribute,
  DynamoDBEncryptionError,
  encryptItem,
  LocalDelegatedKey,
  ReservedAttribute,
  type CryptoConfig,
} from '../../src/index'
import { configFor, rejection, resign, thrown } from '../support/helpers'
import { storedBody, TestStaticProvider } from '@ddb-encryption/testing'

const ascii = (text: string): number[] => Array.from(Buffer.from(text, 'utf8'))
const lv = (bytes: number[]): number[] => [bytes.length >>> 24, (bytes.length >>> 16) & 0xff, (bytes.length >>> 8) & 0xff, bytes.length & 0xff, ...bytes]

describe('decryptItem with a malformed config', () => {
  const item = { pk: { S: 'k' } }
  const base = configFor(new TestStaticProvider({ signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) }))
  it.each([
    ['attributeActions missing', { ...base, attributeActions: undefined }, '"attributeActions" must be an AttributeActions'],
    ['attributeActions a plain object', { ...base, attributeActions: {} }, '"attributeActions" must be an AttributeActions'],
    ['materialsProvider missing', { ...base, materialsProvider: undefined }, '"materialsProvider" must be a CryptographicMaterialsProvider'],
    ['materialsProvider without methods', { ...base, materialsProvider: {} }, '"materialsProvider" must be a CryptographicMaterialsProvider'],
    ['encryptionContext missing', { ...base, encryptionContext: undefined }, 'tableName is missing'],
    ['partitionKeyName not a string', { ...base, encryptionContext: { tableName: 't', partitionKeyName: 7 } }, '"encryptionContext.partitionKeyName" must be a string'],
    ['config null', null, 'config must be a CryptoConfig'],
  ])('%s: InvalidArgumentError, not a TypeError', async (_label, config, message) => {
    for (const operation of [decryptItem, encryptItem]) {
      const error = await rejection(operation(item, config as unknown as CryptoConfig))
      expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
      expect(error.code).toBe('ERR_INVALID_ARGUMENT')
      expect(error.message).toContain(message)
    }
  })
})

describe('deserializeAttribute: N text that is not a number', () => {
  it.each(['abc', 'NaN', 'Infinity', '', '1.2.3', ' 1', '0x10', '1e99999999', '-'])('refuses N %p with DeserializationError', (text) => {
    const error = thrown(() => deserializeAttribute(Uint8Array.from([0x00, 0x6e, ...lv(ascii(text))])))
    expect(error).toBeInstanceOf(DeserializationError)
    expect(error.message).toBe('Malformed serialized attribute: an N value or NS member is not a decimal number')
  })

  it('refuses an NS with one member that is not a number, and still reads valid numbers as stored', () => {
    const error = thrown(() => deserializeAttribute(Uint8Array.from([0x00, 0x4e, 0, 0, 0, 2, ...lv(ascii('1')), ...lv(ascii('x'))])))
    expect(error).toBeInstanceOf(DeserializationError)
    expect(deserializeAttribute(Uint8Array.from([0x00, 0x4e, 0, 0, 0, 2, ...lv(ascii('-0')), ...lv(ascii('1E+5'))]))).toEqual({ NS: ['-0', '1E+5'] })
    expect(deserializeAttribute(Uint8Array.from([0x00, 0x6e, ...lv(ascii('12.5'))]))).toEqual({ N: '12.5' })
  })

  it('a key holder who encrypts and signs N text "abc" gets a DecryptionError whose cause is the DeserializationError', async () => {
    const encryptionKey = LocalDelegatedKey.generate('AES', 128)
    const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
    const provider = new TestStaticProvider({ encryptionKey, signingKey })
    const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    const config = configFor(provider, actions)
    const stored = await encryptItem({ pk: { S: 'k' }, amount: { N: '1' } }, config)
    const forged = await encryptionKey.encrypt('AES/CBC/PKCS5Padding', 'amount', Uint8Array.from([0x00, 0x6e, ...lv(ascii('abc'))]))
    const rewritten = await resign({ ...stored, amount: { B: forged } }, signingKey, actions)
    expect(Object.keys(storedBody(rewritten))).toEqual(['pk', 'amount'])
    const error = await rejection(decryptItem(rewritten, config))
    expect(error).toBeInstanceOf(DecryptionError)
    expect(error.message).toBe('Decryption failed')
    expect(error.cause).toBeInstanceOf(DeserializationError)
  })
})

describe('checkEncryptionContext', () => {
  const valid = { tableName: 't', partitionKeyName: 'pk', attributes: { pk: { S: 'a' } }, materialDescription: { a: 'b' } }
  it('accepts a well-formed context, __proto__ description keys included', () => {
    expect(() => checkEncryptionContext(valid, 'P')).not.toThrow()
    expect(() => checkEncryptionContext({ ...valid, materialDescription: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, 'P')).not.toThrow()
  })
  it.each([
    ['null', null, 'must be an object'],
    ['an array', [], 'must be an object'],
    ['attributes null', { ...valid, attributes: null }, '"attributes" must be an object'],
    ['materialDescription undefined', { ...valid, materialDescription: undefined }, '"materialDescription" must be an object'],
    ['a description value that is not a string', { ...valid, materialDescription: { 'amzn-ddb-env-key': 5 } }, '"materialDescription" entry "amzn-ddb-env-key" must be a string'],
    ['tableName a number', { ...valid, tableName: 5 }, '"tableName" must be a string'],
    ['sortKeyName an object', { ...valid, sortKeyName: {} }, '"sortKeyName" must be a string'],
  ])('refuses %s with InvalidArgumentError naming the part', (_label, context, message) => {
    const error = thrown(() => checkEncryptionContext(context, 'MyProvider.getDecryptionMaterials')) as Error & { code?: string }
    expect(error.code).toBe('ERR_INVALID_ARGUMENT')
    expect(error.message.startsWith(`MyProvider.getDecryptionMaterials: the EncryptionContext ${message}`)).toBe(true)
  })
})

describe('decryptItem: reserved attributes of the wrong type', () => {
  it.each([
    [ReservedAttribute.Signature, null, 'ERR_SIGNATURE_VERIFICATION_FAILED'],
    [ReservedAttribute.Signature, { S: 'x' }, 'ERR_SIGNATURE_VERIFICATION_FAILED'],
    [ReservedAttribute.MaterialDescription, { B: [0, 0, 0, 0] }, 'ERR_INVALID_MATERIAL_DESCRIPTION'],
    [ReservedAttribute.MaterialDescription, { B: new Uint8Array(3) }, 'ERR_INVALID_MATERIAL_DESCRIPTION'],
  ])('%s = %p fails with %s', async (name, value, code) => {
    const provider = new TestStaticProvider({ encryptionKey: LocalDelegatedKey.generate('AES', 128), signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const stored = await encryptItem({ pk: { S: 'k' }, secret: { S: 's' } }, configFor(provider))
    const error = await rejection(decryptItem({ ...stored, [name]: value as never }, configFor(provider)))
    expect(error.code).toBe(code)
  })
})
