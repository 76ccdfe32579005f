// Decrypt concurrency and ordering, failed items in a page (throw or report), and BatchWriteItem's unprocessed
// items, on DynamoDB Local with real providers.
import * as Low from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { BatchWriteCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, type CryptographicMaterialsProvider, type EncryptionContext } from '@ddb-encryption/core'
import { createDynamoDBClient, createKMSClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import {
  EncryptedDynamoDBClient,
  EncryptedDynamoDBDocumentClient,
  EncryptedTable,
  ItemDecryptionError,
  type DecryptFailureReport,
  type DocumentDecryptFailureReport,
} from '@ddb-encryption/client-helpers'
import { createRealProviders, createWrappedProvider, flakyBatchWriteClient, frozen, type RealProvider } from '../support/integration'

type Item = Record<string, Low.AttributeValue>
const S = (s: string): Low.AttributeValue => ({ S: s })
const N = (n: number | string): Low.AttributeValue => ({ N: String(n) })
const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } })
const PROVIDERS: RealProvider['name'][] = ['wrapped', 'direct-kms', 'most-recent']

let ddb: Low.DynamoDBClient
let kms: KMSClient
let table: string
let cleanup: () => Promise<void>
const providers = new Map<string, CryptographicMaterialsProvider>()

beforeAll(async () => {
  ddb = createDynamoDBClient()
  kms = createKMSClient()
  const [real, name] = await Promise.all([
    createRealProviders(ddb, kms),
    createTestTable(ddb, { namePrefix: 'ch-behaviour', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } }),
  ])
  cleanup = real.cleanup
  table = name
  for (const p of real.providers) providers.set(p.name, p.provider)
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, table)
  await cleanup?.()
  kms?.destroy()
  ddb?.destroy()
})

/** Wraps a provider; getDecryptionMaterials waits a little (longer for early items) and records how many run at once. */
function recordingProvider(inner: CryptographicMaterialsProvider) {
  const stats = { inFlight: 0, maxInFlight: 0, calls: 0 }
  const provider: CryptographicMaterialsProvider = {
    getEncryptionMaterials: (context: EncryptionContext) => inner.getEncryptionMaterials(context),
    async getDecryptionMaterials(context: EncryptionContext) {
      stats.calls++
      stats.inFlight++
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
      try {
        // Early items finish last: if the client returned items in completion order, the order check would fail.
        const sk = Number((context.attributes['sk'] as { N?: string } | undefined)?.N ?? 0)
        await new Promise((resolve) => setTimeout(resolve, 1 + ((100 - sk) % 5)))
        return await inner.getDecryptionMaterials(context)
      } finally {
        stats.inFlight--
      }
    },
    refresh: () => inner.refresh(),
  }
  return { provider, stats }
}

describe('decryptConcurrency', () => {
  const inner = createWrappedProvider()
  const items: Item[] = Array.from({ length: 100 }, (_, sk) => ({ pk: S('conc'), sk: N(sk), status: S('s'), body: S(`body ${sk}`) }))

  beforeAll(async () => {
    const writer = new EncryptedTable({ client: ddb, tableName: table, materialsProvider: inner, attributeActions: actions })
    const result = await writer.batchWrite({ put: items.map((i) => ({ pk: 'conc', sk: Number(i['sk']?.N), status: 's', body: i['body']?.S })) })
    expect(result.unprocessedPuts).toEqual([])
  }, 30_000) // 100 items in four batches on a shared, loaded machine

  it.each([1, 4, 16, 100, 150])('a 100-item Query with decryptConcurrency %i overlaps up to it, never beyond, in DynamoDB\'s order', async (concurrency) => {
    const { provider, stats } = recordingProvider(inner)
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions, decryptConcurrency: concurrency })
    const query = { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('conc') }, ScanIndexForward: false, ConsistentRead: true }
    const storedOrder = (await ddb.send(new Low.QueryCommand(query))).Items?.map((i) => i['sk']?.N)
    expect(storedOrder).toHaveLength(100)
    const out = await client.send(new Low.QueryCommand(query))
    expect(out.Items?.map((i) => i['sk']?.N)).toEqual(storedOrder)
    expect(out.Items).toEqual([...items].reverse())
    expect(stats.calls).toBe(100)
    expect(stats.maxInFlight).toBe(Math.min(concurrency, 100))
    expect(stats.inFlight).toBe(0)
  })

  it('defaults to 16 at once, for the document client too', async () => {
    const { provider, stats } = recordingProvider(inner)
    const doc = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    const out = await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'conc' } }))
    expect(out.Items?.map((i) => i['sk'])).toEqual(items.map((_, sk) => sk))
    expect(stats.maxInFlight).toBe(16)
  })
})

