// Partition-only and partition+sort tables with S, N and B keys, through every client; batches and transactions
// spanning all of them at once with a different real provider per table (the `tables` option).
import * as Low from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { createDynamoDBClient, createKMSClient, createTestTable, deleteTestTable, type TestKeyAttribute } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable } from '@ddb-encryption/client-helpers'
import { BIG_38, createRealProviders, flakyBatchWriteClient, frozen } from '../support/integration'

type Item = Record<string, Low.AttributeValue>
type KeyType = TestKeyAttribute['type']

interface Shape { readonly label: string; readonly pk: KeyType; readonly sk?: KeyType }
const SHAPES: Shape[] = [
  { label: 'S', pk: 'S' }, { label: 'N', pk: 'N' }, { label: 'B', pk: 'B' },
  { label: 'S+N', pk: 'S', sk: 'N' }, { label: 'N+B', pk: 'N', sk: 'B' }, { label: 'B+S', pk: 'B', sk: 'S' },
]

/** The i-th low-level key value of a type (numbers include a 38-digit one and a negative fraction). */
function lowValue(type: KeyType, i: number): Low.AttributeValue {
  switch (type) {
    case 'S': return { S: `key-${i} ✓` }
    case 'N': return { N: i === 0 ? BIG_38 : `-${i}.5` }
    case 'B': return { B: new Uint8Array([i, 0, 255]) }
  }
}
/** The same value in native form. */
function nativeValue(type: KeyType, i: number): unknown {
  const v = lowValue(type, i)
  return 'N' in v ? (i === 0 ? BigInt(BIG_38) : Number(v.N)) : 'S' in v ? v.S : v.B
}

const actions = new AttributeActions({ attributeActions: { tag: CryptoAction.SIGN_ONLY } })
let ddb: Low.DynamoDBClient
let kms: KMSClient
let cleanup: () => Promise<void>
const names = new Map<string, string>()
const providers: CryptographicMaterialsProvider[] = []

beforeAll(async () => {
  ddb = createDynamoDBClient()
  kms = createKMSClient()
  const [real, ...tables] = await Promise.all([
    createRealProviders(ddb, kms),
    ...SHAPES.map((shape) => createTestTable(ddb, {
      namePrefix: `ch-keys-${shape.label.replace('+', '-')}`,
      partitionKey: { name: 'p', type: shape.pk },
      ...(shape.sk !== undefined ? { sortKey: { name: 's', type: shape.sk } } : {}),
    })),
  ])
  cleanup = real.cleanup
  providers.push(...real.providers.map((p) => p.provider))
  SHAPES.forEach((shape, i) => names.set(shape.label, tables[i] as string))
}, 120_000)

afterAll(async () => {
  await Promise.all([...names.values()].map((t) => deleteTestTable(ddb, t)))
  await cleanup?.()
  kms?.destroy()
  ddb?.destroy()
})

const lowKey = (shape: Shape, i: number): Item => ({ p: lowValue(shape.pk, shape.sk ? 0 : i), ...(shape.sk ? { s: lowValue(shape.sk, i) } : {}) })
const nativeKey = (shape: Shape, i: number): Record<string, unknown> => ({ p: nativeValue(shape.pk, shape.sk ? 0 : i), ...(shape.sk ? { s: nativeValue(shape.sk, i) } : {}) })
const lowItem = (shape: Shape, i: number): Item => ({ ...lowKey(shape, i), tag: { S: `t${i}` }, body: { M: { i: { N: String(i) }, text: { S: `secret ${i}` } } } })

