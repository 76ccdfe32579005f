import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import {
  AttributeActions,
  DynamoDBEncryptionError,
  decryptItem,
  deserializeMaterialDescription,
  encryptItem,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { createDynamoDBClient, createKMSClient, createKmsKey, deleteTestTable } from '@ddb-encryption/testing'
import { MOST_RECENT_GRACE_PERIOD_MS, MetaStore, MostRecentProvider, type MetaStoreCreateTableOptions } from '../../src'
import { newMetaProvider } from '../support/meta-provider'

// A hang guard, not a speed check: DynamoDB Local and moto are slow on a shared machine.
jest.setTimeout(60_000)

const ddb = createDynamoDBClient()
const created: string[] = []

afterAll(async () => {
  for (const table of created) await deleteTestTable(ddb, table)
  ddb.destroy()
})

let counter = 0
async function newMetaTable(options?: Omit<MetaStoreCreateTableOptions, 'client' | 'tableName'>): Promise<string> {
  const name = `meta-${process.pid}-${Date.now().toString(36)}-${counter++}`
  await MetaStore.createTable({ client: ddb, tableName: name, ...options })
  created.push(name)
  return name
}

/** Wraps the client and counts the commands sent through it, by command name. */
function countingClient(client: Pick<DynamoDBClient, 'send'> = ddb) {
  const counts: Record<string, number> = {}
  const wrapper = {
    send: ((command: { constructor: { name: string } }) => {
      counts[command.constructor.name] = (counts[command.constructor.name] ?? 0) + 1
      return (client.send as (c: unknown) => Promise<unknown>)(command)
    }) as DynamoDBClient['send'],
  }
  return { client: wrapper, counts }
}

const DATA_TABLE = 'orders'
const dataConfig = (provider: CryptographicMaterialsProvider): CryptoConfig => ({
  materialsProvider: provider,
  encryptionContext: { tableName: DATA_TABLE, partitionKeyName: 'id' },
  attributeActions: new AttributeActions().setIndexKeys('id'),
})
const item = (id: number): Item => ({ id: { N: String(id) }, secret: { S: `secret ${id}` }, blob: { B: new Uint8Array([id, 1, 2]) } })
const metaIdOf = (stored: Item): string | undefined => {
  const desc = stored['*amzn-ddb-map-desc*']
  return desc && 'B' in desc ? deserializeMaterialDescription(desc.B)['amzn-ddb-meta-id'] : undefined
}

describe('MetaStore.createTable', () => {
  it('creates the N/V key schema with provisioned units by default', async () => {
    const name = await newMetaTable()
    const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: name }))
    expect(table?.TableStatus).toBe('ACTIVE')
    expect(table?.KeySchema).toEqual([{ AttributeName: 'N', KeyType: 'HASH' }, { AttributeName: 'V', KeyType: 'RANGE' }])
    expect(table?.AttributeDefinitions).toEqual(expect.arrayContaining([
      { AttributeName: 'N', AttributeType: 'S' }, { AttributeName: 'V', AttributeType: 'N' },
    ]))
    expect(table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(1)
    expect(table?.ProvisionedThroughput?.WriteCapacityUnits).toBe(1)
  })

  it('creates an on-demand table and lets ResourceInUseException through for an existing one', async () => {
    const name = await newMetaTable({ billingMode: 'PAY_PER_REQUEST' })
    const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: name }))
    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    await expect(MetaStore.createTable({ client: ddb, tableName: name })).rejects.toMatchObject({ name: 'ResourceInUseException' })
  })
})

