// Every supported operation, through the low-level encrypted client, the document client and EncryptedTable, with
// each real provider (Wrapped AES + HMAC, Direct KMS on moto, MostRecent over a MetaStore), on DynamoDB Local.
import * as Low from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import * as Doc from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { createDynamoDBClient, createKMSClient, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable } from '@ddb-encryption/client-helpers'
import {
  BIG_38,
  HUGE,
  TINY,
  canonical,
  createEventsTable,
  createRealProviders,
  everyTypeAttributes,
  frozen,
  spyClient,
  type RealProvider,
} from '../support/integration'

type Item = Record<string, Low.AttributeValue>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Native = Record<string, any>

const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const PROVIDERS: RealProvider['name'][] = ['wrapped', 'direct-kms', 'most-recent']

let ddb: Low.DynamoDBClient
let kms: KMSClient
let cleanup: () => Promise<void>
const providers = new Map<string, CryptographicMaterialsProvider>()
const tables = new Map<string, string>()

beforeAll(async () => {
  ddb = createDynamoDBClient()
  kms = createKMSClient()
  const [real, ...names] = await Promise.all([
    createRealProviders(ddb, kms),
    ...PROVIDERS.map((name) => createEventsTable(ddb, `ch-ops-${name}`)),
  ])
  cleanup = real.cleanup
  for (const p of real.providers) providers.set(p.name, p.provider)
  PROVIDERS.forEach((name, i) => tables.set(name, names[i] as string))
}, 120_000)

afterAll(async () => {
  await Promise.all([...tables.values()].map((t) => deleteTestTable(ddb, t)))
  await cleanup?.()
  kms?.destroy()
  ddb?.destroy()
})

