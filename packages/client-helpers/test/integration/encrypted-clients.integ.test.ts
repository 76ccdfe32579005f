import * as Low from '@aws-sdk/client-dynamodb'
import * as Doc from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute } from '@ddb-encryption/core'
import { aesHmacProvider, createDynamoDBClient, createTestTable, deepFreeze, deleteTestTable } from '@ddb-encryption/testing'
import {
  EncryptedDynamoDBClient,
  EncryptedDynamoDBDocumentClient,
  EncryptedTable,
  ItemDecryptionError,
  TableInfo,
  type DocumentDecryptFailureReport,
} from '@ddb-encryption/client-helpers'
import { createEventsTable, flakyBatchWriteClient } from '../support/integration'

const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })

let ddb: Low.DynamoDBClient
let events: string // pk (S) + sk (N), GSI on status (ALL), GSI keys-only on owner, LSI on created (ALL), LSI keys-only on rank
let users: string // pk only
const sent: string[] = []

beforeAll(async () => {
  ddb = createDynamoDBClient()
  events = await createEventsTable(ddb, 'ch-events', 'KEYS_ONLY')
  users = await createTestTable(ddb, { namePrefix: 'ch-users', partitionKey: { name: 'id', type: 'B' } })
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, events)
  await deleteTestTable(ddb, users)
  ddb.destroy()
})

/** A client whose send is spied: `sent` lists every operation DynamoDB received. */
function spiedClient(): Low.DynamoDBClient {
  const spy = Object.create(ddb) as Low.DynamoDBClient
  Object.defineProperty(spy, 'send', {
    value: (command: { schema?: unknown[]; constructor: { name: string } }, ...rest: unknown[]) => {
      sent.push(String(command.schema?.[2] ?? command.constructor.name))
      return (ddb.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest)
    },
  })
  return spy
}

const everyType = () => ({
  s: 'text', n: 42, big: 12345678901234567890n, b: new Uint8Array([1, 2, 3]), ss: new Set(['a', 'b']), ns: new Set([1, 2.5]),
  bs: new Set([new Uint8Array([9])]), bool: true, nul: null, l: ['x', 1, { y: false }], m: { inner: { deep: 'v' }, list: [1, 2] },
})

