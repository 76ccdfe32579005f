// EncryptedTable offers what the encrypted clients offer, with the same options, on DynamoDB Local: conditional
// put / delete, update, transactGet / transactWrite, and the options that move work to the client
// (`readModifyWrite`, `updateRetry`, `clientSideFilters`) forwarded; without them the same refusals, nothing sent.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, UnsupportedOperationError } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedTable } from '@ddb-encryption/client-helpers'
import { createWrappedProvider, spyClient, type SpiedClient } from '../support/integration'

// secret, counter: ENCRYPT_AND_SIGN (default); status: SIGN_ONLY; views: DO_NOTHING.
const attributeActions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const materialsProvider = createWrappedProvider()

let ddb: DynamoDBClient
let spy: SpiedClient
let tableName: string
let table: EncryptedTable
let refusing: EncryptedTable

beforeAll(async () => {
  ddb = createDynamoDBClient()
  tableName = await createTestTable(ddb, { namePrefix: 'ch-table-parity', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
  spy = spyClient()
  table = new EncryptedTable({ client: spy.client, tableName, materialsProvider, attributeActions, readModifyWrite: true, clientSideFilters: true, updateRetry: { maxAttempts: 50, baseDelayMs: 2 } })
  refusing = new EncryptedTable({ client: spy.client, tableName, materialsProvider, attributeActions })
  await table.get({ pk: 'warm', sk: 0 })
  await refusing.get({ pk: 'warm', sk: 0 })
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, tableName)
  ddb.destroy()
  spy.client.destroy()
})

async function raw(pk: string, sk: number): Promise<Record<string, AttributeValue> | undefined> {
  return (await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { N: String(sk) } }, ConsistentRead: true }))).Item
}

