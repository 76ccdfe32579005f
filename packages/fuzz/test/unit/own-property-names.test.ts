/**
 * Issue 9, own-property discipline: `__proto__`, `constructor`, `toString` and `hasOwnProperty` are legal DynamoDB
 * names. As attribute names (items, keys, index keys, action overrides), map keys, material description keys,
 * KMS encryption context entries and option keys they must behave like any other name in every public API of core,
 * providers-wrapped, providers-kms and store-meta (client-helpers: its own test of the same name).
 */
import fc from 'fast-check'
import {
  AttributeActions,
  CryptoAction,
  decryptDocument,
  decryptItem,
  deserializeMaterialDescription,
  encryptDocument,
  encryptItem,
  LocalDelegatedKey,
  ReservedAttribute,
  serializeMaterialDescription,
  type AttributeValue,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MostRecentProvider } from '@ddb-encryption/store-meta'
import { Random } from '../../src/random'
import { fakeKms, memoryStore } from '../../src/subjects'

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const
const TABLE = 'OwnNames'

/** `JSON.parse` makes `__proto__` an own key, as DynamoDB responses and user data do. */
function record<T>(entries: ReadonlyArray<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  return out
}

const own = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key)

function expectSameItem(actual: Item, expected: Item): void {
  expect(Object.getPrototypeOf(actual)).toBe(Object.prototype)
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
  for (const key of Object.keys(expected)) expect(actual[key]).toEqual(expected[key])
}

const key = { content: LocalDelegatedKey.generate('AES', 256), signing: LocalDelegatedKey.generate('HmacSHA256', 256) }
const staticProvider = StaticMaterialsProvider.fromKeys({
  encryptionKey: key.content,
  signingKey: key.signing,
  materialDescription: record(NAMES.map((n) => [n, `description ${n}`] as const)),
})

const nameArb = fc.constantFrom(...NAMES)
const actionArb = fc.constantFrom(CryptoAction.DO_NOTHING, CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN)
const valueArb: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string().map((S) => ({ S })),
  fc.integer().map((n) => ({ N: String(n) })),
  fc.uniqueArray(nameArb, { minLength: 1 }).map((keys) => ({ M: record(keys.map((k) => [k, { S: k }] as const)) })),
  // Sorted by code point, as decryption returns set members.
  fc.uniqueArray(nameArb, { minLength: 1 }).map((SS) => ({ SS: SS.sort() })),
)

describe('names __proto__, constructor, toString, hasOwnProperty in core', () => {
  it('property: items, key names, index keys and overrides round-trip with the expected action on every attribute', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(nameArb, valueArb, fc.option(actionArb, { nil: undefined })), { minLength: 1, selector: ([n]) => n }),
        actionArb,
        fc.option(nameArb, { nil: undefined }),
        fc.option(nameArb, { nil: undefined }),
        async (attributes, defaultAction, partitionKeyName, indexKey) => {
          const item = record<AttributeValue>([...attributes.map(([n, v]) => [n, v] as const), ['pk', { S: 'k' }]])
          let actions = new AttributeActions({ defaultAction, attributeActions: record(attributes.filter(([, , a]) => a !== undefined).map(([n, , a]) => [n, a as CryptoAction] as const)) })
          const keyNames = [partitionKeyName, indexKey].filter((n): n is (typeof NAMES)[number] => n !== undefined)
          try {
            actions = actions.setIndexKeys(...keyNames)
          } catch (error) {
            // Only an explicit ENCRYPT_AND_SIGN override on an index key is refused.
            expect((error as { code?: string }).code).toBe('ERR_INVALID_ARGUMENT')
            return
          }
          for (const name of keyNames) expect(actions.action(name)).not.toBe(CryptoAction.ENCRYPT_AND_SIGN)
          for (const [name, , action] of attributes) {
            const expected = keyNames.includes(name) ? Math.min(action ?? defaultAction, CryptoAction.SIGN_ONLY) : (action ?? defaultAction)
            expect(actions.action(name)).toBe(expected)
          }
          if (actions.takeNoActions) return
          const config: CryptoConfig = {
            materialsProvider: staticProvider,
            attributeActions: actions,
            encryptionContext: { tableName: TABLE, ...(partitionKeyName !== undefined ? { partitionKeyName } : {}) },
          }
          const stored = await encryptItem(item, config)
          for (const [name, value] of attributes) {
            expect(own(stored, name)).toBe(true)
            if (actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN) expect(stored[name]).toHaveProperty('B')
            else expect(stored[name]).toEqual(value)
          }
          expectSameItem(await decryptItem(stored, config), item)
          // Every signed attribute is really signed: changing its stored value breaks the signature.
          for (const [name] of attributes) {
            if (actions.action(name) === CryptoAction.DO_NOTHING) continue
            const tampered = record(Object.keys(stored).map((n) => [n, n === name ? { S: 'changed' } : stored[n]] as const)) as Item
            await expect(decryptItem(tampered, config)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_(SIGNATURE_VERIFICATION|DECRYPTION)_FAILED$/) })
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('material description keys: written, parsed and handed to the provider as own keys', async () => {
    const description = record(NAMES.map((n) => [n, n.toUpperCase()] as const))
    const parsed = deserializeMaterialDescription(serializeMaterialDescription(description))
    expect(Object.keys(parsed).sort()).toEqual([...NAMES].sort())
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    const config: CryptoConfig = { materialsProvider: staticProvider, attributeActions: new AttributeActions(), encryptionContext: { tableName: TABLE } }
    const stored = await encryptItem({ a: { S: 'x' } }, config)
    const written = deserializeMaterialDescription((stored[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
    for (const name of NAMES) expect(own(written, name) && written[name]).toBe(`description ${name}`)
  })

  it('documents: encryptDocument / decryptDocument keep the four names as own fields', async () => {
    const doc = JSON.parse('{"__proto__":"p","constructor":{"hasOwnProperty":[2],"toString":1},"toString":"t","hasOwnProperty":true,"pk":"k"}') as Record<string, unknown>
    const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, toString: CryptoAction.DO_NOTHING, hasOwnProperty: CryptoAction.SIGN_ONLY } })
    const config: CryptoConfig = { materialsProvider: staticProvider, attributeActions: actions, encryptionContext: { tableName: TABLE, partitionKeyName: 'pk' } }
    const stored = await encryptDocument(doc, config)
    expect(own(stored, '__proto__') && stored['__proto__']).toBeInstanceOf(Uint8Array)
    expect(stored['constructor']).toBeInstanceOf(Uint8Array)
    const read = await decryptDocument(stored, config)
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
    expect(JSON.stringify(read)).toBe(JSON.stringify(doc))
  })

  it('documents: a nested map key __proto__ (which @aws-sdk/util-dynamodb drops) is refused both ways, never lost', async () => {
    const config: CryptoConfig = { materialsProvider: staticProvider, attributeActions: new AttributeActions(), encryptionContext: { tableName: TABLE } }
    const nested = JSON.parse('{"a":{"b":[{"__proto__":1}]}}') as Record<string, unknown>
    await expect(encryptDocument(nested, config)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('attribute "a" holds a map key "__proto__" at ["b"][0]["__proto__"]') })
    const stored = await encryptItem(record([['a', { M: record([['__proto__', { N: '1' }]]) }]]), config)
    const asDocument = record(Object.keys(stored).map((n) => [n, (stored[n] as { B: Uint8Array }).B] as const))
    await expect(decryptDocument(asDocument, config)).rejects.toMatchObject({ code: 'ERR_DESERIALIZATION', message: expect.stringContaining('attribute "a" holds a map key "__proto__"') })
  })
})

