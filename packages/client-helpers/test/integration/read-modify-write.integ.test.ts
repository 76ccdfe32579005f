// Updates of signed and encrypted attributes by read-modify-write (option `readModifyWrite: true`), on
// DynamoDB Local: the stored item stays encrypted and signed, results and errors are DynamoDB's, concurrent writers
// never lose an increment, and each such update costs exactly one extra (consistent) read.
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, UnsupportedOperationError } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { createWrappedProvider, spyClient, type SpiedClient } from '../support/integration'

type Item = Record<string, AttributeValue>

// counter, secret: ENCRYPT_AND_SIGN (default); status: SIGN_ONLY; views: DO_NOTHING.
const attributeActions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const materialsProvider = createWrappedProvider()
const S = (s: string): AttributeValue => ({ S: s })
const N = (n: string): AttributeValue => ({ N: n })

let ddb: DynamoDBClient
let spy: SpiedClient
let table: string
let rmw: ReturnType<typeof EncryptedDynamoDBClient.from<DynamoDBClient>>
let refusing: ReturnType<typeof EncryptedDynamoDBClient.from<DynamoDBClient>>

beforeAll(async () => {
  ddb = createDynamoDBClient()
  table = await createTestTable(ddb, { namePrefix: 'ch-rmw', partitionKey: { name: 'pk', type: 'S' } })
  spy = spyClient()
  rmw = EncryptedDynamoDBClient.from(spy.client, { materialsProvider, attributeActions, readModifyWrite: true })
  refusing = EncryptedDynamoDBClient.from(spy.client, { materialsProvider, attributeActions })
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, table)
  ddb.destroy()
  spy.client.destroy()
})

async function raw(pk: string): Promise<Item | undefined> {
  return (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: S(pk) }, ConsistentRead: true }))).Item
}

