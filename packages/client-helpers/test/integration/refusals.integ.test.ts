// Every refusal of the encrypted clients, on DynamoDB Local: each is rejected with a typed error before anything is
// sent, which a spy on the underlying client's send proves (DescribeTable is read once beforehand, then the log is
// cleared). A few allowed neighbours are sent, so the refusals are not blanket ones.
import * as Low from '@aws-sdk/client-dynamodb'
import * as Doc from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, InvalidArgumentError, UnsupportedOperationError } from '@ddb-encryption/core'
import { createDynamoDBClient, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable } from '@ddb-encryption/client-helpers'
import { createEventsTable, createWrappedProvider, frozen, spyClient, type SpiedClient } from '../support/integration'

type Item = Record<string, Low.AttributeValue>

// body, tags, m: ENCRYPT_AND_SIGN (default); status: SIGN_ONLY; views: DO_NOTHING; owner/created/rank: index keys.
const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const provider = createWrappedProvider()

let ddb: Low.DynamoDBClient
let spy: SpiedClient
let table: string
let low: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
let doc: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
let encryptedTable: EncryptedTable

const S = (s: string): Low.AttributeValue => ({ S: s })
const N = (n: number): Low.AttributeValue => ({ N: String(n) })
const key: Item = { pk: S('r'), sk: N(1) }
const stored: Item = { ...key, status: S('open'), owner: S('o'), created: S('c'), rank: N(1), views: N(1), body: S('secret'), tags: { SS: ['a'] }, m: { M: { inner: { L: [S('x')] } } } }

beforeAll(async () => {
  ddb = createDynamoDBClient()
  table = await createEventsTable(ddb, 'ch-refuse')
  spy = spyClient(ddb)
  low = EncryptedDynamoDBClient.from(spy.client, { materialsProvider: provider, attributeActions: actions })
  doc = EncryptedDynamoDBDocumentClient.from(spy.client, { materialsProvider: provider, attributeActions: actions })
  encryptedTable = new EncryptedTable({ client: spy.client, tableName: table, materialsProvider: provider, attributeActions: actions })
  await low.send(new Low.PutItemCommand({ TableName: table, Item: stored }))
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, table)
  ddb?.destroy()
})

/** Runs `send` and asserts it is refused with `ErrorClass` naming `attribute`, and that DynamoDB received nothing. */
async function expectRefused(send: () => Promise<unknown>, ErrorClass: typeof UnsupportedOperationError | typeof InvalidArgumentError, mentions: string): Promise<void> {
  spy.sent.length = 0
  const error = await send().then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ErrorClass)
  expect((error as Error).message).toContain(mentions)
  // Messages name attributes, never their values.
  expect((error as Error).message).not.toContain('secret')
  // DescribeTable (which carries no item) may be sent to learn the key schema the refusal needs.
  expect(spy.sent.filter((op) => op !== 'DescribeTable')).toEqual([])
}

/** [case name, low-level command input builder, attribute the message must name]. */
type Case = [string, () => { send: () => Promise<unknown> }, string]