const S = (s: string): Low.AttributeValue => ({ S: s })
const N = (n: number | string): Low.AttributeValue => ({ N: String(n) })
const lowKey = (pk: string, sk: number): Item => ({ pk: S(pk), sk: N(sk) })
const raw = async (table: string, key: Item): Promise<Item | undefined> =>
  (await ddb.send(new Low.GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item

/** Asserts the stored item is encrypted: data attributes are binary ciphertext, keys and SIGN_ONLY ones plaintext. */
function expectEncrypted(stored: Item | undefined, encrypted: string[], plain: Item): void {
  expect(stored).toBeDefined()
  for (const name of encrypted) expect(Object.keys(stored?.[name] ?? {})).toEqual(['B'])
  expect(stored).toMatchObject(plain)
  expect(stored?.[ReservedAttribute.Signature]).toHaveProperty('B')
  expect(stored?.[ReservedAttribute.MaterialDescription]).toHaveProperty('B')
}

describe.each(PROVIDERS)('EncryptedDynamoDBClient with the %s provider', (providerName) => {
  let table: string
  let client: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
  beforeAll(() => {
    table = tables.get(providerName) as string
    client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: providers.get(providerName) as CryptographicMaterialsProvider, attributeActions: actions })
  })

  const event = (pk: string, sk: number, extra: Item = {}): Item => ({
    pk: S(pk), sk: N(sk), status: S(`st-${pk}`), owner: S('ann'), created: S(`2024-01-${String(sk).padStart(2, '0')}`), rank: N(sk),
    views: N(sk * 10), body: S(`secret ${pk} ${sk}`), ...extra,
  })

  it('PutItem / GetItem round-trip every attribute type exactly; stored encrypted, index keys signed in plaintext', async () => {
    const item = frozen({ ...event('every', 1), ...everyTypeAttributes() })
    const input = frozen({ TableName: table, Item: item.value })
    await client.send(new Low.PutItemCommand(input.value))
    expect(input.value).toEqual(input.snapshot)
    const stored = await raw(table, lowKey('every', 1))
    expectEncrypted(stored, ['body', 's', 'n', 'big', 'tiny', 'b', 'ss', 'ns', 'bs', 'bool', 'nul', 'l', 'm'],
      { pk: S('every'), sk: N(1), status: S('st-every'), owner: S('ann'), created: S('2024-01-01'), rank: N(1), views: N(10) })
    const get = frozen({ TableName: table, Key: lowKey('every', 1), ConsistentRead: true })
    const { Item } = await client.send(new Low.GetItemCommand(get.value))
    expect(canonical(Item)).toEqual(canonical(item.snapshot))
    expect(get.value).toEqual(get.snapshot)
    // ALL_OLD of a PutItem is the previous item, decrypted.
    const again = await client.send(new Low.PutItemCommand({ TableName: table, Item: { ...item.value, body: S('new') }, ReturnValues: 'ALL_OLD' }))
    expect(canonical(again.Attributes)).toEqual(canonical(item.snapshot))
  })

  it('Query (table, ALL GSI, ALL LSI, INCLUDE LSI), Scan with a filter, projections, Select COUNT and paginateQuery / paginateScan', async () => {
    const items = [1, 2, 3, 4].map((sk) => event('q', sk))
    for (const Item of items) await client.send(new Low.PutItemCommand(frozen({ TableName: table, Item }).value))
    const q = frozen({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('q') }, ConsistentRead: true })
    expect((await client.send(new Low.QueryCommand(q.value))).Items).toEqual(items)
    expect(q.value).toEqual(q.snapshot)
    const gsi = await client.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-status', KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('st-q') } }))
    expect(gsi.Items).toEqual(items)
    const lsi = await client.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-created',
      KeyConditionExpression: 'pk = :p AND created >= :c', ExpressionAttributeValues: { ':p': S('q'), ':c': S('2024-01-03') } }))
    expect(lsi.Items).toEqual(items.slice(2))
    const include = await client.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-rank', ScanIndexForward: false,
      KeyConditionExpression: 'pk = :p AND #r <= :r', ExpressionAttributeNames: { '#r': 'rank' }, ExpressionAttributeValues: { ':p': S('q'), ':r': N(2) } }))
    expect(include.Items).toEqual([items[1], items[0]])
    const scan = await client.send(new Low.ScanCommand({ TableName: table, FilterExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': S('st-q') }, ConsistentRead: true }))
    expect(scan.Items?.map((i) => i['sk'])).toEqual(items.map((i) => i['sk']))
    expect(scan.Items).toEqual(items)
    const projected = await client.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ProjectionExpression: 'body, #r',
      ExpressionAttributeNames: { '#r': 'rank' }, ExpressionAttributeValues: { ':p': S('q') } }))
    expect(projected.Items).toEqual(items.map((i) => ({ body: i['body'], rank: i['rank'] })))
    const count = await client.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('q') }, Select: 'COUNT' }))
    expect(count).toMatchObject({ Count: 4 })
    expect(count.Items).toBeUndefined()
    const pages = []
    for await (const page of Low.paginateQuery({ client, pageSize: 1 }, { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('q') } })) pages.push(page)
    expect(pages.length).toBeGreaterThanOrEqual(4)
    expect(pages.flatMap((p) => p.Items ?? [])).toEqual(items)
    const scanned: Item[] = []
    for await (const page of Low.paginateScan({ client, pageSize: 2 }, { TableName: table, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('q') } })) scanned.push(...(page.Items ?? []))
    expect(scanned).toEqual(items)
  }, 30_000) // many requests, several providers, on a shared, loaded machine

  it('BatchWriteItem encrypts every put, BatchGetItem decrypts (with a projection), DeleteItem returns ALL_OLD decrypted', async () => {
    const items = [1, 2, 3].map((sk) => event('batch', sk, { extra: { M: { n: N(sk) } } }))
    const write = frozen({ RequestItems: { [table]: [...items.map((Item) => ({ PutRequest: { Item } })), { DeleteRequest: { Key: lowKey('q', 4) } }] } })
    const out = await client.send(new Low.BatchWriteItemCommand(write.value))
    expect(out.UnprocessedItems ?? {}).toEqual({})
    expect(write.value).toEqual(write.snapshot)
    expectEncrypted(await raw(table, lowKey('batch', 2)), ['body', 'extra'], { pk: S('batch'), sk: N(2) })
    expect(await raw(table, lowKey('q', 4))).toBeUndefined()
    const get = frozen({ RequestItems: { [table]: { Keys: [lowKey('batch', 1), lowKey('batch', 3), lowKey('batch', 9)], ConsistentRead: true } } })
    const got = await client.send(new Low.BatchGetItemCommand(get.value))
    expect(get.value).toEqual(get.snapshot)
    const byKey = (list: Item[] | undefined) => [...(list ?? [])].sort((a, b) => Number(a['sk']?.N) - Number(b['sk']?.N))
    expect(byKey(got.Responses?.[table])).toEqual([items[0], items[2]])
    const projected = await client.send(new Low.BatchGetItemCommand({ RequestItems: { [table]: { Keys: [lowKey('batch', 2)], ProjectionExpression: 'extra.n, sk' } } }))
    expect(projected.Responses?.[table]).toEqual([{ extra: { M: { n: N(2) } }, sk: N(2) }])
    const del = frozen({ TableName: table, Key: lowKey('batch', 3), ReturnValues: 'ALL_OLD' as const })
    const deleted = await client.send(new Low.DeleteItemCommand(del.value))
    expect(deleted.Attributes).toEqual(items[2])
    expect(del.value).toEqual(del.snapshot)
    expect(await raw(table, lowKey('batch', 3))).toBeUndefined()
  })

  it('TransactWriteItems encrypts its Puts (with Delete, ConditionCheck and a DO_NOTHING Update); TransactGetItems decrypts', async () => {
    await client.send(new Low.PutItemCommand({ TableName: table, Item: event('tx', 9) }))
    const put = event('tx', 1)
    const write = frozen({ TransactItems: [
      { Put: { TableName: table, Item: put, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Update: { TableName: table, Key: lowKey('tx', 9), UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':v': N(5) } } },
      { ConditionCheck: { TableName: table, Key: lowKey('every', 1), ConditionExpression: 'attribute_exists(body) AND #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('st-every') } } },
      { Delete: { TableName: table, Key: lowKey('batch', 1) } },
    ] })
    await client.send(new Low.TransactWriteItemsCommand(write.value))
    expect(write.value).toEqual(write.snapshot)
    expectEncrypted(await raw(table, lowKey('tx', 1)), ['body'], { pk: S('tx'), status: S('st-tx') })
    expect(await raw(table, lowKey('batch', 1))).toBeUndefined()
    const get = frozen({ TransactItems: [
      { Get: { TableName: table, Key: lowKey('tx', 1) } },
      { Get: { TableName: table, Key: lowKey('batch', 1) } },
      { Get: { TableName: table, Key: lowKey('tx', 9), ProjectionExpression: 'views, body' } },
    ] })
    const got = await client.send(new Low.TransactGetItemsCommand(get.value))
    expect(get.value).toEqual(get.snapshot)
    expect(got.Responses?.map((r) => r.Item)).toEqual([put, undefined, { views: N(5), body: S('secret tx 9') }])
  })

  it('UpdateItem of a DO_NOTHING attribute returns ALL_NEW decrypted', async () => {
    const update = frozen({ TableName: table, Key: lowKey('tx', 9), UpdateExpression: 'ADD #v :one', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': N(1) }, ReturnValues: 'ALL_NEW' as const })
    const out = await client.send(new Low.UpdateItemCommand(update.value))
    expect(out.Attributes).toEqual(event('tx', 9, { views: N(6) }))
    expect(update.value).toEqual(update.snapshot)
  })
})

describe.each(PROVIDERS)('EncryptedDynamoDBDocumentClient with the %s provider', (providerName) => {
  let table: string
  let doc: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
  let wrapped: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
  beforeAll(() => {
    table = tables.get(providerName) as string
    const materialsProvider = providers.get(providerName) as CryptographicMaterialsProvider
    doc = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider, attributeActions: actions })
    wrapped = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider, attributeActions: actions, unmarshallOptions: { wrapNumbers: true } })
  })

  const event = (pk: string, sk: number, extra: Native = {}): Native => ({
    pk, sk, status: `doc-${pk}`, owner: 'bob', created: `2024-02-${String(sk).padStart(2, '0')}`, rank: sk, views: sk * 10, body: `doc secret ${sk}`, ...extra,
  })
  const key = (pk: string, sk: number): Native => ({ pk, sk })

  it('PutCommand / GetCommand round-trip every native type exactly (NumberValue for 38-digit and tiny numbers)', async () => {
    const nv = (v: string) => Doc.NumberValue.from(v)
    const item = frozen({
      pk: 'doc-every', sk: nv('1'), status: 'doc-every', owner: 'bob', created: '2024-02-01', rank: nv('1'), views: nv('10'),
      s: 'text ✓ 𝄞', emptyS: '', n: nv('-42.5'), big: nv(BIG_38), tiny: nv(TINY), huge: nv(HUGE), b: new Uint8Array([0, 255]), emptyB: new Uint8Array(0),
      ss: new Set(['a', 'b']), ns: new Set([nv('1'), nv(BIG_38), nv(TINY)]), bs: new Set([new Uint8Array([1]), new Uint8Array([2])]),
      bool: false, yes: true, nul: null, l: ['x', nv('2'), [], { deep: [true, null] }], m: { inner: { deep: 'v', nums: new Set([nv('7')]) }, empty: {} },
    })
    const put = frozen({ TableName: table, Item: item.value })
    await wrapped.send(new Doc.PutCommand(put.value))
    expect(put.value).toEqual(put.snapshot)
    expectEncrypted(await raw(table, lowKey('doc-every', 1)), ['s', 'big', 'tiny', 'ns', 'm'], { pk: S('doc-every'), views: N(10) })
    const { Item } = await wrapped.send(new Doc.GetCommand(frozen({ TableName: table, Key: { pk: 'doc-every', sk: nv('1') }, ConsistentRead: true }).value))
    expect(Item).toEqual(item.snapshot)
    expect(Item?.['big']).toBeInstanceOf(Doc.NumberValue)
    expect(Item?.['tiny']?.value).toBe(TINY)
    // BigInt and numbers come back as BigInt / number without wrapNumbers.
    await doc.send(new Doc.PutCommand({ TableName: table, Item: { pk: 'doc-every', sk: 2, big: 12345678901234567890n, n: 0.5 } }))
    expect((await doc.send(new Doc.GetCommand({ TableName: table, Key: key('doc-every', 2) }))).Item).toEqual({ pk: 'doc-every', sk: 2, big: 12345678901234567890n, n: 0.5 })
  })

  it('QueryCommand (table, GSI, LSI), ScanCommand, projections and lib-dynamodb paginateQuery / paginateScan', async () => {
    const items = [1, 2, 3].map((sk) => event('dq', sk, { tags: new Set([`t${sk}`]) }))
    for (const Item of items) await doc.send(new Doc.PutCommand(frozen({ TableName: table, Item }).value))
    const q = frozen({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'dq' } })
    expect((await doc.send(new Doc.QueryCommand(q.value))).Items).toEqual(items)
    expect(q.value).toEqual(q.snapshot)
    const gsi = await doc.send(new Doc.QueryCommand({ TableName: table, IndexName: 'by-status', KeyConditionExpression: '#s = :s AND sk > :k',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'doc-dq', ':k': 1 } }))
    expect(gsi.Items).toEqual(items.slice(1))
    const lsi = await doc.send(new Doc.QueryCommand({ TableName: table, IndexName: 'by-created', KeyConditionExpression: 'pk = :p AND created < :c',
      ExpressionAttributeValues: { ':p': 'dq', ':c': '2024-02-02' } }))
    expect(lsi.Items).toEqual(items.slice(0, 1))
    const include = await doc.send(new Doc.QueryCommand({ TableName: table, IndexName: 'by-rank', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'dq' } }))
    expect(include.Items).toEqual(items)
    const scan = frozen({ TableName: table, FilterExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'doc-dq' }, ConsistentRead: true })
    expect((await doc.send(new Doc.ScanCommand(scan.value))).Items).toEqual(items)
    expect(scan.value).toEqual(scan.snapshot)
    const projected = await doc.send(new Doc.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'dq' },
      ProjectionExpression: 'body, tags, #o', ExpressionAttributeNames: { '#o': 'owner' } }))
    expect(projected.Items).toEqual(items.map((i) => ({ body: i['body'], tags: i['tags'], owner: 'bob' })))
    const pages = []
    for await (const page of Doc.paginateQuery({ client: doc, pageSize: 1 }, { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'dq' } })) pages.push(page)
    expect(pages.length).toBeGreaterThanOrEqual(3)
    expect(pages.flatMap((p) => p.Items ?? [])).toEqual(items)
    const scanned: Native[] = []
    for await (const page of Doc.paginateScan({ client: doc, pageSize: 2 }, { TableName: table, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'dq' } })) scanned.push(...(page.Items ?? []))
    expect(scanned).toEqual(items)
  })

  it('BatchWriteCommand, BatchGetCommand, DeleteCommand (ALL_OLD decrypted), TransactWriteCommand and TransactGetCommand', async () => {
    const items = [1, 2, 3].map((sk) => event('db', sk, { nested: { list: [sk, { x: `${sk}` }] } }))
    const write = frozen({ RequestItems: { [table]: [...items.map((Item) => ({ PutRequest: { Item } })), { DeleteRequest: { Key: key('dq', 3) } }] } })
    const out = await doc.send(new Doc.BatchWriteCommand(write.value))
    expect(out.UnprocessedItems ?? {}).toEqual({})
    expect(write.value).toEqual(write.snapshot)
    expectEncrypted(await raw(table, lowKey('db', 1)), ['body', 'nested'], { pk: S('db'), status: S('doc-db') })
    const get = frozen({ RequestItems: { [table]: { Keys: [key('db', 1), key('db', 2), key('dq', 3)], ConsistentRead: true } } })
    const got = await doc.send(new Doc.BatchGetCommand(get.value))
    expect(get.value).toEqual(get.snapshot)
    expect([...(got.Responses?.[table] ?? [])].sort((a, b) => a['sk'] - b['sk'])).toEqual(items.slice(0, 2))
    const projected = await doc.send(new Doc.BatchGetCommand({ RequestItems: { [table]: { Keys: [key('db', 3)], ProjectionExpression: 'nested.#l[1].x', ExpressionAttributeNames: { '#l': 'list' } } } }))
    expect(projected.Responses?.[table]).toEqual([{ nested: { list: [{ x: '3' }] } }])

    const tx = frozen({ TransactItems: [
      { Put: { TableName: table, Item: event('dt', 1) } },
      { Delete: { TableName: table, Key: key('db', 2) } },
      { ConditionCheck: { TableName: table, Key: key('db', 1), ConditionExpression: 'attribute_exists(body)' } },
      { Update: { TableName: table, Key: key('db', 3), UpdateExpression: 'REMOVE #v', ExpressionAttributeNames: { '#v': 'views' } } },
    ] })
    await doc.send(new Doc.TransactWriteCommand(tx.value))
    expect(tx.value).toEqual(tx.snapshot)
    expectEncrypted(await raw(table, lowKey('dt', 1)), ['body'], { pk: S('dt') })
    const tget = frozen({ TransactItems: [{ Get: { TableName: table, Key: key('dt', 1) } }, { Get: { TableName: table, Key: key('db', 2) } }, { Get: { TableName: table, Key: key('db', 3) } }] })
    const txGot = await doc.send(new Doc.TransactGetCommand(tget.value))
    expect(tget.value).toEqual(tget.snapshot)
    const { views: _removed, ...withoutViews } = items[2] as Native
    expect(txGot.Responses?.map((r) => r?.Item)).toEqual([event('dt', 1), undefined, withoutViews])

    const del = frozen({ TableName: table, Key: key('dt', 1), ReturnValues: 'ALL_OLD' as const })
    expect((await doc.send(new Doc.DeleteCommand(del.value))).Attributes).toEqual(event('dt', 1))
    expect(del.value).toEqual(del.snapshot)
    expect((await doc.send(new Doc.GetCommand({ TableName: table, Key: key('dt', 1) }))).Item).toBeUndefined()
  })
})

