import { deepFreeze, FakeDynamoDB } from '@ddb-encryption/testing'
import {
  AttributeActions,
  CryptoAction,
  DynamoDBEncryptionError,
  InvalidArgumentError,
  InvalidVersionError,
  ProviderStoreError,
  decryptItem,
  encryptItem,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { createCipheriv } from 'node:crypto'
import { MetaStore } from '../../src/meta-store'
import { MostRecentProvider } from '../../src/most-recent-provider'
import { newMetaProvider } from '../support/meta-provider'

const TABLE = 'meta'
const NAME = 'orders'

/** The key of version `version` of NAME in the MetaStore table. */
const rowKey = (version: number | string, name = NAME) => ({ N: { S: name }, V: { N: String(version) } })

function setup(options: { consistentRead?: boolean } = {}) {
  const ddb = new FakeDynamoDB({ [TABLE]: { pk: 'N', sk: 'V' } })
  const inner = newMetaProvider()
  // A pass-through wrapper, so tests can count how often the rows are decrypted.
  const metaProvider = {
    getEncryptionMaterials: jest.fn((context: Parameters<typeof inner.getEncryptionMaterials>[0]) => inner.getEncryptionMaterials(context)),
    getDecryptionMaterials: jest.fn((context: Parameters<typeof inner.getDecryptionMaterials>[0]) => inner.getDecryptionMaterials(context)),
    refresh: () => inner.refresh(),
  }
  const store = new MetaStore({ client: ddb.client, tableName: TABLE, materialsProvider: metaProvider, ...options })
  const rowConfig: CryptoConfig = {
    materialsProvider: metaProvider,
    encryptionContext: { tableName: TABLE, partitionKeyName: 'N', sortKeyName: 'V' },
    attributeActions: new AttributeActions({ attributeActions: { N: CryptoAction.SIGN_ONLY, V: CryptoAction.SIGN_ONLY } }),
  }
  return { ddb, metaProvider, store, rowConfig }
}

const dataConfig = (provider: CryptographicMaterialsProvider): CryptoConfig => ({
  materialsProvider: provider,
  encryptionContext: { tableName: 'data', partitionKeyName: 'pk' },
  attributeActions: new AttributeActions().setIndexKeys('pk'),
})
const dataItem: Item = { pk: { S: 'customer-1' }, secret: { S: 'hello' }, amount: { N: '12.5' } }

async function roundTrip(writer: CryptographicMaterialsProvider, reader: CryptographicMaterialsProvider): Promise<Item> {
  const stored = await encryptItem(dataItem, dataConfig(writer))
  return decryptItem(stored, dataConfig(reader))
}

describe('MetaStore constructor', () => {
  it('validates its options', () => {
    const { ddb, metaProvider } = setup()
    expect(() => new MetaStore({ client: {} as never, tableName: TABLE, materialsProvider: metaProvider })).toThrow('"client" option')
    expect(() => new MetaStore({ client: ddb.client, tableName: '', materialsProvider: metaProvider })).toThrow(InvalidArgumentError)
    expect(() => new MetaStore({ client: ddb.client, tableName: TABLE, materialsProvider: {} as never })).toThrow('"materialsProvider" option')
    expect(() => new MetaStore({ client: ddb.client, tableName: TABLE, materialsProvider: metaProvider, consistentRead: 'yes' as never })).toThrow(InvalidArgumentError)
  })
  it('defaults to consistent reads and is frozen', () => {
    const { store } = setup()
    expect(store.consistentRead).toBe(true)
    expect(Object.isFrozen(store)).toBe(true)
  })
})

describe('MetaStore.getOrCreateProvider', () => {
  it('writes the row of FORMAT.md 7.4 with a conditional put', async () => {
    const { ddb, store, rowConfig } = setup()
    await store.getOrCreateProvider(NAME, 0)
    expect(ddb.sent.map((s) => s.op)).toEqual(['PutItem'])
    const input = ddb.sent[0]!.input
    expect(input.TableName).toBe(TABLE)
    expect(input.ConditionExpression).toBe('attribute_not_exists(#N) AND attribute_not_exists(#V)')
    expect(input.ExpressionAttributeNames).toEqual({ '#N': 'N', '#V': 'V' })
    const stored = input.Item as Record<string, Record<string, unknown>>
    expect(ddb.getItem(TABLE, rowKey(0))).toBeDefined()
    expect(Object.keys(stored).sort()).toEqual(['*amzn-ddb-map-desc*', '*amzn-ddb-map-sig*', 'N', 'V', 'enc', 'encAlg', 'int', 'intAlg', 't'])
    expect(stored.N).toEqual({ S: NAME })
    expect(stored.V).toEqual({ N: '0' })
    for (const name of ['t', 'encAlg', 'enc', 'intAlg', 'int']) expect(Object.keys(stored[name]!)).toEqual(['B'])

    const row = await decryptItem(ddb.getItem(TABLE, rowKey(0)) as Item, rowConfig)
    expect(row.t).toEqual({ S: '0' })
    expect(row.encAlg).toEqual({ S: 'AES' })
    expect(row.intAlg).toEqual({ S: 'HmacSHA256' })
    expect((row.enc as { B: Uint8Array }).B).toHaveLength(32)
    expect((row.int as { B: Uint8Array }).B).toHaveLength(32)
    expect(Buffer.from((row.enc as { B: Uint8Array }).B).equals(Buffer.from((row.int as { B: Uint8Array }).B))).toBe(false)
  })

  it('returns a provider whose items name the version and decrypt through a loaded copy', async () => {
    const { store } = setup()
    const created = await store.getOrCreateProvider(NAME, 0)
    const stored = await encryptItem(dataItem, dataConfig(created))
    const description = (await created.getEncryptionMaterials({ attributes: dataItem, materialDescription: {} })).materialDescription
    expect(description['amzn-ddb-meta-id']).toBe(`${NAME}#0`)
    expect(description['amzn-ddb-wrap-alg']).toBe('AESWrap')
    const loaded = await store.provider(NAME, 0)
    expect(await decryptItem(stored, dataConfig(loaded))).toEqual(dataItem)
  })

  it('reads the winner when another writer created the version first', async () => {
    const { ddb, store, metaProvider } = setup()
    const other = new MetaStore({ client: ddb.client, tableName: TABLE, materialsProvider: metaProvider })
    const winner = await other.getOrCreateProvider(NAME, 0)
    ddb.requests.length = 0
    const loser = await store.getOrCreateProvider(NAME, 0)
    expect(ddb.sent.map((s) => s.op)).toEqual(['PutItem', 'GetItem'])
    expect(ddb.sent[1]!.input.ConsistentRead).toBe(true)
    expect(await roundTrip(winner, loser)).toEqual(dataItem)
    expect(await roundTrip(loser, winner)).toEqual(dataItem)
  })

  it('passes other DynamoDB errors through and does not return unsaved keys', async () => {
    const { ddb, store } = setup()
    ddb.answers.PutItem = [{ error: 'ProvisionedThroughputExceededException' }]
    await expect(store.getOrCreateProvider(NAME, 0)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' })
    expect(ddb.count('GetItem')).toBe(0)
    expect(ddb.tables.get(TABLE)?.size).toBe(0)
  })

  it('refuses material names containing "#" and bad versions', async () => {
    const { ddb, store } = setup()
    await expect(store.getOrCreateProvider('a#b', 0)).rejects.toThrow(InvalidArgumentError)
    await expect(store.getOrCreateProvider(NAME, -1)).rejects.toThrow(InvalidArgumentError)
    await expect(store.getOrCreateProvider(NAME, 0.5)).rejects.toThrow('"version" must be a non-negative integer')
    await expect(store.provider('x#1', 1)).rejects.toThrow(InvalidArgumentError)
    await expect(store.maxVersion('x#1')).rejects.toThrow(InvalidArgumentError)
    expect(ddb.sent).toHaveLength(0)
  })
})

describe('MetaStore.provider', () => {
  it('loads with a consistent GetItem and never creates', async () => {
    const { ddb, store } = setup()
    const error = await store.provider(NAME, 3).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidVersionError)
    expect((error as InvalidVersionError).code).toBe('ERR_INVALID_VERSION')
    expect((error as Error).message).toMatch(/Version 3 of the requested material name was not found in table "meta"/)
    expect(ddb.sent).toEqual([{ op: 'GetItem', input: { TableName: TABLE, Key: { N: { S: NAME }, V: { N: '3' } }, ConsistentRead: true } }])
    expect(ddb.count('PutItem')).toBe(0)
  })

  it('uses eventually consistent reads when asked', async () => {
    const { ddb, store } = setup({ consistentRead: false })
    await store.getOrCreateProvider(NAME, 0)
    await store.provider(NAME, 0)
    await store.maxVersion(NAME)
    expect(ddb.sent.filter((s) => s.op !== 'PutItem').map((s) => s.input.ConsistentRead)).toEqual([false, false])
  })

  it('without a version, creates version 0 or loads the newest', async () => {
    const { ddb, store } = setup()
    const first = await store.provider(NAME)
    expect(ddb.sent.map((s) => s.op)).toEqual(['Query', 'PutItem'])
    await store.newProvider(NAME)
    ddb.requests.length = 0
    const newest = await store.provider(NAME)
    expect(ddb.sent.map((s) => s.op)).toEqual(['Query', 'GetItem'])
    expect((ddb.sent[1]!.input.Key as Record<string, unknown>).V).toEqual({ N: '1' })
    const stored = await encryptItem(dataItem, dataConfig(first))
    await expect(decryptItem(stored, dataConfig(newest))).rejects.toBeInstanceOf(DynamoDBEncryptionError)
  })

  it('refuses a row whose material type is not "0"', async () => {
    const { ddb, store, rowConfig } = setup()
    const row = await encryptItem({
      N: { S: NAME }, V: { N: '0' }, t: { S: '1' }, encAlg: { S: 'AES' }, enc: { B: new Uint8Array(32) },
      intAlg: { S: 'HmacSHA256' }, int: { B: new Uint8Array(32) },
    }, rowConfig)
    ddb.putItem(TABLE, row)
    const error = await store.provider(NAME, 0).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidVersionError)
    expect((error as Error).message).toMatch(/Unsupported material type/)
  })

  it.each(['enc', 'int', 'encAlg', 'intAlg'])('refuses a row without %s (ProviderStoreError)', async (missing) => {
    const { ddb, store, rowConfig } = setup()
    const plain: Record<string, unknown> = {
      N: { S: NAME }, V: { N: '0' }, t: { S: '0' }, encAlg: { S: 'AES' }, enc: { B: new Uint8Array(32) },
      intAlg: { S: 'HmacSHA256' }, int: { B: new Uint8Array(32) },
    }
    delete plain[missing]
    ddb.putItem(TABLE, await encryptItem(plain as Item, rowConfig))
    const error = await store.provider(NAME, 0).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderStoreError)
    expect((error as ProviderStoreError).code).toBe('ERR_PROVIDER_STORE')
    expect((error as Error).message).toMatch(/Invalid record in MetaStore/)
  })

  it('accepts short keys on read (16-byte enc, 8-byte int)', async () => {
    const { ddb, store, rowConfig } = setup()
    ddb.putItem(TABLE, await encryptItem({
      N: { S: NAME }, V: { N: '5' }, t: { S: '0' }, encAlg: { S: 'AES' }, enc: { B: new Uint8Array(16).fill(1) },
      intAlg: { S: 'HmacSHA256' }, int: { B: new Uint8Array(8).fill(2) },
    }, rowConfig))
    const provider = await store.provider(NAME, 5)
    // A content key wrapped (RFC 3394) under the 16-byte enc, as a Python writer would store it.
    const wrap = createCipheriv('id-aes128-wrap', new Uint8Array(16).fill(1), Buffer.from('A6A6A6A6A6A6A6A6', 'hex'))
    const wrapped = Buffer.concat([wrap.update(new Uint8Array(32).fill(3)), wrap.final()])
    const materials = await provider.getDecryptionMaterials({
      attributes: {},
      materialDescription: {
        'amzn-ddb-meta-id': `${NAME}#5`, 'amzn-ddb-env-key': wrapped.toString('base64'),
        'amzn-ddb-env-alg': 'AES/256', 'amzn-ddb-wrap-alg': 'AESWrap',
      },
    })
    expect(materials.verificationKey.algorithm).toBe('HmacSHA256')
    expect(materials.decryptionKey?.algorithm).toBe('AES')
  })

  it('fails with a typed error when a stored row was altered', async () => {
    const { ddb, store } = setup()
    await store.getOrCreateProvider(NAME, 0)
    const row = ddb.getItem(TABLE, rowKey(0))!
    const enc = row.enc!.B!
    enc[enc.length - 1]! ^= 1
    ddb.putItem(TABLE, row)
    const error = await store.provider(NAME, 0).catch((e: unknown) => e)
    expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
    expect((error as DynamoDBEncryptionError).code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
  })

  it('fails with a typed error when a row was copied to another version', async () => {
    const { ddb, store } = setup()
    await store.getOrCreateProvider(NAME, 0)
    const row = ddb.getItem(TABLE, rowKey(0))!
    ddb.putItem(TABLE, { ...row, V: { N: '1' } })
    const error = await store.provider(NAME, 1).catch((e: unknown) => e)
    expect((error as DynamoDBEncryptionError).code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
  })
})

describe('MetaStore.maxVersion', () => {
  it('returns undefined when the name has no version', async () => {
    const { store } = setup()
    expect(await store.maxVersion(NAME)).toBeUndefined()
  })

  it('queries V only, newest first, consistently, without decrypting', async () => {
    const { ddb, store, metaProvider } = setup()
    await store.getOrCreateProvider(NAME, 0)
    await store.getOrCreateProvider(NAME, 7)
    await store.getOrCreateProvider('other', 9)
    ddb.requests.length = 0
    expect(await store.maxVersion(NAME)).toBe(7)
    expect(ddb.sent).toEqual([{
      op: 'Query',
      input: {
        TableName: TABLE,
        KeyConditionExpression: '#N = :name',
        ExpressionAttributeNames: { '#N': 'N', '#V': 'V' },
        ExpressionAttributeValues: { ':name': { S: NAME } },
        ProjectionExpression: '#V',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      },
    }])
    expect(metaProvider.getDecryptionMaterials).not.toHaveBeenCalled()
  })

  it('refuses a stored V that is not a non-negative integer', async () => {
    const { ddb, store } = setup()
    ddb.putItem(TABLE, rowKey('1.5'))
    await expect(store.maxVersion(NAME)).rejects.toThrow(ProviderStoreError)
  })
})

describe('MetaStore.newProvider', () => {
  it('creates 0, then max + 1', async () => {
    const { ddb, store } = setup()
    await store.newProvider(NAME)
    await store.newProvider(NAME)
    await store.newProvider(NAME)
    expect([0, 1, 2, 3].map((version) => ddb.getItem(TABLE, rowKey(version)) !== undefined)).toEqual([true, true, true, false])
    expect(ddb.tables.get(TABLE)?.size).toBe(3)
    expect(await store.maxVersion(NAME)).toBe(2)
  })
})

describe('MetaStore.versionFromMaterialDescription', () => {
  it('reads the version after the first "#"', () => {
    const { store } = setup()
    expect(store.versionFromMaterialDescription({ 'amzn-ddb-meta-id': 'my material name#5' })).toBe(5)
    expect(() => store.versionFromMaterialDescription({})).toThrow(ProviderStoreError)
  })
})

describe('MetaStore.createTable', () => {
  const creating = () => ({ body: { Table: { TableName: TABLE, TableStatus: 'CREATING' } } })

  it('creates N (S) HASH, V (N) RANGE with 1/1 provisioned units by default and waits for ACTIVE', async () => {
    const ddb = new FakeDynamoDB()
    ddb.answers.DescribeTable = [creating(), creating()]
    await MetaStore.createTable({ client: ddb.client, tableName: TABLE })
    expect(ddb.sent[0]).toEqual({
      op: 'CreateTable',
      input: {
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'N', AttributeType: 'S' }, { AttributeName: 'V', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'N', KeyType: 'HASH' }, { AttributeName: 'V', KeyType: 'RANGE' }],
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      },
    })
    expect(ddb.count('DescribeTable')).toBe(3)
  })

  it('supports on-demand billing and custom units', async () => {
    const ddb = new FakeDynamoDB()
    await MetaStore.createTable({ client: ddb.client, tableName: 'a', billingMode: 'PAY_PER_REQUEST' })
    await MetaStore.createTable({ client: ddb.client, tableName: 'b', readCapacityUnits: 5, writeCapacityUnits: 2 })
    const creates = ddb.sent.filter((s) => s.op === 'CreateTable').map((s) => s.input)
    expect(creates[0]!.BillingMode).toBe('PAY_PER_REQUEST')
    expect(creates[0]!.ProvisionedThroughput).toBeUndefined()
    expect(creates[1]!.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 })
  })

  it('validates its options', async () => {
    const ddb = new FakeDynamoDB()
    await expect(MetaStore.createTable({ client: ddb.client, tableName: TABLE, readCapacityUnits: 0 })).rejects.toThrow(InvalidArgumentError)
    await expect(MetaStore.createTable({ client: ddb.client, tableName: TABLE, billingMode: 'FREE' as never })).rejects.toThrow(InvalidArgumentError)
    // The client and the table name are options like the others (one way to pass a client: `{ client }`).
    await expect(MetaStore.createTable({ tableName: TABLE } as never)).rejects.toThrow('MetaStore.createTable: "client" option must be a DynamoDB client')
    await expect(MetaStore.createTable(ddb.client as never)).rejects.toThrow('MetaStore.createTable: "client" option must be a DynamoDB client') // the old positional call
    await expect(MetaStore.createTable({ client: ddb.client } as never)).rejects.toThrow('MetaStore.createTable: "tableName" option must be a non-empty string')
    await expect(MetaStore.createTable({ client: ddb.client, tableName: '' })).rejects.toThrow(InvalidArgumentError)
    expect(ddb.sent).toHaveLength(0)
  })

  it('gives up with ProviderStoreError when the table never becomes ACTIVE', async () => {
    const ddb = new FakeDynamoDB()
    ddb.answers.DescribeTable = Array.from({ length: 100 }, creating)
    await expect(MetaStore.createTable({ client: ddb.client, tableName: TABLE, waitTimeoutMs: 0 })).rejects.toThrow(ProviderStoreError)
  })
})

describe('MetaStore with MostRecentProvider (offline)', () => {

  it('never mutates deep-frozen items, configs or contexts', async () => {
    const { store } = setup()
    const provider = new MostRecentProvider({ store, materialName: NAME, ttlMs: 60_000 })
    const config = deepFreeze({ ...dataConfig(provider), encryptionContext: { tableName: 'data', partitionKeyName: 'pk' } })
    const input = deepFreeze({ pk: { S: 'k' }, secret: { S: 'v' } })
    const stored = deepFreeze(await encryptItem(input, config))
    expect(await decryptItem(stored, config)).toEqual(input)
    await expect(provider.getEncryptionMaterials(deepFreeze({ attributes: input, materialDescription: {} }))).resolves.toBeDefined()
  })
})