describe('EncryptedTable parity with the encrypted clients', () => {
  it('put and delete take conditions (on encrypted attributes with readModifyWrite) and ReturnValues', async () => {
    expect(await table.put({ pk: 'p', sk: 1, secret: 'v1', status: 'open' }, { ConditionExpression: 'attribute_not_exists(pk)' })).toBeUndefined()
    await expect(table.put({ pk: 'p', sk: 1, secret: 'v2' }, { ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': 'wrong' }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }))
      .rejects.toMatchObject({ name: 'ConditionalCheckFailedException', Item: { pk: { S: 'p' }, sk: { N: '1' }, secret: { S: 'v1' }, status: { S: 'open' } } })
    const old = await table.put({ pk: 'p', sk: 1, secret: 'v2', status: 'open' }, { ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': 'v1' }, ReturnValues: 'ALL_OLD' })
    expect(old).toEqual({ pk: 'p', sk: 1, secret: 'v1', status: 'open' })
    expect((await raw('p', 1))?.['secret']).toHaveProperty('B')
    await expect(table.delete({ pk: 'p', sk: 1 }, { ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': 'v1' } })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
    expect(await table.delete({ pk: 'p', sk: 1 }, { ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': 'v2' }, ReturnValues: 'ALL_OLD' }))
      .toEqual({ pk: 'p', sk: 1, secret: 'v2', status: 'open' })
    expect(await table.get({ pk: 'p', sk: 1 }, { consistentRead: true })).toBeUndefined()
  })

  it('update applies DO_NOTHING updates on DynamoDB and signed / encrypted ones by read-modify-write', async () => {
    await table.put({ pk: 'u', sk: 1, secret: 's', counter: 1, views: 0 })
    spy.sent.length = 0
    expect(await table.update({ pk: 'u', sk: 1 }, { UpdateExpression: 'ADD #v :one', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' }))
      .toEqual({ views: 1 })
    expect(spy.sent).toEqual(['UpdateItem'])
    spy.sent.length = 0
    expect(await table.update({ pk: 'u', sk: 1 }, {
      UpdateExpression: 'SET #c = #c + :one, #s = :st', ConditionExpression: 'secret = :s',
      ExpressionAttributeNames: { '#c': 'counter', '#s': 'status' }, ExpressionAttributeValues: { ':one': 1, ':st': 'done', ':s': 's' }, ReturnValues: 'ALL_NEW',
    })).toEqual({ pk: 'u', sk: 1, secret: 's', counter: 2, views: 1, status: 'done' })
    expect(spy.sent).toEqual(['GetItem', 'UpdateItem'])
    const stored = await raw('u', 1)
    expect(stored?.['counter']).toHaveProperty('B')
    expect(stored?.[ReservedAttribute.Signature]).toBeDefined()
  })

  it('updateRetry is forwarded: a read-modify-write that loses every race ends in TransactionConflictException', async () => {
    await table.put({ pk: 'lost', sk: 1, secret: 'a' })
    // Another writer changes the item after each of our reads.
    const base = createDynamoDBClient()
    let reads = 0
    base.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args)
      if (context.commandName === 'GetItemCommand') {
        reads++
        await table.put({ pk: 'lost', sk: 1, secret: `other-${reads}` })
      }
      return result
    }, { step: 'initialize', name: 'testInterleave' })
    const twice = new EncryptedTable({ client: base, tableName, materialsProvider, attributeActions, readModifyWrite: true, updateRetry: { maxAttempts: 2, baseDelayMs: 1 } })
    await expect(twice.update({ pk: 'lost', sk: 1 }, { UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': 'mine' } }))
      .rejects.toMatchObject({ name: 'TransactionConflictException' })
    expect(reads).toBe(2)
    expect(await table.get({ pk: 'lost', sk: 1 }, { consistentRead: true })).toEqual({ pk: 'lost', sk: 1, secret: 'other-2' })
    base.destroy()
  })

  it('concurrent updates of an encrypted counter through EncryptedTable.update lose no increment', async () => {
    const writers = 6
    await Promise.all(Array.from({ length: writers }, () => table.update({ pk: 'race', sk: 1 }, {
      UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one', ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
    })))
    expect(await table.get({ pk: 'race', sk: 1 }, { consistentRead: true })).toEqual({ pk: 'race', sk: 1, counter: writers })
  }, 60_000)

  it('transactWrite and transactGet work on this table, conditions on encrypted attributes included', async () => {
    await table.put({ pk: 't', sk: 1, secret: 'a', counter: 10 })
    await table.transactWrite([
      { Update: { Key: { pk: 't', sk: 1 }, UpdateExpression: 'SET #c = #c - :n', ConditionExpression: 'secret = :a', ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':n': 3, ':a': 'a' } } },
      { Put: { Item: { pk: 't', sk: 2, secret: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ])
    expect(await table.transactGet([{ pk: 't', sk: 1 }, { pk: 't', sk: 3 }, { pk: 't', sk: 2 }]))
      .toEqual([{ pk: 't', sk: 1, secret: 'a', counter: 7 }, undefined, { pk: 't', sk: 2, secret: 'b' }])
    await expect(table.transactWrite([
      { ConditionCheck: { Key: { pk: 't', sk: 2 }, ConditionExpression: 'secret = :x', ExpressionAttributeValues: { ':x': 'x' } } },
      { Delete: { Key: { pk: 't', sk: 1 } } },
    ])).rejects.toMatchObject({ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] })
    expect(await table.get({ pk: 't', sk: 1 })).toEqual({ pk: 't', sk: 1, secret: 'a', counter: 7 })
  })

  it('query and scan filter on encrypted attributes after decryption (clientSideFilters forwarded)', async () => {
    await table.batchWrite({ put: [1, 2, 3, 4].map((sk) => ({ pk: 'f', sk, secret: sk % 2 === 0 ? 'even' : 'odd' })) })
    const page = await table.query({ KeyConditionExpression: 'pk = :p', FilterExpression: 'secret = :e', ExpressionAttributeValues: { ':p': 'f', ':e': 'even' } })
    expect(page.items).toEqual([{ pk: 'f', sk: 2, secret: 'even' }, { pk: 'f', sk: 4, secret: 'even' }])
    const scanned = await table.scan({ FilterExpression: 'pk = :p AND begins_with(secret, :o)', ExpressionAttributeValues: { ':p': 'f', ':o': 'o' } })
    expect(scanned.items.map((i) => i['sk']).sort()).toEqual([1, 3])
  })

  it('without the options, every one of these is refused naming the option, and nothing is sent', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => refusing.put({ pk: 'r', sk: 1, secret: 'x' }, { ConditionExpression: 'secret <> :x', ExpressionAttributeValues: { ':x': 'x' } }), 'readModifyWrite'],
      [() => refusing.delete({ pk: 'r', sk: 1 }, { ConditionExpression: 'secret = :x', ExpressionAttributeValues: { ':x': 'x' } }), 'readModifyWrite'],
      [() => refusing.update({ pk: 'r', sk: 1 }, { UpdateExpression: 'SET #s = :x', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':x': 'x' } }), 'readModifyWrite'],
      [() => refusing.transactWrite([{ Update: { Key: { pk: 'r', sk: 1 }, UpdateExpression: 'REMOVE secret' } }]), 'readModifyWrite'],
      [() => refusing.query({ KeyConditionExpression: 'pk = :p', FilterExpression: 'secret = :x', ExpressionAttributeValues: { ':p': 'r', ':x': 'x' } }), 'clientSideFilters'],
      [() => refusing.scan({ FilterExpression: 'contains(secret, :x)', ExpressionAttributeValues: { ':x': 'x' } }), 'clientSideFilters'],
    ]
    for (const [send, option] of cases) {
      spy.sent.length = 0
      const error = await send().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(UnsupportedOperationError)
      expect((error as Error).message).toContain(`"${option}: true"`)
      expect(spy.sent).toEqual([])
    }
  })
})