describe('UpdateItem by read-modify-write', () => {
  it('updates encrypted and signed attributes, keeps the item encrypted and signed, returns plaintext ReturnValues', async () => {
    const key = { pk: S('rmw-1') }
    const created = await rmw.send(new UpdateItemCommand({
      TableName: table, Key: key,
      UpdateExpression: 'SET secret = :s, #status = :open, tags = :tags ADD #counter :one',
      ExpressionAttributeNames: { '#status': 'status', '#counter': 'counter' },
      ExpressionAttributeValues: { ':s': S('top secret'), ':open': S('open'), ':tags': { SS: ['a'] }, ':one': N('1') },
      ReturnValues: 'ALL_NEW',
    }))
    expect(created.Attributes).toEqual({ pk: S('rmw-1'), secret: S('top secret'), status: S('open'), tags: { SS: ['a'] }, counter: N('1') })

    const updated = await rmw.send(new UpdateItemCommand({
      TableName: table, Key: key,
      UpdateExpression: 'SET #counter = #counter + :two, notes = list_append(if_not_exists(notes, :empty), :note) REMOVE tags',
      ConditionExpression: 'secret = :s AND #status = :open',
      ExpressionAttributeNames: { '#status': 'status', '#counter': 'counter' },
      ExpressionAttributeValues: { ':two': N('2'), ':empty': { L: [] }, ':note': { L: [S('n1')] }, ':s': S('top secret'), ':open': S('open') },
      ReturnValues: 'UPDATED_OLD',
    }))
    expect(updated.Attributes).toEqual({ counter: N('1'), tags: { SS: ['a'] } })

    const stored = await raw('rmw-1')
    expect(stored?.[ReservedAttribute.Signature]).toBeDefined()
    expect(stored?.secret).toHaveProperty('B')
    expect(stored?.counter).toHaveProperty('B')
    expect(stored?.status).toEqual(S('open'))
    expect(stored).not.toHaveProperty('tags')
    const read = await rmw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))
    expect(read.Item).toEqual({ pk: S('rmw-1'), secret: S('top secret'), status: S('open'), counter: N('3'), notes: { L: [S('n1')] } })
  })

  it('returns ALL_OLD, UPDATED_NEW, UPDATED_OLD and NONE as DynamoDB does on a plaintext table, in plaintext', async () => {
    const plainTable = await createTestTable(ddb, { namePrefix: 'ch-rmw-plain', partitionKey: { name: 'pk', type: 'S' } })
    try {
      const key = { pk: S('rmw-rv') }
      const start = { ...key, secret: S('a'), m: { M: { other: N('1'), nums: { L: [N('1'), N('2')] } } } }
      const run = async (send: (command: UpdateItemCommand | PutItemCommand | GetItemCommand) => Promise<{ Attributes?: unknown; Item?: unknown }>, tableName: string) => {
        const update = (ReturnValues: 'ALL_OLD' | 'UPDATED_NEW' | 'UPDATED_OLD' | 'NONE', value: string) => send(new UpdateItemCommand({
          TableName: tableName, Key: key, UpdateExpression: 'SET secret = :s, m.deep = :s, m.nums[1] = :s', ExpressionAttributeValues: { ':s': S(value) }, ReturnValues,
        }))
        await send(new PutItemCommand({ TableName: tableName, Item: start }))
        const out = []
        for (const [rv, value] of [['ALL_OLD', 'b'], ['UPDATED_NEW', 'c'], ['UPDATED_OLD', 'd'], ['NONE', 'e']] as const) out.push((await update(rv, value)).Attributes)
        out.push((await send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item)
        return out
      }
      const expected = await run((c) => ddb.send(c as never) as Promise<{ Attributes?: unknown; Item?: unknown }>, plainTable)
      expect(await run((c) => rmw.send(c as never), table)).toEqual(expected)
      expect(expected[1]).toBeDefined()
    } finally {
      await deleteTestTable(ddb, plainTable)
    }
  })

  it('fails a condition on an encrypted attribute as DynamoDB does, with the old item when asked, and writes nothing', async () => {
    const key = { pk: S('rmw-2') }
    await rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': S('v1') } }))
    const before = await raw('rmw-2')
    const attempt = rmw.send(new UpdateItemCommand({
      TableName: table, Key: key, UpdateExpression: 'SET secret = :s', ConditionExpression: 'secret = :other',
      ExpressionAttributeValues: { ':s': S('v2'), ':other': S('nope') }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }))
    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException)
    await expect(attempt).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', Item: { pk: S('rmw-2'), secret: S('v1') } })
    expect(await raw('rmw-2')).toEqual(before)
  })

  it('rejects invalid expressions and impossible updates with DynamoDB ValidationException messages', async () => {
    const key = { pk: S('rmw-3') }
    await expect(rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET secret = :s + :s', ExpressionAttributeValues: { ':s': S('x') } })))
      .rejects.toMatchObject({ name: 'ValidationException', message: 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S' })
    await expect(rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET secret = absent + :one', ExpressionAttributeValues: { ':one': N('1') } })))
      .rejects.toMatchObject({ name: 'ValidationException', message: 'The provided expression refers to an attribute that does not exist in the item' })
    await expect(rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET pk = :s', ExpressionAttributeValues: { ':s': S('x') } })))
      .rejects.toMatchObject({ name: 'ValidationException' })
    expect(await raw('rmw-3')).toBeUndefined()
  })

  it('costs one consistent read per update of signed attributes; DO_NOTHING-only updates go straight to DynamoDB', async () => {
    const key = { pk: S('rmw-4') }
    spy.sent.length = 0
    spy.inputs.length = 0
    await rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': S('x') } }))
    expect(spy.sent).toEqual(['GetItem', 'UpdateItem'])
    expect(spy.inputs[0]?.input).toMatchObject({ ConsistentRead: true })
    spy.sent.length = 0
    await rmw.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'ADD #views :one', ExpressionAttributeNames: { '#views': 'views' }, ExpressionAttributeValues: { ':one': N('1') } }))
    expect(spy.sent).toEqual(['UpdateItem'])
    expect((await rmw.send(new GetItemCommand({ TableName: table, Key: key }))).Item).toEqual({ pk: S('rmw-4'), secret: S('x'), views: N('1') })
  })

  it('without the option, an update of a signed attribute is still refused before anything is sent', async () => {
    spy.sent.length = 0
    await expect(refusing.send(new UpdateItemCommand({ TableName: table, Key: { pk: S('rmw-5') }, UpdateExpression: 'SET #status = :s', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':s': S('x') } })))
      .rejects.toBeInstanceOf(UnsupportedOperationError)
    expect(spy.sent.filter((op) => op !== 'DescribeTable')).toEqual([])
  })

  it('evaluates PutItem and DeleteItem conditions on encrypted attributes on the plaintext', async () => {
    const key = { pk: S('rmw-6') }
    await rmw.send(new PutItemCommand({ TableName: table, Item: { ...key, secret: S('v1') }, ConditionExpression: 'attribute_not_exists(pk)' }))
    const put = (secret: string, expected: string) => rmw.send(new PutItemCommand({
      TableName: table, Item: { ...key, secret: S(secret) }, ConditionExpression: 'secret = :expected',
      ExpressionAttributeValues: { ':expected': S(expected) }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }))
    await expect(put('v2', 'wrong')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', Item: { ...key, secret: S('v1') } })
    await put('v2', 'v1')
    expect((await rmw.send(new GetItemCommand({ TableName: table, Key: key }))).Item).toEqual({ ...key, secret: S('v2') })
    expect((await raw('rmw-6'))?.secret).toHaveProperty('B')
    const del = (expected: string) => rmw.send(new DeleteItemCommand({
      TableName: table, Key: key, ConditionExpression: 'begins_with(secret, :p)', ExpressionAttributeValues: { ':p': S(expected) }, ReturnValues: 'ALL_OLD',
    }))
    await expect(del('x')).rejects.toBeInstanceOf(ConditionalCheckFailedException)
    expect((await del('v')).Attributes).toEqual({ ...key, secret: S('v2') })
    expect(await raw('rmw-6')).toBeUndefined()
  })

  it('N concurrent writers incrementing one encrypted counter through UpdateCommand end with exactly N increments', async () => {
    const writers = 8
    const doc = DynamoDBDocumentClient.from(rmw)
    await Promise.all(Array.from({ length: writers }, () => doc.send(new UpdateCommand({
      TableName: table, Key: { pk: 'counter' },
      UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one',
      ExpressionAttributeNames: { '#c': 'counter' },
      ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
    }))))
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'counter' }, ConsistentRead: true }))
    expect(Item).toEqual({ pk: 'counter', counter: writers })
    const stored = await raw('counter')
    expect(stored?.counter).toHaveProperty('B')
    expect(stored?.[ReservedAttribute.Signature]).toBeDefined()
  }, 120_000)
})