describe.each(PROVIDERS)('a failed item in a page, with the %s provider', (providerName) => {
  const pk = `fail-${providerName}`
  const query = { TableName: '', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S(pk) }, ConsistentRead: true }
  let provider: CryptographicMaterialsProvider
  let good: Item[]

  beforeAll(async () => {
    query.TableName = table
    provider = providers.get(providerName) as CryptographicMaterialsProvider
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    good = [1, 2, 3, 4].map((sk) => ({ pk: S(pk), sk: N(sk), status: S('ok'), body: S(`b${sk}`) }))
    for (const Item of good) await client.send(new Low.PutItemCommand({ TableName: table, Item }))
    // sk 2: a signed attribute changed in storage; sk 5: written with other keys.
    const stored = (await ddb.send(new Low.GetItemCommand({ TableName: table, Key: { pk: S(pk), sk: N(2) }, ConsistentRead: true }))).Item as Item
    await ddb.send(new Low.PutItemCommand({ TableName: table, Item: { ...stored, status: S('tampered') } }))
    const stranger = EncryptedDynamoDBClient.from(ddb, { materialsProvider: createWrappedProvider(), attributeActions: actions })
    await stranger.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S(pk), sk: N(5), status: S('ok'), body: S('b5') } }))
  })

  it('fails the Query with ItemDecryptionError naming the key, not the values', async () => {
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    const error = await client.send(new Low.QueryCommand(query)).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(ItemDecryptionError)
    expect(error).toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
    expect([{ pk: S(pk), sk: N(2) }, { pk: S(pk), sk: N(5) }]).toContainEqual((error as ItemDecryptionError).key)
    expect((error as Error).message).not.toMatch(/tampered|\bb[1-5]\b/)
    expect((error as Error).cause).toBeDefined()
  })

  it('with onDecryptFailure "report", returns the good items in order beside the failed ones (low-level, document, EncryptedTable)', async () => {
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions, onDecryptFailure: 'report' })
    const out: { Items?: Item[] } & DecryptFailureReport = await client.send(new Low.QueryCommand(query))
    expect(out.Items).toEqual([good[0], good[2], good[3]])
    expect(out.FailedItems?.map((f) => f.key)).toEqual([{ pk: S(pk), sk: N(2) }, { pk: S(pk), sk: N(5) }])
    expect(out.FailedItems?.every((f) => f.tableName === table && f.error instanceof ItemDecryptionError)).toBe(true)
    const scan = await client.send(new Low.ScanCommand({ TableName: table, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S(pk) }, ConsistentRead: true }))
    expect(scan.Items).toEqual([good[0], good[2], good[3]])
    expect((scan as DecryptFailureReport).FailedItems).toHaveLength(2)

    const doc = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider: provider, attributeActions: actions, onDecryptFailure: 'report' })
    const docOut: QueryCommandOutput & DocumentDecryptFailureReport = await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk } }))
    expect(docOut.Items?.map((i) => i['sk'])).toEqual([1, 3, 4])
    expect(docOut.FailedItems?.map((f) => f.key)).toEqual([{ pk: S(pk), sk: N(2) }, { pk: S(pk), sk: N(5) }])

    const encryptedTable = new EncryptedTable({ client: ddb, tableName: table, materialsProvider: provider, attributeActions: actions, onDecryptFailure: 'report' })
    const page = await encryptedTable.query({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk } })
    expect(page.items.map((i) => i['body'])).toEqual(['b1', 'b3', 'b4'])
    expect(page.failedItems?.map((f) => f.key)).toEqual([{ pk, sk: 2 }, { pk, sk: 5 }])
  })
})