describe.each(SHAPES)('a table keyed $label', (shape) => {
  let table: string
  let provider: CryptographicMaterialsProvider
  beforeAll(() => {
    table = names.get(shape.label) as string
    provider = providers[SHAPES.indexOf(shape) % providers.length] as CryptographicMaterialsProvider
  })

  it('low-level PutItem, GetItem, Query, BatchGetItem, DeleteItem; stored keys stay plaintext', async () => {
    const client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    const items = [0, 1, 2].map((i) => lowItem(shape, i))
    for (const Item of items) await client.send(new Low.PutItemCommand(frozen({ TableName: table, Item }).value))
    const stored = (await ddb.send(new Low.GetItemCommand({ TableName: table, Key: lowKey(shape, 1), ConsistentRead: true }))).Item
    expect(stored).toMatchObject({ ...lowKey(shape, 1), tag: { S: 't1' } })
    expect(Object.keys(stored?.['body'] ?? {})).toEqual(['B'])
    expect((await client.send(new Low.GetItemCommand({ TableName: table, Key: lowKey(shape, 1), ConsistentRead: true }))).Item).toEqual(items[1])
    const q = await client.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': lowKey(shape, 0)['p'] as Low.AttributeValue }, ConsistentRead: true }))
    const rawOrder = await ddb.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': lowKey(shape, 0)['p'] as Low.AttributeValue }, ConsistentRead: true }))
    expect(q.Items?.map((i) => i['s'])).toEqual(rawOrder.Items?.map((i) => i['s']))
    expect(q.Items).toEqual(expect.arrayContaining(shape.sk ? items : [items[0]]))
    expect(q.Items).toHaveLength(shape.sk ? 3 : 1)
    const got = await client.send(new Low.BatchGetItemCommand({ RequestItems: { [table]: { Keys: items.map((_, i) => lowKey(shape, i)), ConsistentRead: true } } }))
    expect(got.Responses?.[table]).toHaveLength(3)
    expect(got.Responses?.[table]).toEqual(expect.arrayContaining(items))
    const del = await client.send(new Low.DeleteItemCommand({ TableName: table, Key: lowKey(shape, 2), ReturnValues: 'ALL_OLD' }))
    expect(del.Attributes).toEqual(items[2])
  })

  it('the document client and EncryptedTable read and write the same items with native keys', async () => {
    const doc = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider: provider, attributeActions: actions })
    expect((await doc.send(new GetCommand({ TableName: table, Key: nativeKey(shape, 1), ConsistentRead: true }))).Item)
      .toEqual({ ...nativeKey(shape, 1), tag: 't1', body: { i: 1, text: 'secret 1' } })
    const item = frozen({ ...nativeKey(shape, 3), tag: 't3', body: ['native'] })
    await doc.send(new PutCommand({ TableName: table, Item: item.value }))
    const encryptedTable = new EncryptedTable({ client: ddb, tableName: table, materialsProvider: provider, attributeActions: actions })
    expect(await encryptedTable.get(nativeKey(shape, 3), { consistentRead: true })).toEqual(item.snapshot)
    const page = await encryptedTable.query({ KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': nativeKey(shape, 3)['p'] }, ConsistentRead: true })
    expect(page.items).toContainEqual(item.snapshot)
    const docPage = await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': nativeKey(shape, 3)['p'] }, ConsistentRead: true }))
    expect(docPage.Items).toEqual(page.items)
    await encryptedTable.delete(nativeKey(shape, 3))
    expect(await encryptedTable.get(nativeKey(shape, 3), { consistentRead: true })).toBeUndefined()
  })

  it('maps unprocessed puts back to the caller\'s plaintext by key', async () => {
    const flaky = flakyBatchWriteClient(ddb, { unprocessed: 2, times: 1 })
    const client = EncryptedDynamoDBClient.from(flaky, { materialsProvider: provider, attributeActions: actions })
    const requests = frozen([4, 5, 6].map((i) => ({ PutRequest: { Item: lowItem(shape, i) } })))
    const out = await client.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: requests.value } }))
    expect(out.UnprocessedItems).toEqual({ [table]: requests.snapshot.slice(0, 2) })
  })
})

describe('one request over every key shape, each table with its own provider (tables option)', () => {
  let client: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
  beforeAll(() => {
    // The client-wide provider would fail (it has no keys): every table must use its own.
    const refusing: CryptographicMaterialsProvider = {
      getEncryptionMaterials: async () => { throw new Error('client-wide provider used') },
      getDecryptionMaterials: async () => { throw new Error('client-wide provider used') },
      refresh: async () => {},
    }
    client = EncryptedDynamoDBClient.from(ddb, {
      materialsProvider: refusing,
      attributeActions: actions,
      tables: Object.fromEntries(SHAPES.map((shape, i) => [names.get(shape.label) as string, { materialsProvider: providers[i % providers.length] as CryptographicMaterialsProvider }])),
    })
  })

  it('BatchWriteItem, BatchGetItem, TransactWriteItems and TransactGetItems across six tables', async () => {
    const requestItems = Object.fromEntries(SHAPES.map((shape) => [names.get(shape.label) as string, [7, 8].map((i) => ({ PutRequest: { Item: lowItem(shape, i) } }))]))
    const write = frozen({ RequestItems: requestItems })
    expect((await client.send(new Low.BatchWriteItemCommand(write.value))).UnprocessedItems ?? {}).toEqual({})
    expect(write.value).toEqual(write.snapshot)
    const got = await client.send(new Low.BatchGetItemCommand({ RequestItems: Object.fromEntries(SHAPES.map((shape) => [names.get(shape.label) as string, { Keys: [7, 8].map((i) => lowKey(shape, i)), ConsistentRead: true }])) }))
    for (const shape of SHAPES) {
      expect(got.Responses?.[names.get(shape.label) as string]).toEqual(expect.arrayContaining([lowItem(shape, 7), lowItem(shape, 8)]))
      expect(got.Responses?.[names.get(shape.label) as string]).toHaveLength(2)
    }
    const tx = frozen({ TransactItems: SHAPES.map((shape) => ({ Put: { TableName: names.get(shape.label) as string, Item: lowItem(shape, 9) } })) })
    await client.send(new Low.TransactWriteItemsCommand(tx.value))
    expect(tx.value).toEqual(tx.snapshot)
    const txGot = await client.send(new Low.TransactGetItemsCommand({ TransactItems: SHAPES.map((shape) => ({ Get: { TableName: names.get(shape.label) as string, Key: lowKey(shape, 9) } })) }))
    expect(txGot.Responses?.map((r) => r.Item)).toEqual(SHAPES.map((shape) => lowItem(shape, 9)))
    // Each table's items were written with its own provider: another provider cannot read them.
    const other = EncryptedDynamoDBClient.from(ddb, { materialsProvider: providers[1] as CryptographicMaterialsProvider, attributeActions: actions })
    await expect(other.send(new Low.GetItemCommand({ TableName: names.get('S') as string, Key: lowKey(SHAPES[0] as Shape, 9) }))).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
  })
})