const lowCases = (): Case[] => [
  ['UpdateItem SET of an encrypted attribute', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET body = :v', ExpressionAttributeValues: { ':v': S('x') } })) }), '"body"'],
  ['UpdateItem SET of a SIGN_ONLY attribute through ExpressionAttributeNames', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET #s = :v', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':v': S('x') } })) }), '"status"'],
  ['UpdateItem SET of a nested path', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET m.inner[0] = :v', ExpressionAttributeValues: { ':v': S('x') } })) }), '"m"'],
  ['UpdateItem SET of a nested path through names', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET views = :v, #m.#i = :v', ExpressionAttributeNames: { '#m': 'm', '#i': 'inner' }, ExpressionAttributeValues: { ':v': N(2) } })) }), '"m"'],
  ['UpdateItem REMOVE of an encrypted attribute', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'REMOVE body' })) }), '"body"'],
  ['UpdateItem ADD to an encrypted set', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'ADD tags :t', ExpressionAttributeValues: { ':t': { SS: ['b'] } } })) }), '"tags"'],
  ['UpdateItem DELETE from an encrypted set', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'DELETE tags :t', ExpressionAttributeValues: { ':t': { SS: ['a'] } } })) }), '"tags"'],
  ['UpdateItem of an index key (signed)', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET #o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': S('x') } })) }), '"owner"'],
  ['UpdateItem of a DO_NOTHING attribute reading an encrypted one', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET views = if_not_exists(body, :v)', ExpressionAttributeValues: { ':v': N(1) } })) }), '"body"'],
  ['UpdateItem with legacy AttributeUpdates', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { views: { Action: 'PUT', Value: N(3) }, body: { Action: 'PUT', Value: S('x') } } })) }), '"body"'],
  ['UpdateItem of a DO_NOTHING attribute with a ConditionExpression on an encrypted one', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET views = :v', ConditionExpression: 'body = :b', ExpressionAttributeValues: { ':v': N(1), ':b': S('secret') } })) }), '"body"'],
  ['UpdateItem of a DO_NOTHING attribute with legacy Expected on an encrypted one', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { views: { Action: 'PUT', Value: N(3) } }, Expected: { body: { Value: S('secret') } } })) }), '"body"'],
  ['TransactWriteItems with an Update of an encrypted attribute (its Put is not sent either)', () => ({ send: () => low.send(new Low.TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: table, Item: { pk: S('r'), sk: N(2), body: S('b') } } },
    { Update: { TableName: table, Key: key, UpdateExpression: 'SET body = :v', ExpressionAttributeValues: { ':v': S('x') } } },
  ] })) }), '"body"'],
  ['TransactWriteItems with a ConditionCheck on an encrypted attribute', () => ({ send: () => low.send(new Low.TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: table, Item: { pk: S('r'), sk: N(2), body: S('b') } } },
    { ConditionCheck: { TableName: table, Key: key, ConditionExpression: 'contains(body, :b)', ExpressionAttributeValues: { ':b': S('sec') } } },
  ] })) }), '"body"'],
  ['TransactWriteItems with a Put whose ConditionExpression reads an encrypted attribute', () => ({ send: () => low.send(new Low.TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: table, Item: stored, ConditionExpression: 'size(tags) < :n', ExpressionAttributeValues: { ':n': N(3) } } },
  ] })) }), '"tags"'],
  ['ExecuteStatement', () => ({ send: () => low.send(new Low.ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}"` })) }), 'PartiQL'],
  ['BatchExecuteStatement', () => ({ send: () => low.send(new Low.BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM "${table}"` }] })) }), 'PartiQL'],
  ['ExecuteTransaction', () => ({ send: () => low.send(new Low.ExecuteTransactionCommand({ TransactStatements: [{ Statement: `DELETE FROM "${table}" WHERE pk = 'r' AND sk = 1` }] })) }), 'PartiQL'],
  ['Query FilterExpression on an encrypted attribute', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': S('r'), ':b': S('secret') } })) }), '"body"'],
  ['Query FilterExpression on a nested encrypted path through names', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'attribute_exists(body) AND #m.#i[0] = :x', ExpressionAttributeNames: { '#m': 'm', '#i': 'inner' }, ExpressionAttributeValues: { ':p': S('r'), ':x': S('x') } })) }), '"m"'],
  ['Query KeyConditionExpression reading an encrypted attribute', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p AND begins_with(body, :b)', ExpressionAttributeValues: { ':p': S('r'), ':b': S('s') } })) }), '"body"'],
  ['Scan FilterExpression with a function of an encrypted attribute', () => ({ send: () => low.send(new Low.ScanCommand({ TableName: table, FilterExpression: 'views > :n OR begins_with(#b, :b)', ExpressionAttributeNames: { '#b': 'body' }, ExpressionAttributeValues: { ':n': N(0), ':b': S('s') } })) }), '"body"'],
  ['Query legacy QueryFilter', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('r')] } }, QueryFilter: { body: { ComparisonOperator: 'EQ', AttributeValueList: [S('secret')] } } })) }), '"body"'],
  ['Query legacy KeyConditions on an encrypted attribute', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('r')] }, body: { ComparisonOperator: 'EQ', AttributeValueList: [S('secret')] } } })) }), '"body"'],
  ['Scan legacy ScanFilter', () => ({ send: () => low.send(new Low.ScanCommand({ TableName: table, ScanFilter: { tags: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('a')] } } })) }), '"tags"'],
  ['PutItem existence check of a path inside an encrypted attribute (never exists in ciphertext)', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: stored, ConditionExpression: 'attribute_not_exists(m.inner)' })) }), '"m"'],
  ['PutItem ConditionExpression on an encrypted attribute', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: stored, ConditionExpression: 'body <> :b', ExpressionAttributeValues: { ':b': S('secret') } })) }), '"body"'],
  ['PutItem legacy Expected on an encrypted attribute', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: stored, Expected: { body: { ComparisonOperator: 'EQ', AttributeValueList: [S('secret')] } } })) }), '"body"'],
  ['DeleteItem ConditionExpression on an encrypted attribute', () => ({ send: () => low.send(new Low.DeleteItemCommand({ TableName: table, Key: key, ConditionExpression: 'NOT (body IN (:a, :b))', ExpressionAttributeValues: { ':a': S('secret'), ':b': S('other') } })) }), '"body"'],
  ['DeleteItem legacy Expected on an encrypted attribute', () => ({ send: () => low.send(new Low.DeleteItemCommand({ TableName: table, Key: key, Expected: { body: { Exists: true, Value: S('secret') } } })) }), '"body"'],
  ['GetItem with a Key carrying a non-key attribute', () => ({ send: () => low.send(new Low.GetItemCommand({ TableName: table, Key: { ...key, body: S('secret') } })) }), '"body"'],
  ['DeleteItem with a Key carrying a non-key attribute', () => ({ send: () => low.send(new Low.DeleteItemCommand({ TableName: table, Key: { ...key, views: N(1) } })) }), '"views"'],
  ['UpdateItem with a Key carrying a non-key attribute', () => ({ send: () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: { ...key, body: S('secret') }, UpdateExpression: 'SET views = :v', ExpressionAttributeValues: { ':v': N(1) } })) }), '"body"'],
  ['Query with an ExclusiveStartKey carrying a non-key attribute', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('r') }, ExclusiveStartKey: { ...key, body: S('secret') } })) }), '"body"'],
  ['Scan of an index with an ExclusiveStartKey carrying a non-key attribute', () => ({ send: () => low.send(new Low.ScanCommand({ TableName: table, IndexName: 'by-status', ExclusiveStartKey: { ...key, status: S('open'), body: S('secret') } })) }), '"body"'],
  ['BatchGetItem with a key carrying a non-key attribute', () => ({ send: () => low.send(new Low.BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key, { ...key, body: S('secret') }] } } })) }), '"body"'],
  ['BatchWriteItem with a DeleteRequest key carrying a non-key attribute (its put is not sent either)', () => ({ send: () => low.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: [
    { PutRequest: { Item: { pk: S('r'), sk: N(7), body: S('b') } } }, { DeleteRequest: { Key: { ...key, body: S('secret') } } },
  ] } })) }), '"body"'],
  ['TransactGetItems with a key carrying a non-key attribute', () => ({ send: () => low.send(new Low.TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: { ...key, body: S('secret') } } }] })) }), '"body"'],
  ['TransactWriteItems with a Delete key carrying a non-key attribute', () => ({ send: () => low.send(new Low.TransactWriteItemsCommand({ TransactItems: [{ Delete: { TableName: table, Key: { ...key, tags: { SS: ['a'] } } } }] })) }), '"tags"'],
  ['PutItem legacy Expected existence check that still carries a value', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: stored, Expected: { body: { ComparisonOperator: 'NOT_NULL', AttributeValueList: [S('secret')] } } })) }), '"body"'],
  ['DeleteItem legacy Expected with Exists: false and a value', () => ({ send: () => low.send(new Low.DeleteItemCommand({ TableName: table, Key: key, Expected: { body: { Exists: false, Value: S('secret') } } })) }), '"body"'],
  ['Query legacy QueryFilter NULL check that carries a value', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('r')] } }, QueryFilter: { body: { ComparisonOperator: 'NULL', AttributeValueList: [S('secret')] } } })) }), '"body"'],
  ['PutItem of an item over 400 KB once encrypted (it fits in plaintext)', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: { ...key, body: S('x'.repeat(409_550)) } })) }), '400'],
  ['PutItem with a DO_NOTHING number above DynamoDB\'s range', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: { ...key, views: { N: '1E+126' } } })) }), '"views"'],
  ['PutItem with a DO_NOTHING number of 39 significant digits', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: { ...key, views: { N: '123456789012345678901234567890123456789' } } })) }), '"views"'],
  ['PutItem with a SIGN_ONLY number below DynamoDB\'s range, nested in a list', () => ({ send: () => low.send(new Low.PutItemCommand({ TableName: table, Item: { ...key, status: S('s'), views: { L: [{ N: '1E-131' }] } } })) }), '"views"'],
  ['BatchWriteItem with a top-level "__proto__" attribute', () => ({ send: () => low.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: [
    { PutRequest: { Item: Object.defineProperty({ ...key }, '__proto__', { value: S('x'), enumerable: true }) as Item } },
  ] } })) }), '"__proto__"'],
  ['Query of a KEYS_ONLY GSI', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-owner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': S('o') } })) }), '"by-owner"'],
  ['Query of an INCLUDE LSI with Select ALL_PROJECTED_ATTRIBUTES', () => ({ send: () => low.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-rank', Select: 'ALL_PROJECTED_ATTRIBUTES', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('r') } })) }), '"by-rank"'],
]

describe('EncryptedDynamoDBClient refusals (nothing sent)', () => {
  beforeAll(async () => { await low.tableInfo(table) })

  it.each(lowCases())('refuses %s', async (_name, build, mentions) => {
    await expectRefused(build().send, UnsupportedOperationError, mentions)
  })

  it.each([
    ['the partition key', 'pk'], ['the sort key', 'sk'], ['a GSI partition key', 'status'], ['a GSI key (keys-only index)', 'owner'],
    ['an LSI sort key', 'created'], ['an INCLUDE LSI sort key', 'rank'],
  ])('refuses an explicit ENCRYPT_AND_SIGN on %s for every operation', async (_what, attribute) => {
    const bad = EncryptedDynamoDBClient.from(spy.client, { materialsProvider: provider, attributeActions: new AttributeActions({ attributeActions: { [attribute]: CryptoAction.ENCRYPT_AND_SIGN } }) })
    await expectRefused(() => bad.send(new Low.PutItemCommand({ TableName: table, Item: stored })), InvalidArgumentError, `"${attribute}"`)
    await expectRefused(() => bad.send(new Low.GetItemCommand({ TableName: table, Key: key })), InvalidArgumentError, `"${attribute}"`)
    await expectRefused(() => bad.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('r') } })), InvalidArgumentError, `"${attribute}"`)
    const badDoc = EncryptedDynamoDBDocumentClient.from(spy.client, { materialsProvider: provider, attributeActions: new AttributeActions({ attributeActions: { [attribute]: CryptoAction.ENCRYPT_AND_SIGN } }) })
    await expectRefused(() => badDoc.send(new Doc.PutCommand({ TableName: table, Item: { pk: 'r', sk: 9 } })), InvalidArgumentError, `"${attribute}"`)
  })

  it('sends the allowed neighbours: existence checks on encrypted attributes, conditions on SIGN_ONLY ones, DO_NOTHING updates', async () => {
    spy.sent.length = 0
    const update = frozen({ TableName: table, Key: key, UpdateExpression: 'SET #v = #v + :one', ConditionExpression: 'attribute_exists(body) AND #s = :s AND size(#s) > :z',
      ExpressionAttributeNames: { '#s': 'status', '#v': 'views' }, ExpressionAttributeValues: { ':one': N(1), ':s': S('open'), ':z': N(0) }, ReturnValues: 'UPDATED_NEW' as const })
    const out = await low.send(new Low.UpdateItemCommand(update.value))
    expect(out.Attributes).toEqual({ views: N(2) })
    expect(update.value).toEqual(update.snapshot)
    // Legacy Expected with NOT_NULL / Exists: false are existence checks.
    await low.send(new Low.PutItemCommand({ TableName: table, Item: { ...stored, views: N(2) }, Expected: { body: { ComparisonOperator: 'NOT_NULL' }, nothing: { Exists: false } } }))
    const scan = await low.send(new Low.ScanCommand({ TableName: table, FilterExpression: 'attribute_not_exists(body) OR #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('open') } }))
    expect(scan.Items).toEqual([{ ...stored, views: N(2) }])
    expect(spy.sent).toEqual(['UpdateItem', 'PutItem', 'Scan'])
  })
})

describe('projections read own attributes only', () => {
  it.each([['constructor', 'constructor'], ['__proto__ through a name', '#p'], ['toString', 'toString']])('projecting %s returns no inherited member', async (_name, projection) => {
    const { Item } = await low.send(new Low.GetItemCommand({ TableName: table, Key: key, ConsistentRead: true, ProjectionExpression: projection,
      ...(projection === '#p' ? { ExpressionAttributeNames: { '#p': '__proto__' } } : {}) }))
    expect(Object.keys(Item ?? {})).toEqual([])
    expect(Object.getPrototypeOf(Item)).toBe(Object.prototype)
  })

  it('refuses a #name that ExpressionAttributeNames only inherits', async () => {
    const names = Object.create({ '#b': 'body' }) as Record<string, string>
    await expectRefused(() => low.send(new Low.GetItemCommand({ TableName: table, Key: key, ProjectionExpression: '#b', ExpressionAttributeNames: names })), InvalidArgumentError, '#b')
  })
})

describe('EncryptedDynamoDBDocumentClient and EncryptedTable refusals (nothing sent)', () => {
  beforeAll(async () => { await doc.encryptedClient.tableInfo(table) })
  const dkey = { pk: 'r', sk: 1 }

  it.each<[string, () => Promise<unknown>, string]>([
    ['UpdateCommand SET of an encrypted attribute', () => doc.send(new Doc.UpdateCommand({ TableName: table, Key: dkey, UpdateExpression: 'SET body = :v', ExpressionAttributeValues: { ':v': 'x' } })), '"body"'],
    ['UpdateCommand SET of a nested path through names', () => doc.send(new Doc.UpdateCommand({ TableName: table, Key: dkey, UpdateExpression: 'SET #m.inner = :v', ExpressionAttributeNames: { '#m': 'm' }, ExpressionAttributeValues: { ':v': [] } })), '"m"'],
    ['UpdateCommand legacy AttributeUpdates', () => doc.send(new Doc.UpdateCommand({ TableName: table, Key: dkey, AttributeUpdates: { status: { Action: 'PUT', Value: 'x' } } })), '"status"'],
    ['TransactWriteCommand with an Update', () => doc.send(new Doc.TransactWriteCommand({ TransactItems: [
      { Put: { TableName: table, Item: { pk: 'r', sk: 3, body: 'b' } } },
      { Update: { TableName: table, Key: dkey, UpdateExpression: 'REMOVE tags' } },
    ] })), '"tags"'],
    ['ExecuteStatementCommand', () => doc.send(new Doc.ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE body = ?`, Parameters: ['secret'] })), 'PartiQL'],
    ['QueryCommand FilterExpression', () => doc.send(new Doc.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'contains(tags, :t)', ExpressionAttributeValues: { ':p': 'r', ':t': 'a' } })), '"tags"'],
    ['QueryCommand legacy QueryFilter', () => doc.send(new Doc.QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: ['r'] } }, QueryFilter: { body: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: ['s'] } } })), '"body"'],
    ['ScanCommand FilterExpression', () => doc.send(new Doc.ScanCommand({ TableName: table, FilterExpression: 'body = :b', ExpressionAttributeValues: { ':b': 'secret' } })), '"body"'],
    ['ScanCommand legacy ScanFilter', () => doc.send(new Doc.ScanCommand({ TableName: table, ScanFilter: { body: { ComparisonOperator: 'NE', AttributeValueList: ['secret'] } } })), '"body"'],
    ['PutCommand ConditionExpression', () => doc.send(new Doc.PutCommand({ TableName: table, Item: { pk: 'r', sk: 1, body: 'x' }, ConditionExpression: 'body = :b', ExpressionAttributeValues: { ':b': 'secret' } })), '"body"'],
    ['PutCommand legacy Expected', () => doc.send(new Doc.PutCommand({ TableName: table, Item: { pk: 'r', sk: 1, body: 'x' }, Expected: { body: { Value: 'secret' } } })), '"body"'],
    ['DeleteCommand ConditionExpression', () => doc.send(new Doc.DeleteCommand({ TableName: table, Key: dkey, ConditionExpression: 'body = :b', ExpressionAttributeValues: { ':b': 'secret' } })), '"body"'],
    ['QueryCommand of a KEYS_ONLY GSI', () => doc.send(new Doc.QueryCommand({ TableName: table, IndexName: 'by-owner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': 'o' } })), '"by-owner"'],
    ['EncryptedTable.query with a FilterExpression on an encrypted attribute', () => encryptedTable.query({ KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': 'r', ':b': 'secret' } }), '"body"'],
    ['EncryptedTable.scan with a FilterExpression on an encrypted attribute', () => encryptedTable.scan({ FilterExpression: 'm.inner[0] = :x', ExpressionAttributeValues: { ':x': 'x' } }), '"m"'],
    ['EncryptedTable.get with a key carrying a non-key attribute', () => encryptedTable.get({ ...dkey, body: 'secret' }), '"body"'],
    ['EncryptedTable.delete with a key carrying a non-key attribute', () => encryptedTable.delete({ ...dkey, status: 'open' }), '"status"'],
    ['EncryptedTable.batchGet with a key carrying a non-key attribute', () => encryptedTable.batchGet([{ ...dkey, body: 'secret' }]), '"body"'],
    ['GetCommand with a Key carrying a non-key attribute', () => doc.send(new Doc.GetCommand({ TableName: table, Key: { ...dkey, body: 'secret' } })), '"body"'],
    ['EncryptedTable.query of a KEYS_ONLY GSI', () => encryptedTable.query({ IndexName: 'by-owner', KeyConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': 'o' } }), '"by-owner"'],
  ])('refuses %s', async (_name, send, mentions) => {
    await expectRefused(send, UnsupportedOperationError, mentions)
  })

  it('leaves the stored item untouched by all of the above', async () => {
    const { Item } = await low.send(new Low.GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))
    expect(Item?.['body']).toEqual(S('secret'))
    expect(Item?.['m']).toEqual(stored['m'])
  })
})
