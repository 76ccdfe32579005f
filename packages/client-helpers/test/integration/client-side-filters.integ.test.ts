// Filters on encrypted attributes evaluated after decryption (option `clientSideFilters: true`), on DynamoDB Local:
// every page (Items, Count, ScannedCount, LastEvaluatedKey) equals what DynamoDB returns for the same plaintext
// items in a plain table with the filter evaluated by DynamoDB, with and without Limit, projections and COUNT.
import { paginateQuery, paginateScan, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, paginateQuery as paginateDocQuery } from '@aws-sdk/lib-dynamodb'
import { AttributeActions } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient } from '@ddb-encryption/client-helpers'
import { createWrappedProvider } from '../support/integration'

type Item = Record<string, AttributeValue>

let ddb: DynamoDBClient
let plainTable: string
let encryptedTable: string
let client: ReturnType<typeof EncryptedDynamoDBClient.from<DynamoDBClient>>
const encryptedProvider = createWrappedProvider()

const items: Item[] = Array.from({ length: 12 }, (_, i) => ({
  pk: { S: 'p' },
  sk: { N: String(i) },
  secret: { S: i % 3 === 0 ? 'red' : 'blue' },
  score: { N: String((i * 7) % 10) },
  tags: { SS: i % 2 === 0 ? ['even', 'x'] : ['odd'] },
}))

beforeAll(async () => {
  ddb = createDynamoDBClient()
  const schema = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'N' as const } }
  ;[plainTable, encryptedTable] = await Promise.all([
    createTestTable(ddb, { namePrefix: 'ch-filter-plain', ...schema }),
    createTestTable(ddb, { namePrefix: 'ch-filter-enc', ...schema }),
  ])
  client = EncryptedDynamoDBClient.from(ddb, { materialsProvider: encryptedProvider, attributeActions: new AttributeActions(), clientSideFilters: true })
  for (const Item of items) {
    await ddb.send(new PutItemCommand({ TableName: plainTable, Item }))
    await client.send(new PutItemCommand({ TableName: encryptedTable, Item }))
  }
}, 120_000)

afterAll(async () => {
  await Promise.all([deleteTestTable(ddb, plainTable), deleteTestTable(ddb, encryptedTable)])
  ddb.destroy()
})

/** Every page of a Query or Scan, following LastEvaluatedKey (with the table name swapped out of the keys). */
async function pages(send: (input: QueryCommandInput) => Promise<{ Items?: Item[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: Item }>, input: QueryCommandInput): Promise<unknown[]> {
  const out: unknown[] = []
  let start: Item | undefined
  do {
    const page = await send({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })
    out.push({ Items: page.Items, Count: page.Count, ScannedCount: page.ScannedCount, LastEvaluatedKey: page.LastEvaluatedKey })
    start = page.LastEvaluatedKey
  } while (start !== undefined)
  return out
}

const cases: [string, Omit<QueryCommandInput, 'TableName'>][] = [
  ['equality on an encrypted attribute', { FilterExpression: 'secret = :r', ExpressionAttributeValues: { ':r': { S: 'red' } } }],
  ['Limit 5 with a filter', { Limit: 5, FilterExpression: 'secret = :b AND score >= :five', ExpressionAttributeValues: { ':b': { S: 'blue' }, ':five': { N: '5' } } }],
  ['functions and a projection', { FilterExpression: 'contains(tags, :even) OR begins_with(secret, :r)', ProjectionExpression: 'sk, #s', ExpressionAttributeNames: { '#s': 'secret' }, ExpressionAttributeValues: { ':even': { S: 'even' }, ':r': { S: 'r' } } }],
  ['Select COUNT with Limit', { Select: 'COUNT', Limit: 4, FilterExpression: 'secret <> :r', ExpressionAttributeValues: { ':r': { S: 'red' } } }],
]

describe('client-side filters on encrypted attributes', () => {
  it.each(cases)('Query: %s gives DynamoDB\'s pages', async (_name, rest) => {
    const query = (table: string) => (input: QueryCommandInput) => (table === plainTable ? ddb : client).send(new QueryCommand({ ...input, TableName: table }))
    const key = { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ...(rest.ExpressionAttributeValues ?? {}), ':p': { S: 'p' } } }
    const expected = await pages(query(plainTable), { ...rest, ...key, TableName: plainTable })
    const actual = await pages(query(encryptedTable), { ...rest, ...key, TableName: encryptedTable })
    expect(actual).toEqual(expected)
    expect(expected.length).toBeGreaterThan(0)
  })

  it.each(cases)('Scan: %s gives DynamoDB\'s pages', async (_name, rest) => {
    const scan = (table: string) => (input: QueryCommandInput) => (table === plainTable ? ddb : client).send(new ScanCommand({ ...input, TableName: table }))
    expect(await pages(scan(encryptedTable), { ...rest, TableName: encryptedTable })).toEqual(await pages(scan(plainTable), { ...rest, TableName: plainTable }))
  })
})

describe('paginators over client-side filters', () => {
  const summary = (page: { Items?: unknown[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: unknown }): unknown =>
    ({ Items: page.Items, Count: page.Count, ScannedCount: page.ScannedCount, LastEvaluatedKey: page.LastEvaluatedKey })

  it('paginateQuery and paginateScan of the low-level client give DynamoDB\'s pages', async () => {
    const filter = { FilterExpression: 'secret = :b', ExpressionAttributeValues: { ':b': { S: 'blue' }, ':p': { S: 'p' } }, KeyConditionExpression: 'pk = :p', Limit: 5 }
    const collect = async <P>(pages: AsyncIterable<P>): Promise<unknown[]> => { const out: unknown[] = []; for await (const page of pages) out.push(summary(page as never)); return out }
    const expected = await collect(paginateQuery({ client: ddb, pageSize: 5 }, { ...filter, TableName: plainTable }))
    const actual = await collect(paginateQuery({ client, pageSize: 5 }, { ...filter, TableName: encryptedTable }))
    expect(actual.length).toBeGreaterThan(1)
    expect(actual).toEqual(expected)
    const { KeyConditionExpression: _k, ...scanFilter } = { ...filter, ExpressionAttributeValues: { ':b': { S: 'blue' } } }
    const expectedScan = await collect(paginateScan({ client: ddb, pageSize: 4 }, { ...scanFilter, TableName: plainTable }))
    const actualScan = await collect(paginateScan({ client, pageSize: 4 }, { ...scanFilter, TableName: encryptedTable }))
    expect(actualScan).toEqual(expectedScan)
  })

  it('lib-dynamodb\'s paginateQuery over the encrypted document client gives DynamoDB\'s pages (native values)', async () => {
    const plainDoc = DynamoDBDocumentClient.from(ddb)
    const doc = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider: encryptedProvider, attributeActions: new AttributeActions(), clientSideFilters: true })
    const input = { KeyConditionExpression: 'pk = :p', FilterExpression: 'score >= :five AND secret <> :r', ExpressionAttributeValues: { ':p': 'p', ':five': 5, ':r': 'red' } }
    const collect = async <P>(pages: AsyncIterable<P>): Promise<unknown[]> => { const out: unknown[] = []; for await (const page of pages) out.push(summary(page as never)); return out }
    const expected = await collect(paginateDocQuery({ client: plainDoc, pageSize: 3 }, { ...input, TableName: plainTable }))
    const actual = await collect(paginateDocQuery({ client: doc, pageSize: 3 }, { ...input, TableName: encryptedTable }))
    expect(actual.length).toBeGreaterThan(2)
    expect(actual).toEqual(expected)
  })
})