describe.each(PROVIDERS)('EncryptedTable with the %s provider', (providerName) => {
  let table: EncryptedTable
  let tableName: string
  beforeAll(() => {
    tableName = tables.get(providerName) as string
    table = new EncryptedTable({ client: ddb, tableName, materialsProvider: providers.get(providerName) as CryptographicMaterialsProvider, attributeActions: actions })
  })
  const item = (sk: number): Native => ({ pk: 'et', sk, status: 'et', owner: 'cy', created: `2024-03-0${sk}`, rank: sk, secret: { card: `4111-${sk}`, tags: new Set(['a']) } })

  it('put, get, query, scan and delete with native items (frozen inputs unchanged)', async () => {
    const items = [1, 2, 3].map((sk) => frozen(item(sk)))
    for (const i of items) await table.put(i.value)
    items.forEach((i) => expect(i.value).toEqual(i.snapshot))
    expectEncrypted(await raw(tableName, lowKey('et', 1)), ['secret'], { pk: S('et'), owner: S('cy') })
    expect(await table.get(frozen({ pk: 'et', sk: 2 }).value, { consistentRead: true })).toEqual(items[1]?.snapshot)
    const query = frozen({ KeyConditionExpression: 'pk = :p AND sk >= :s', ExpressionAttributeValues: { ':p': 'et', ':s': 2 } })
    const page = await table.query(query.value)
    expect(page.items).toEqual(items.slice(1).map((i) => i.snapshot))
    expect(query.value).toEqual(query.snapshot)
    const gsi = await table.query({ IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'et' }, Limit: 2 })
    expect(gsi.items).toEqual(items.slice(0, 2).map((i) => i.snapshot))
    expect(gsi.lastEvaluatedKey).toBeDefined()
    const rest = await table.query({ IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'et' }, ExclusiveStartKey: gsi.lastEvaluatedKey })
    expect(rest.items).toEqual([items[2]?.snapshot])
    const scanned = await table.scan({ FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'et' }, ConsistentRead: true })
    expect(scanned.items).toEqual(items.map((i) => i.snapshot))
    // An item written by the low-level client is readable here (same provider and actions).
    expect((await table.get({ pk: 'q', sk: 1 }))?.['body']).toBe('secret q 1')
    await table.delete(frozen({ pk: 'et', sk: 3 }).value)
    expect(await table.get({ pk: 'et', sk: 3 }, { consistentRead: true })).toBeUndefined()
  })

  it('batchWrite (more than 25 puts, plus deletes) and batchGet (more than 100 keys)', async () => {
    const puts = Array.from({ length: 30 }, (_, i) => ({ pk: 'etb', sk: i, owner: 'cy', body: `b${i}`, m: { i } }))
    const requests = frozen({ put: puts, delete: [{ pk: 'et', sk: 1 }] })
    expect(await table.batchWrite(requests.value)).toEqual({ unprocessedPuts: [], unprocessedDeletes: [] })
    expect(requests.value).toEqual(requests.snapshot)
    expectEncrypted(await raw(tableName, lowKey('etb', 29)), ['body', 'm'], { pk: S('etb'), owner: S('cy') })
    expect(await table.get({ pk: 'et', sk: 1 }, { consistentRead: true })).toBeUndefined()
    const keys = frozen([...Array.from({ length: 105 }, (_, i) => ({ pk: 'etb', sk: i }))])
    const got = await table.batchGet(keys.value)
    expect(keys.value).toEqual(keys.snapshot)
    expect(got.sort((a, b) => Number(a['sk']) - Number(b['sk']))).toEqual(puts)
  })
})

describe('pass-through of other commands', () => {
  it('sends DescribeTable, CreateTable and DeleteTable unchanged', async () => {
    const spy = spyClient(ddb)
    const client = EncryptedDynamoDBClient.from(spy.client, { materialsProvider: providers.get('wrapped') as CryptographicMaterialsProvider })
    const table = tables.get('wrapped') as string
    const describe = frozen({ TableName: table })
    const described = await client.send(new Low.DescribeTableCommand(describe.value))
    expect(described.Table?.TableName).toBe(table)
    const name = `ch-pass-${globalThis.crypto.randomUUID().slice(0, 8)}`
    const create = frozen({ TableName: name, BillingMode: 'PAY_PER_REQUEST' as const, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }] })
    const created = await client.send(new Low.CreateTableCommand(create.value))
    expect(created.TableDescription?.TableName).toBe(name)
    await client.send(new Low.DeleteTableCommand({ TableName: name }))
    expect(spy.inputs).toEqual([
      { op: 'DescribeTable', input: describe.snapshot },
      { op: 'CreateTable', input: create.snapshot },
      { op: 'DeleteTable', input: { TableName: name } },
    ])
    expect(spy.inputs[0]?.input).toEqual(describe.value)
  })
})
