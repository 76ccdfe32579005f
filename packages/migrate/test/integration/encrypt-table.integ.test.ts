import { QueryCommand } from '@aws-sdk/client-dynamodb'
import { decryptItem, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { createDynamoDBClient, deleteTestTable } from '@ddb-encryption/testing'
import { encryptTable, verifyTable } from '../../src/table-job'
import { loadConfigurationModule } from '../../src/migration-configuration'
import { describeTableSchema, actionsForTable } from '../../src/table-schema'
import { isPlaintextItem } from '../../src/migration-window'
import { concurrentWriter } from '../support/app-writer'
import { createPlaintextTable, plaintextItem } from '../support/plaintext-table'
import { scanAll } from '../support/scan-all'
import { publishTestKeys, removeTestKeys, STATIC_CONFIG_MODULE } from '../support/test-keys'

const ITEMS = Number(process.env.MIGRATE_TEST_ITEMS ?? 10_000)
const client = createDynamoDBClient({ maxAttempts: 10 })
let tableName: string

beforeAll(async () => {
  tableName = await createPlaintextTable(client, ITEMS)
  publishTestKeys(tableName)
}, 300_000)
afterAll(async () => {
  removeTestKeys(tableName)
  await deleteTestTable(client, tableName)
  client.destroy()
})

describe('encryptTable', () => {
  it(`encrypts a ${ITEMS}-item plaintext table with a GSI in place while an application keeps updating random items; every item verifies, no update is lost, a second run changes nothing`, async () => {
    const schema = await describeTableSchema(client, tableName)
    const configuration = await loadConfigurationModule(STATIC_CONFIG_MODULE, { command: 'verify', tableName, destinationTableName: tableName })
    const config: CryptoConfig = {
      materialsProvider: configuration.target.materialsProvider,
      attributeActions: actionsForTable(configuration.target.attributeActions, schema),
      encryptionContext: { tableName, partitionKeyName: 'pk' },
    }
    let stopped = false
    const increments = new Map<string, number>()
    const writers = [0, 1].map(() => concurrentWriter({ client, config, schema, itemCount: ITEMS, stop: () => stopped, increments }))
    const progress: number[] = []
    let result
    try {
      result = await encryptTable({
        client,
        tableName,
        configurationModule: STATIC_CONFIG_MODULE,
        workers: 2,
        totalSegments: 4,
        onProgress: (p) => progress.push(p.counts.scanned),
        progressIntervalMs: 200,
      })
    } finally {
      stopped = true
    }
    const appWrites = (await Promise.all(writers)).reduce((a, b) => a + b, 0)
    if (process.env.MIGRATE_TEST_DEBUG) console.log(JSON.stringify({ appWrites, counts: result.counts, elapsedMs: result.elapsedMs }))
    expect(appWrites).toBeGreaterThan(20)
    expect(result.complete).toBe(true)
    expect(result.counts.failed).toBe(0)
    expect(result.counts.scanned).toBe(ITEMS)
    // Items the application rewrote first were skipped as current; every other one was written from plaintext.
    expect(result.counts.written + result.counts.current).toBe(ITEMS)
    expect(result.counts.fromPlaintext).toBe(result.counts.written)
    expect(progress.at(-1)).toBe(ITEMS)

    const stored = await scanAll(client, tableName)
    expect(stored).toHaveLength(ITEMS)
    let updated = 0
    for (const item of stored) {
      expect(isPlaintextItem(item)).toBe(false)
      expect(item.card).toHaveProperty('B') // encrypted
      const plain = await decryptItem(item, config)
      const i = Number((plain.pk as { S: string }).S.slice('item#'.length))
      const original = plaintextItem(i)
      const count = increments.get(`item#${i}`) ?? 0
      if (count > 0) updated++
      expect(plain.counter).toEqual({ N: String(count) })
      expect(plain.card).toEqual(original.card)
      expect(plain.profile).toEqual(original.profile)
      expect(plain.owner).toEqual(original.owner)
    }
    expect(updated).toBe(increments.size)

    // The GSI still serves the (signed, plaintext) index key.
    const byOwner = await client.send(new QueryCommand({ TableName: tableName, IndexName: 'by-owner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': { S: 'owner#3' } } }))
    expect(byOwner.Items?.length).toBe(Array.from({ length: ITEMS }, (_, i) => i).filter((i) => i % 17 === 3).length)
    for (const item of (byOwner.Items ?? []) as Item[]) await expect(decryptItem(item, config)).resolves.toBeDefined()

    const verified = await verifyTable({ client, tableName, configurationModule: STATIC_CONFIG_MODULE, workers: 2 })
    expect(verified.counts).toMatchObject({ scanned: ITEMS, current: ITEMS, failed: 0, written: 0 })

    const again = await encryptTable({ client, tableName, configurationModule: STATIC_CONFIG_MODULE, workers: 2 })
    expect(again.counts).toMatchObject({ scanned: ITEMS, current: ITEMS, written: 0, failed: 0, conflicts: 0 })
  }, 600_000)
})