describe('EncryptedDynamoDBDocumentClient on DynamoDB Local', () => {
  const provider = aesHmacProvider()
  let doc: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
  beforeAll(() => {
    doc = EncryptedDynamoDBDocumentClient.from(spiedClient(), {
      materialsProvider: provider, attributeActions: actions, unmarshallOptions: { wrapNumbers: (v: string) => (v.length > 15 ? BigInt(v) : Number(v)) },
      marshallOptions: { removeUndefinedValues: true },
    })
  })

  it('round-trips items with every attribute type and stores them encrypted, index keys signed but readable', async () => {
    const item = deepFreeze({ pk: 'p1', sk: 1, status: 'open', owner: 'ann', created: '2024-01-01', rank: 7, views: 3, gone: undefined, ...everyType() })
    await doc.send(new Doc.PutCommand({ TableName: events, Item: item }))
    const raw = (await ddb.send(new Low.GetItemCommand({ TableName: events, Key: { pk: { S: 'p1' }, sk: { N: '1' } } }))).Item ?? {}
    expect(raw['s']).toHaveProperty('B')
    expect(raw['m']).toHaveProperty('B')
    expect(raw['owner']).toEqual({ S: 'ann' }) // GSI key: SIGN_ONLY
    expect(raw['created']).toEqual({ S: '2024-01-01' }) // LSI key
    expect(raw['status']).toEqual({ S: 'open' })
    expect(raw['views']).toEqual({ N: '3' })
    expect(raw[ReservedAttribute.Signature]).toHaveProperty('B')
    const { Item } = await doc.send(new Doc.GetCommand({ TableName: events, Key: { pk: 'p1', sk: 1 } }))
    const { gone: _gone, ...expected } = item
    expect(Item).toEqual(expected)
  })

  it('queries the table, a GSI and an LSI with ALL projections, and pages with lib-dynamodb paginateQuery', async () => {
    const items = [2, 3, 4, 5].map((sk) => ({ pk: 'q', sk, status: 'busy', owner: 'bob', created: `2024-02-0${sk}`, rank: sk, body: `secret ${sk}` }))
    for (const Item of items) await doc.send(new Doc.PutCommand({ TableName: events, Item }))
    const table = await doc.send(new Doc.QueryCommand({ TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' } }))
    expect(table.Items).toEqual(items)
    const gsi = await doc.send(new Doc.QueryCommand({ TableName: events, IndexName: 'by-status', KeyConditionExpression: '#st = :s', ExpressionAttributeNames: { '#st': 'status' }, ExpressionAttributeValues: { ':s': 'busy' } }))
    expect(gsi.Items).toEqual(items)
    const lsi = await doc.send(new Doc.QueryCommand({ TableName: events, IndexName: 'by-created', KeyConditionExpression: 'pk = :p AND created > :c', ExpressionAttributeValues: { ':p': 'q', ':c': '2024-02-03' } }))
    expect(lsi.Items).toEqual(items.slice(2))
    const pages = []
    for await (const page of Doc.paginateQuery({ client: doc, pageSize: 1 }, { TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' } })) pages.push(page)
    expect(pages.flatMap((p) => p.Items ?? [])).toEqual(items)
    expect(pages.length).toBeGreaterThanOrEqual(4)
  })

  it('reads a keys-only LSI by fetching whole items, refuses a keys-only GSI, and serves projections after decryption', async () => {
    const lsi = await doc.send(new Doc.QueryCommand({ TableName: events, IndexName: 'by-rank', KeyConditionExpression: 'pk = :p AND #r >= :r', ExpressionAttributeNames: { '#r': 'rank' }, ExpressionAttributeValues: { ':p': 'q', ':r': 4 } }))
    expect(lsi.Items?.map((i) => i['body'])).toEqual(['secret 4', 'secret 5'])
    sent.length = 0
    const error = await doc.send(new Doc.QueryCommand({ TableName: events, IndexName: 'by-owner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': 'bob' } })).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    expect((error as Error).message).toContain('"by-owner"')
    expect(sent).toEqual([])
    const projected = await doc.send(new Doc.QueryCommand({
      TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' }, ProjectionExpression: 'body, #r', ExpressionAttributeNames: { '#r': 'rank' },
    }))
    expect(projected.Items).toEqual([2, 3, 4, 5].map((sk) => ({ body: `secret ${sk}`, rank: sk })))
    const nested = await doc.send(new Doc.GetCommand({ TableName: events, Key: { pk: 'p1', sk: 1 }, ProjectionExpression: 'm.inner, l[2], s' }))
    expect(nested.Item).toEqual({ m: { inner: { deep: 'v' } }, l: [{ y: false }], s: 'text' })
  })

  it('filters on signed attributes, updates do-nothing attributes, and refuses unsafe requests before sending', async () => {
    const filtered = await doc.send(new Doc.ScanCommand({ TableName: events, FilterExpression: '#st = :s', ExpressionAttributeNames: { '#st': 'status' }, ExpressionAttributeValues: { ':s': 'open' } }))
    expect(filtered.Items?.map((i) => i['pk'])).toEqual(['p1'])
    const updated = await doc.send(new Doc.UpdateCommand({ TableName: events, Key: { pk: 'p1', sk: 1 }, UpdateExpression: 'ADD #v :one', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'ALL_NEW' }))
    expect(updated.Attributes?.['views']).toBe(4)
    expect(updated.Attributes?.['s']).toBe('text')
    sent.length = 0
    const refusals = [
      doc.send(new Doc.UpdateCommand({ TableName: events, Key: { pk: 'p1', sk: 1 }, UpdateExpression: 'SET s = :v', ExpressionAttributeValues: { ':v': 'x' } })),
      doc.send(new Doc.ScanCommand({ TableName: events, FilterExpression: 'body = :b', ExpressionAttributeValues: { ':b': 'secret 2' } })),
      doc.send(new Doc.ExecuteStatementCommand({ Statement: `SELECT * FROM "${events}"` })),
      doc.send(new Doc.TransactWriteCommand({ TransactItems: [
        { Put: { TableName: events, Item: { pk: 'tx', sk: 1, body: 'b' } } },
        { Update: { TableName: events, Key: { pk: 'p1', sk: 1 }, UpdateExpression: 'SET #st = :s', ExpressionAttributeNames: { '#st': 'status' }, ExpressionAttributeValues: { ':s': 'x' } } },
      ] })),
    ]
    for (const r of await Promise.allSettled(refusals)) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    }
    expect(sent).toEqual([])
  })

  it('runs batches and transactions, returning unprocessed items as plaintext', async () => {
    await doc.send(new Doc.BatchWriteCommand({ RequestItems: { [events]: [
      { PutRequest: { Item: { pk: 'b', sk: 1, body: 'one' } } },
      { PutRequest: { Item: { pk: 'b', sk: 2, body: 'two' } } },
      { DeleteRequest: { Key: { pk: 'q', sk: 5 } } },
    ] } }))
    const got = await doc.send(new Doc.BatchGetCommand({ RequestItems: { [events]: { Keys: [{ pk: 'b', sk: 1 }, { pk: 'b', sk: 2 }, { pk: 'q', sk: 5 }] } } }))
    expect(got.Responses?.[events]?.map((i) => i['body']).sort()).toEqual(['one', 'two'])
    await doc.send(new Doc.TransactWriteCommand({ TransactItems: [
      { Put: { TableName: events, Item: { pk: 't', sk: 1, body: 'tx' } } },
      { Delete: { TableName: events, Key: { pk: 'b', sk: 2 } } },
      { ConditionCheck: { TableName: events, Key: { pk: 'b', sk: 1 }, ConditionExpression: 'attribute_exists(body)' } },
    ] }))
    const tx = await doc.send(new Doc.TransactGetCommand({ TransactItems: [{ Get: { TableName: events, Key: { pk: 't', sk: 1 } } }, { Get: { TableName: events, Key: { pk: 'b', sk: 2 } } }] }))
    expect(tx.Responses?.map((r) => r?.Item?.['body'])).toEqual(['tx', undefined])
    const del = await doc.send(new Doc.DeleteCommand({ TableName: events, Key: { pk: 't', sk: 1 }, ReturnValues: 'ALL_OLD' }))
    expect(del.Attributes?.['body']).toBe('tx')
  })

  it('returns UnprocessedItems as the caller\'s plaintext items (simulated once at the HTTP layer)', async () => {
    const flaky = flakyBatchWriteClient(ddb, { unprocessed: 1, times: 1 })
    const flakyDoc = EncryptedDynamoDBDocumentClient.from(flaky, { materialsProvider: provider, attributeActions: actions })
    const out = await flakyDoc.send(new Doc.BatchWriteCommand({ RequestItems: { [events]: [
      { PutRequest: { Item: { pk: 'u', sk: 1, body: 'first' } } }, { PutRequest: { Item: { pk: 'u', sk: 2, body: 'second' } } },
    ] } }))
    expect(out.UnprocessedItems).toEqual({ [events]: [{ PutRequest: { Item: { pk: 'u', sk: 1, body: 'first' } } }] })
    const table = new EncryptedTable({ client: flakyBatchWriteClient(ddb, { unprocessed: 1, times: 1 }), tableName: events, materialsProvider: provider, attributeActions: actions, batchBaseDelayMs: 1 })
    const result = await table.batchWrite({ put: [{ pk: 'v', sk: 1, body: 'a' }, { pk: 'v', sk: 2, body: 'b' }] })
    expect(result).toEqual({ unprocessedPuts: [], unprocessedDeletes: [] })
    expect((await table.batchGet([{ pk: 'v', sk: 1 }, { pk: 'v', sk: 2 }])).map((i) => i['body']).sort()).toEqual(['a', 'b'])
  })

  it('fails a page with a tampered item, or reports it', async () => {
    for (const sk of [1, 2]) await doc.send(new Doc.PutCommand({ TableName: events, Item: { pk: 'x', sk, body: `b${sk}`, status: 'ok' } }))
    await ddb.send(new Low.PutItemCommand({ TableName: events, Item: {
      ...((await ddb.send(new Low.GetItemCommand({ TableName: events, Key: { pk: { S: 'x' }, sk: { N: '2' } } }))).Item ?? {}), status: { S: 'tampered' },
    } }))
    const q = { TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'x' } }
    const error = await doc.send(new Doc.QueryCommand(q)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ItemDecryptionError)
    expect((error as ItemDecryptionError).key).toEqual({ pk: { S: 'x' }, sk: { N: '2' } })
    expect((error as Error).message).not.toContain('tampered')
    const reporting = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider: provider, attributeActions: actions, onDecryptFailure: 'report' })
    const out: Doc.QueryCommandOutput & DocumentDecryptFailureReport = await reporting.send(new Doc.QueryCommand(q))
    expect(out.Items?.map((i) => i['body'])).toEqual(['b1'])
    // FailedItems keys are low-level in both clients (lib-dynamodb converts only the members it knows).
    expect(out.FailedItems?.map((f) => f.key)).toEqual([{ pk: { S: 'x' }, sk: { N: '2' } }])
  })
})

describe('EncryptedDynamoDBClient and EncryptedTable on DynamoDB Local', () => {
  const provider = aesHmacProvider()

  it('works with the low-level paginateQuery and binary partition keys', async () => {
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    for (const sk of [1, 2, 3]) {
      await client.send(new Low.PutItemCommand({ TableName: events, Item: { pk: { S: 'low' }, sk: { N: String(sk) }, body: { SS: ['a', String(sk)] } } }))
    }
    const pages = []
    for await (const page of Low.paginateQuery({ client, pageSize: 2 }, { TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'low' } } })) pages.push(page)
    expect(pages.flatMap((p) => p.Items ?? []).map((i) => [...((i['body'] as { SS: string[] }).SS)].sort())).toEqual([['1', 'a'], ['2', 'a'], ['3', 'a']])
    await client.send(new Low.PutItemCommand({ TableName: users, Item: { id: { B: new Uint8Array([7, 7]) }, name: { S: 'Ada' } } }))
    const { Item } = await client.send(new Low.GetItemCommand({ TableName: users, Key: { id: { B: new Uint8Array([7, 7]) } } }))
    expect(Item?.['name']).toEqual({ S: 'Ada' })
    const count = await client.send(new Low.QueryCommand({ TableName: events, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'low' } }, Select: 'COUNT' }))
    expect(count.Count).toBe(3)
  })

  it('reads the table info with DescribeTable, including every index', async () => {
    const info = await TableInfo.describe({ client: ddb, tableName: events })
    expect(info.encryptionContext).toEqual({ tableName: events, partitionKeyName: 'pk', sortKeyName: 'sk' })
    expect([...info.secondaryIndexKeyNames].sort()).toEqual(['created', 'owner', 'rank', 'status'])
    expect(info.index('by-owner')).toMatchObject({ kind: 'global', projectionType: 'KEYS_ONLY' })
  })

  it('EncryptedTable puts, gets, queries, scans and deletes native items', async () => {
    const table = new EncryptedTable({ client: ddb, tableName: users, materialsProvider: provider })
    const id = new Uint8Array([1, 2])
    await table.put({ id, name: 'Grace', tags: new Set(['x']) })
    expect(await table.get({ id })).toEqual({ id, name: 'Grace', tags: new Set(['x']) })
    const scanned = await table.scan({ Limit: 100 })
    expect(scanned.items.some((i) => i['name'] === 'Grace')).toBe(true)
    const queried = await table.query({ KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': id } })
    expect(queried.items).toEqual([{ id, name: 'Grace', tags: new Set(['x']) }])
    await table.delete({ id })
    expect(await table.get({ id })).toBeUndefined()
  })
})