describe('names __proto__, constructor, toString, hasOwnProperty in the providers', () => {
  const actions = new AttributeActions({ attributeActions: record([['__proto__', CryptoAction.SIGN_ONLY], ['constructor', CryptoAction.SIGN_ONLY], ['toString', CryptoAction.DO_NOTHING]]) })
  const item = record<AttributeValue>([['__proto__', { S: 'partition' }], ['constructor', { N: '7' }], ['toString', { S: 'free' }], ['hasOwnProperty', { S: 'secret' }]])
  const configFor = (provider: CryptographicMaterialsProvider): CryptoConfig => ({
    materialsProvider: provider,
    attributeActions: actions,
    encryptionContext: { tableName: TABLE, partitionKeyName: '__proto__', sortKeyName: 'constructor' },
  })

  it('Direct KMS: the key attributes named __proto__ and constructor and caller entries with the four names are in the KMS context', async () => {
    const sent: Array<Record<string, unknown>> = []
    const kms = fakeKms(new Random(1))
    const recording = { send: async (command: { input: Record<string, unknown> }) => { sent.push(command.input); return (kms.send as (c: unknown) => Promise<unknown>)(command) } }
    const extra = record([['toString', 't'], ['hasOwnProperty', 'h'], ['other', 'o']])
    const provider = new DirectKMSMaterialsProvider({ keyId: 'alias/k', kmsClient: recording as never, kmsEncryptionContext: extra })
    const config = configFor(provider)
    const stored = await encryptItem(item, config)
    expectSameItem(await decryptItem(stored, config), item)
    expect(sent).toHaveLength(2)
    for (const input of sent) {
      const context = input.EncryptionContext as Record<string, string>
      expect(Object.getPrototypeOf(context)).toBe(Object.prototype)
      expect(own(context, '__proto__') && context['__proto__']).toBe('partition')
      expect(own(context, 'constructor') && context['constructor']).toBe('7')
      expect(own(context, 'toString') && context['toString']).toBe('t')
      expect(own(context, 'hasOwnProperty') && context['hasOwnProperty']).toBe('h')
    }
    // Bound to its key: the same item under another partition key value does not decrypt.
    const moved = record(Object.keys(stored).map((n) => [n, n === '__proto__' ? { S: 'other' } : stored[n]] as const)) as Item
    await expect(decryptItem(moved, config)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) })
  })

  it('wrapped: a materialDescription option with the four names is written into the item and read back', async () => {
    const wrappingKey = LocalDelegatedKey.generate('AES', 256)
    const provider = new WrappedMaterialsProvider({
      wrappingKey,
      unwrappingKey: wrappingKey,
      signingKey: key.signing,
      materialDescription: record(NAMES.map((n) => [n, `option ${n}`] as const)),
    })
    const stored = await encryptItem(item, configFor(provider))
    const written = deserializeMaterialDescription((stored[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
    for (const name of NAMES) expect(own(written, name) && written[name]).toBe(`option ${name}`)
    expectSameItem(await decryptItem(stored, configFor(provider)), item)
  })

  it('most recent: items with the four names round-trip through a provider store', async () => {
    const store = memoryStore()
    const provider = new MostRecentProvider({ store, materialName: 'own-names', ttlMs: 60_000 })
    const stored = await encryptItem(item, configFor(provider))
    expectSameItem(await decryptItem(stored, configFor(provider)), item)
  })
})