describe('MetaStore and MostRecentProvider on DynamoDB Local', () => {
  it('rotates: items written under versions 0..3 all decrypt, new items use the newest', async () => {
    const tableName = await newMetaTable()
    const store = new MetaStore({ client: ddb, tableName, materialsProvider: newMetaProvider() })
    let clock = 0
    const writer = new MostRecentProvider({ store, materialName: 'orders', ttlMs: 1000, now: () => clock })
    const stored: Item[] = []
    for (let version = 0; version <= 3; version += 1) {
      if (version > 0) await store.newProvider('orders')
      clock += 1000 + MOST_RECENT_GRACE_PERIOD_MS
      const written = await encryptItem(item(version), dataConfig(writer))
      expect(metaIdOf(written)).toBe(`orders#${version}`)
      stored.push(written)
    }
    expect(await store.maxVersion('orders')).toBe(3)
    const reader = new MostRecentProvider({ store, materialName: 'orders', ttlMs: 60_000 })
    for (const [i, written] of stored.entries()) {
      expect(await decryptItem(written, dataConfig(reader))).toEqual(item(i))
    }
    expect(metaIdOf(await encryptItem(item(9), dataConfig(reader)))).toBe('orders#3')
  })

  it('picks up a version created by another MetaStore instance after the TTL', async () => {
    const tableName = await newMetaTable()
    const metaProvider = newMetaProvider()
    const mine = new MetaStore({ client: ddb, tableName, materialsProvider: metaProvider })
    const otherClient = createDynamoDBClient()
    const otherProcess = new MetaStore({ client: otherClient, tableName, materialsProvider: metaProvider })
    let clock = 0
    const provider = new MostRecentProvider({ store: mine, materialName: 'm', ttlMs: 5_000, now: () => clock })
    expect(metaIdOf(await encryptItem(item(1), dataConfig(provider)))).toBe('m#0')
    await otherProcess.newProvider('m')
    clock += 4_999
    expect(metaIdOf(await encryptItem(item(2), dataConfig(provider)))).toBe('m#0')
    clock += 1 + MOST_RECENT_GRACE_PERIOD_MS
    expect(metaIdOf(await encryptItem(item(3), dataConfig(provider)))).toBe('m#1')
    otherClient.destroy()
  })

  it('50 concurrent first encryptions create exactly one version 0 with one store read', async () => {
    const tableName = await newMetaTable()
    const { client, counts } = countingClient()
    const store = new MetaStore({ client, tableName, materialsProvider: newMetaProvider() })
    const provider = new MostRecentProvider({ store, materialName: 'burst', ttlMs: 60_000 })
    const written = await Promise.all(Array.from({ length: 50 }, (_, i) => encryptItem(item(i), dataConfig(provider))))
    expect(new Set(written.map(metaIdOf))).toEqual(new Set(['burst#0']))
    expect(counts).toEqual({ QueryCommand: 1, PutItemCommand: 1 })
    expect(await store.maxVersion('burst')).toBe(0)
    for (const [i, stored] of written.entries()) expect(await decryptItem(stored, dataConfig(provider))).toEqual(item(i))
  })

  it('50 concurrent creators through separate MetaStore instances end up with the same materials', async () => {
    const tableName = await newMetaTable()
    const metaProvider = newMetaProvider()
    const clients = Array.from({ length: 5 }, () => createDynamoDBClient())
    const puts = { tried: 0 }
    const stores = Array.from({ length: 50 }, (_, i) => {
      const { client, counts } = countingClient(clients[i % clients.length]!)
      return { store: new MetaStore({ client, tableName, materialsProvider: metaProvider }), counts }
    })
    const providers = await Promise.all(stores.map(({ store }) => store.getOrCreateProvider('race', 0)))
    for (const { counts } of stores) {
      puts.tried += counts.PutItemCommand ?? 0
      expect(counts.PutItemCommand).toBe(1)
    }
    // Exactly one writer won; the 49 others read the winner.
    expect(stores.filter(({ counts }) => counts.GetItemCommand === undefined)).toHaveLength(1)
    expect(puts.tried).toBe(50)
    // Every provider reads what every other provider wrote: the same keys.
    const first = providers[0]!
    for (const [i, provider] of providers.entries()) {
      expect(await decryptItem(await encryptItem(item(i), dataConfig(provider)), dataConfig(first))).toEqual(item(i))
      expect(await decryptItem(await encryptItem(item(i), dataConfig(first)), dataConfig(provider))).toEqual(item(i))
    }
    for (const client of clients) client.destroy()
  })

  it('fails with a typed error when a stored row is altered', async () => {
    const tableName = await newMetaTable()
    const store = new MetaStore({ client: ddb, tableName, materialsProvider: newMetaProvider() })
    const versionProvider = await store.getOrCreateProvider('tamper', 0)
    const written = await encryptItem(item(1), dataConfig(versionProvider))
    const { Item: row } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { N: { S: 'tamper' }, V: { N: '0' } } }))
    expect(row).toBeDefined()

    // Flip a byte of enc.
    const enc = new Uint8Array(row!.enc!.B!)
    enc[enc.length - 1]! ^= 0x01
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: { ...row!, enc: { B: enc } } }))
    const flipped = await store.provider('tamper', 0).catch((e: unknown) => e)
    expect(DynamoDBEncryptionError.isInstance(flipped)).toBe(true)
    expect((flipped as DynamoDBEncryptionError).code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
    const reader = new MostRecentProvider({ store, materialName: 'tamper', ttlMs: 60_000 })
    await expect(decryptItem(written, dataConfig(reader))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })

    // Move the original row to another version.
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: { ...row!, V: { N: '1' } } }))
    const moved = await store.provider('tamper', 1).catch((e: unknown) => e)
    expect((moved as DynamoDBEncryptionError).code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
  })

  it('works end to end with a KMS-protected MetaStore', async () => {
    const kms = createKMSClient()
    try {
      const { arn } = await createKmsKey(kms)
      const tableName = await newMetaTable()
      const metaProvider = new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms })
      const store = new MetaStore({ client: ddb, tableName, materialsProvider: metaProvider })
      const provider = new MostRecentProvider({ store, materialName: 'kms-protected', ttlMs: 60_000 })
      const written = await encryptItem(item(7), dataConfig(provider))
      expect(metaIdOf(written)).toBe('kms-protected#0')
      const { Item: row } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { N: { S: 'kms-protected' }, V: { N: '0' } } }))
      const rowDescription = deserializeMaterialDescription(row!['*amzn-ddb-map-desc*']!.B!)
      expect(rowDescription['amzn-ddb-wrap-alg']).toBe('kms')
      // A fresh store and provider (another process) read it through KMS.
      const otherStore = new MetaStore({ client: ddb, tableName, materialsProvider: new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms }) })
      const reader = new MostRecentProvider({ store: otherStore, materialName: 'kms-protected', ttlMs: 60_000 })
      expect(await decryptItem(written, dataConfig(reader))).toEqual(item(7))
    } finally {
      kms.destroy()
    }
  })
})