describe('BatchWriteItem unprocessed items', () => {
  const provider = createWrappedProvider()
  const requests = (pk: string) => [1, 2, 3].map((sk) => ({ PutRequest: { Item: { pk: S(pk), sk: N(sk), status: S('s'), body: S(`secret ${sk}`) } } }))

  it('come back as the caller\'s plaintext requests when there is no retry', async () => {
    const flaky = flakyBatchWriteClient(ddb, { unprocessed: 2, times: 1 })
    const client = EncryptedDynamoDBClient.from(flaky, { materialsProvider: provider, attributeActions: actions })
    const input = frozen({ RequestItems: { [table]: [...requests('unproc'), { DeleteRequest: { Key: { pk: S('nothing'), sk: N(1) } } }] } })
    const out = await client.send(new Low.BatchWriteItemCommand(input.value))
    expect(out.UnprocessedItems).toEqual({ [table]: input.snapshot.RequestItems[table]?.slice(0, 2) })
    expect(out.UnprocessedItems?.[table]?.[0]).toBe(input.value.RequestItems[table]?.[0])
    expect(input.value).toEqual(input.snapshot)
    expect(flaky.batchWrites).toBe(1)
    // Sending them again through the encrypted client finishes the job.
    await client.send(new Low.BatchWriteItemCommand({ RequestItems: out.UnprocessedItems ?? {} }))
    const check = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    const all = await check.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('unproc') }, ConsistentRead: true }))
    expect(all.Items).toEqual(requests('unproc').map((r) => r.PutRequest.Item))
  })

  it('are retried by the batchWriteRetry option until done', async () => {
    const flaky = flakyBatchWriteClient(ddb, { unprocessed: 2, times: 2 })
    const client = EncryptedDynamoDBClient.from(flaky, { materialsProvider: provider, attributeActions: actions, batchWriteRetry: { maxAttempts: 3, baseDelayMs: 1 } })
    const out = await client.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: requests('retry') } }))
    expect(out.UnprocessedItems ?? {}).toEqual({})
    expect(flaky.batchWrites).toBe(3)
    const check = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    const all = await check.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('retry') }, ConsistentRead: true }))
    expect(all.Items).toEqual(requests('retry').map((r) => r.PutRequest.Item))
  })

  it('left after every retry come back as plaintext; the document client returns native values', async () => {
    const flaky = flakyBatchWriteClient(ddb, { unprocessed: 1, times: 10 })
    const doc = EncryptedDynamoDBDocumentClient.from(flaky, { materialsProvider: provider, attributeActions: actions, batchWriteRetry: { maxAttempts: 2, baseDelayMs: 1 } })
    const input = frozen({ RequestItems: { [table]: [1, 2].map((sk) => ({ PutRequest: { Item: { pk: 'left', sk, body: { deep: [sk] } } } })) } })
    const out = await doc.send(new BatchWriteCommand(input.value))
    expect(out.UnprocessedItems).toEqual({ [table]: [input.snapshot.RequestItems[table]?.[0]] })
    expect(flaky.batchWrites).toBe(2)
    expect(input.value).toEqual(input.snapshot)
  })
})

describe('ReturnValuesOnConditionCheckFailure: ALL_OLD', () => {
  const provider = createWrappedProvider()
  const old: Item = { pk: S('ccf'), sk: N(1), status: S('s'), body: S('old secret') }
  let client: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
  beforeAll(async () => {
    const withViews = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
    client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: withViews })
    await client.send(new Low.PutItemCommand({ TableName: table, Item: old }))
  })
  const failing = { ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }

  it('gives the decrypted old item in the ConditionalCheckFailedException of PutItem, DeleteItem and UpdateItem', async () => {
    for (const send of [
      () => client.send(new Low.PutItemCommand({ TableName: table, Item: { ...old, body: S('new') }, ...failing })),
      () => client.send(new Low.DeleteItemCommand({ TableName: table, Key: { pk: S('ccf'), sk: N(1) }, ...failing })),
      () => client.send(new Low.UpdateItemCommand({ TableName: table, Key: { pk: S('ccf'), sk: N(1) }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':v': N(1) }, ...failing })),
    ]) {
      const error = await send().then(() => undefined, (e: unknown) => e)
      expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', Item: old })
    }
  })

  it('gives the decrypted old item in each cancellation reason of TransactWriteItems', async () => {
    const error = await client.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: table, Item: { pk: S('ccf'), sk: N(2), body: S('fine') } } },
      { Put: { TableName: table, Item: { ...old, body: S('new') }, ...failing } },
    ] })).then(() => undefined, (e: unknown) => e) as { name?: string; CancellationReasons?: { Code?: string; Item?: Item }[] }
    expect(error?.name).toBe('TransactionCanceledException')
    expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ConditionalCheckFailed'])
    expect(error.CancellationReasons?.[1]?.Item).toEqual(old)
  })

  it('drops an old item that fails to verify instead of handing back ciphertext', async () => {
    const stranger = EncryptedDynamoDBClient.from(ddb, { materialsProvider: createWrappedProvider(), attributeActions: actions })
    const error = await stranger.send(new Low.PutItemCommand({ TableName: table, Item: old, ...failing })).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException' })
    expect((error as { Item?: unknown }).Item).toBeUndefined()
  })
})
