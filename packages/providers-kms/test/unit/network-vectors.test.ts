/**
 * Structure check of the network (`awskms`) vectors, offline: for every item the KMS encryption context and
 * ciphertext blob the provider would send to KMS Decrypt must be exactly what FORMAT.md 7.3 says, computed here
 * independently from the vector JSON. Decryption itself needs the real AWS key and is the vectors runner's job.
 */
import { DecryptCommand } from '@aws-sdk/client-kms'
import { type AttributeValue, deserializeMaterialDescription, type Item, MetaStoreAttribute } from '@ddb-encryption/core'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'
import { kmsEncryptionContextFor } from '../../src/kms-encryption-context'
import { FakeKms } from '../support/fake-kms'

type JsonAttribute = Record<string, unknown>
type JsonItem = Record<string, JsonAttribute>

const VECTORS = process.env.DDB_ENCRYPTION_VECTORS ?? resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'vectors')
const ITEM_DIR = join(VECTORS, 'encrypted_item')
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function readJson<T>(uri: string): T {
  const path = uri.startsWith('file://') ? join(ITEM_DIR, uri.slice('file://'.length)) : uri
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

function toAttribute(json: JsonAttribute): AttributeValue {
  const [type, value] = Object.entries(json)[0] ?? []
  switch (type) {
    case 'B': return { B: new Uint8Array(Buffer.from(value as string, 'base64')) }
    case 'BS': return { BS: (value as string[]).map((v) => new Uint8Array(Buffer.from(v, 'base64'))) }
    case 'L': return { L: (value as JsonAttribute[]).map(toAttribute) }
    case 'M': return { M: Object.fromEntries(Object.entries(value as JsonItem).map(([k, v]) => [k, toAttribute(v)])) }
    default: return json as unknown as AttributeValue
  }
}

function toItem(json: JsonItem): Item {
  return Object.fromEntries(Object.entries(json).map(([name, value]) => [name, toAttribute(value)]))
}

/** The expected context value of a key attribute, straight from the vector JSON (B is already base64 there). */
function expectedKeyValue(json: JsonAttribute): string {
  const value = json.S ?? json.N ?? json.B
  if (typeof value !== 'string') throw new Error('key attribute in a vector is not S, N or B')
  return value
}

interface Scenario {
  provider: string
  keys: { decrypt: string }
  plaintext: string
  ciphertext: string
  metastore?: { table_name: string; provider: string; keys: { decrypt: string }; ciphertext: string }
}
interface Plaintext {
  actions: Record<string, { default: string; override?: Record<string, string> }>
  items: Record<string, { index: { partition: string; sort?: string }; items: Array<{ attributes: JsonItem; action: string }> }>
}

interface Case {
  name: string
  keyId: string
  tableName: string
  partition: string
  sort: string | undefined
  item: JsonItem
  plaintextKeys: JsonItem[] | undefined
  /** True when the matching plaintext item's actions are all `nothing`: stored as is, no description. */
  untouched: boolean
}

function keysEqual(a: JsonItem, b: JsonItem, partition: string, sort: string | undefined): boolean {
  return JSON.stringify(a[partition]) === JSON.stringify(b[partition]) &&
    (sort === undefined || JSON.stringify(a[sort]) === JSON.stringify(b[sort]))
}

function loadCases(): Case[] {
  if (!existsSync(join(ITEM_DIR, 'scenarios.json'))) {
    throw new Error(`Test vectors not found at ${VECTORS}; set DDB_ENCRYPTION_VECTORS to the shared vectors folder`)
  }
  const top = readJson<{ keys: string; scenarios: Scenario[] }>(join(ITEM_DIR, 'scenarios.json'))
  const keys = readJson<Record<string, { keyId?: string }>>(top.keys)
  const keyIdOf = (name: string): string => {
    const keyId = keys[name]?.keyId
    if (keyId === undefined) throw new Error(`keys.json entry ${name} has no keyId`)
    return keyId
  }
  const cases: Case[] = []
  for (const scenario of top.scenarios) {
    if (scenario.provider === 'awskms') {
      const plaintext = readJson<Plaintext>(scenario.plaintext)
      const tables = readJson<Record<string, JsonItem[]>>(scenario.ciphertext)
      for (const [tableName, items] of Object.entries(tables)) {
        const table = plaintext.items[tableName]
        if (table === undefined) throw new Error(`${scenario.ciphertext}: table ${tableName} is not in plaintext.json`)
        items.forEach((item, i) => {
          const match = table.items.find((p) => keysEqual(p.attributes, item, table.index.partition, table.index.sort))
          const actions = match === undefined ? undefined : plaintext.actions[match.action]
          const untouched = actions !== undefined && actions.default === 'nothing' &&
            Object.values(actions.override ?? {}).every((a) => a === 'nothing')
          cases.push({
            name: `${scenario.ciphertext} ${tableName} #${i}${untouched ? ' (actions all nothing: stored as is)' : ''}`,
            keyId: keyIdOf(scenario.keys.decrypt),
            tableName,
            partition: table.index.partition,
            sort: table.index.sort,
            item,
            plaintextKeys: table.items.map((p) => p.attributes),
            untouched,
          })
        })
      }
    }
    // A MetaStore protected by Direct KMS: its rows are Direct KMS items keyed by material name N and version V.
    if (scenario.metastore?.provider === 'awskms') {
      const tables = readJson<Record<string, JsonItem[]>>(scenario.metastore.ciphertext)
      for (const [tableName, items] of Object.entries(tables)) {
        if (tableName !== scenario.metastore.table_name) throw new Error(`${scenario.metastore.ciphertext}: unexpected table ${tableName}`)
        items.forEach((item, i) => cases.push({
          name: `${scenario.metastore?.ciphertext} ${tableName} #${i}`,
          keyId: keyIdOf(scenario.metastore?.keys.decrypt ?? ''),
          tableName,
          partition: MetaStoreAttribute.MaterialName,
          sort: MetaStoreAttribute.Version,
          item,
          plaintextKeys: undefined,
          untouched: false,
        }))
      }
    }
  }
  return cases
}

const cases = loadCases()

describe('network (awskms) vectors: KMS Decrypt request structure', () => {
  it('finds awskms scenarios with items', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const descriptionJson = c.item['*amzn-ddb-map-desc*']
    if (c.untouched) {
      // Nothing was encrypted or signed, so KMS was never called for this item: no description, no signature.
      expect(descriptionJson).toBeUndefined()
      expect(c.item['*amzn-ddb-map-sig*']).toBeUndefined()
      return
    }
    expect(typeof descriptionJson?.B).toBe('string')
    const description = deserializeMaterialDescription(new Uint8Array(Buffer.from(descriptionJson?.B as string, 'base64')))
    expect(description['amzn-ddb-wrap-alg']).toBe('kms')
    expect(description['aws-kms-ec-attr']).toBe('*keys*')
    const envKey = description['amzn-ddb-env-key'] ?? ''
    expect(envKey).toMatch(STRICT_BASE64)
    const blob = Buffer.from(envKey, 'base64')
    expect(blob.length).toBeGreaterThan(0)
    expect(blob.toString('base64')).toBe(envKey)

    const expected: Record<string, string> = {
      '*amzn-ddb-env-alg*': description['amzn-ddb-env-alg'] as string,
      '*amzn-ddb-sig-alg*': description['amzn-ddb-sig-alg'] as string,
      [c.partition]: expectedKeyValue(c.item[c.partition] as JsonAttribute),
      '*aws-kms-table*': c.tableName,
    }
    if (c.sort !== undefined) expected[c.sort] = expectedKeyValue(c.item[c.sort] as JsonAttribute)
    expect(expected['*amzn-ddb-env-alg*']).toBeDefined()
    expect(expected['*amzn-ddb-sig-alg*']).toBeDefined()
    // The key values come from an item of plaintext.json with the same keys (where the table has one).
    if (c.plaintextKeys !== undefined) {
      expect(c.plaintextKeys.some((p) => keysEqual(p, c.item, c.partition, c.sort))).toBe(true)
    }

    const context = { tableName: c.tableName, partitionKeyName: c.partition, sortKeyName: c.sort, attributes: toItem(c.item) }
    expect(kmsEncryptionContextFor(description, context)).toStrictEqual(expected)

    // The provider itself sends exactly this context and blob (KMS faked: it only records the request).
    const kms = new FakeKms(() => ({ Plaintext: new Uint8Array(32), KeyId: c.keyId }))
    const provider = new DirectKMSMaterialsProvider({ keyId: c.keyId, kmsClient: kms.asClient() })
    await provider.getDecryptionMaterials({ ...context, materialDescription: description })
    expect(kms.sent).toHaveLength(1)
    expect(kms.sent[0]).toBeInstanceOf(DecryptCommand)
    expect(kms.sent[0]?.input).toStrictEqual({ CiphertextBlob: new Uint8Array(blob), EncryptionContext: expected })
  })
})
