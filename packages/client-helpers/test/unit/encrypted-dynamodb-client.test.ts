import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  BatchGetItemCommand,
  paginateScan,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, InvalidArgumentError, ReservedAttribute } from '@ddb-encryption/core'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'

type Item = Record<string, AttributeValue>
import { EncryptedDynamoDBClient, ItemDecryptionError, TableInfo, type DecryptFailureReport } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, deepFreeze, FakeDynamoDB, N, S } from '@ddb-encryption/testing'

const actions = new AttributeActions({
  attributeActions: { tag: CryptoAction.SIGN_ONLY, hits: CryptoAction.DO_NOTHING, meta: CryptoAction.DO_NOTHING },
})

function setup(options: Partial<Parameters<typeof EncryptedDynamoDBClient.from>[1]> = {}) {
  const fake = new FakeDynamoDB({ users: { pk: 'id' }, events: { pk: 'pk', sk: 'sk' } })
  const base = fake.client
  const provider = aesHmacProvider()
  const client = EncryptedDynamoDBClient.from(base, { materialsProvider: provider, attributeActions: actions, ...options })
  const dataOps = () => fake.sent.filter((s) => s.op !== 'DescribeTable')
  return { fake, client, provider, dataOps }
}

const user: Item = { id: S('u1'), secret: S('p@ss'), tag: S('blue'), hits: N('3'), meta: { M: { a: { L: [S('x'), S('y')] } } } }

describe('EncryptedDynamoDBClient.send PutItem / GetItem', () => {
  it('encrypts on the way in and decrypts on the way out, without changing frozen inputs', async () => {
    const { fake, client } = setup()
    const input = deepFreeze({ TableName: 'users', Item: { ...user } })
    await client.send(new PutItemCommand(input))
    const stored = fake.tables.get('users')?.get(fake.key('users', { id: S('u1') })) as Record<string, any>
    expect(stored['id']).toEqual(S('u1'))
    expect(stored['tag']).toEqual(S('blue'))
    expect(stored['hits']).toEqual(N('3'))
    expect(stored['secret']).toHaveProperty('B')
    expect(stored[ReservedAttribute.Signature]).toHaveProperty('B')
    expect(stored[ReservedAttribute.MaterialDescription]).toHaveProperty('B')
    const { Item } = await client.send(new GetItemCommand(deepFreeze({ TableName: 'users', Key: { id: S('u1') } })))
    expect(Item).toEqual(user)
  })

  it('decrypts the ALL_OLD item returned by PutItem and DeleteItem', async () => {
    const { client } = setup()
    await client.send(new PutItemCommand({ TableName: 'users', Item: user }))
    const put = await client.send(new PutItemCommand({ TableName: 'users', Item: { ...user, secret: S('new') }, ReturnValues: 'ALL_OLD' }))
    expect(put.Attributes).toEqual(user)
    const del = await client.send(new DeleteItemCommand({ TableName: 'users', Key: { id: S('u1') }, ReturnValues: 'ALL_OLD' }))
    expect(del.Attributes).toEqual({ ...user, secret: S('new') })
  })

  it('projects after decrypting and asks DynamoDB for the whole item', async () => {
    const { fake, client } = setup()
    await client.send(new PutItemCommand({ TableName: 'users', Item: user }))
    const { Item } = await client.send(new GetItemCommand({
      TableName: 'users', Key: { id: S('u1') }, ProjectionExpression: '#s, meta.a[1]', ExpressionAttributeNames: { '#s': 'secret' },
    }))
    expect(Item).toEqual({ secret: S('p@ss'), meta: { M: { a: { L: [S('y')] } } } })
    const sent = fake.sent.filter((s) => s.op === 'GetItem').pop()?.input
    expect(sent).not.toHaveProperty('ProjectionExpression')
    expect(sent).not.toHaveProperty('ExpressionAttributeNames')
  })

  it('fills the encryption context with the table name and primary key names from DescribeTable', async () => {
    const { client, provider } = setup()
    await client.send(new PutItemCommand({ TableName: 'events', Item: { pk: S('a'), sk: N('1'), body: S('b') } }))
    expect(provider.encryptionContexts[0]).toMatchObject({ tableName: 'events', partitionKeyName: 'pk', sortKeyName: 'sk' })
    expect(provider.encryptionContexts[0]?.attributes).toEqual({ pk: S('a'), sk: N('1'), body: S('b') })
  })
})

describe('EncryptedDynamoDBClient.send Query / Scan', () => {
  it('decrypts every item of a page in order', async () => {
    const { client } = setup({ decryptConcurrency: 2 })
    const items = Array.from({ length: 7 }, (_, i) => ({ pk: S('p'), sk: N(String(i)), body: S(`b${i}`) }))
    for (const Item of items) await client.send(new PutItemCommand({ TableName: 'events', Item }))
    const out = await client.send(new QueryCommand({ TableName: 'events', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') } }))
    expect(out.Items).toEqual(items)
  })

  it('fails the page with ItemDecryptionError naming only the table and key names when one item was tampered with', async () => {
    const { fake, client } = setup()
    await client.send(new PutItemCommand({ TableName: 'users', Item: user }))
    await client.send(new PutItemCommand({ TableName: 'users', Item: { ...user, id: S('u2') } }))
    const table = fake.tables.get('users') as Map<string, Record<string, any>>
    const k = fake.key('users', { id: S('u2') })
    table.set(k, { ...table.get(k), tag: S('red') })
    const error = await client.send(new ScanCommand({ TableName: 'users' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ItemDecryptionError)
    expect((error as ItemDecryptionError).code).toBe('ERR_DECRYPTION_FAILED')
    expect((error as ItemDecryptionError).key).toEqual({ id: S('u2') })
    expect((error as Error).message).toContain('"users"')
    expect((error as Error).message).toContain('"id"')
    expect((error as Error).message).not.toMatch(/u2|red|blue|p@ss/)
  })

  it("returns the good items and FailedItems under onDecryptFailure: 'report'", async () => {
    const { fake, client } = setup({ onDecryptFailure: 'report' })
    await client.send(new PutItemCommand({ TableName: 'users', Item: user }))
    await client.send(new PutItemCommand({ TableName: 'users', Item: { ...user, id: S('u2') } }))
    const table = fake.tables.get('users') as Map<string, Record<string, any>>
    const k = fake.key('users', { id: S('u2') })
    table.set(k, { ...table.get(k), tag: S('red') })
    const out: ScanCommandOutput & DecryptFailureReport = await client.send(new ScanCommand({ TableName: 'users' }))
    expect(out.Items).toEqual([user])
    expect(out.FailedItems?.map((f) => f.key)).toEqual([{ id: S('u2') }])
    expect(out.FailedItems?.[0]?.error).toBeInstanceOf(ItemDecryptionError)
  })

  it('passes Select COUNT through', async () => {
    const { fake, client } = setup()
    const out = await client.send(new ScanCommand({ TableName: 'users', Select: 'COUNT' }))
    expect(out.Count).toBe(0)
    expect(fake.sent.pop()?.input['Select']).toBe('COUNT')
  })

  it('works with paginateScan', async () => {
    const { client } = setup()
    await client.send(new PutItemCommand({ TableName: 'users', Item: user }))
    const pages = []
    for await (const page of paginateScan({ client }, { TableName: 'users' })) pages.push(page)
    expect(pages.flatMap((p) => p.Items)).toEqual([user])
  })
})

describe('EncryptedDynamoDBClient refusals (nothing is sent)', () => {
  const refused: [string, (c: EncryptedDynamoDBClient) => Promise<unknown>, RegExp][] = [
    ['an update of an encrypted attribute', (c) => c.send(new UpdateItemCommand({
      TableName: 'users', Key: { id: S('u1') }, UpdateExpression: 'SET hits = :h, #s = :v', ExpressionAttributeNames: { '#s': 'secret' },
      ExpressionAttributeValues: { ':h': N('1'), ':v': S('x') },
    })), /"secret".*ENCRYPT_AND_SIGN/],
    ['an update of a signed attribute through a nested path', (c) => c.send(new UpdateItemCommand({
      TableName: 'users', Key: { id: S('u1') }, UpdateExpression: 'REMOVE tag.x[0]',
    })), /"tag".*SIGN_ONLY/],
    ['a legacy AttributeUpdates of an encrypted attribute', (c) => c.send(new UpdateItemCommand({
      TableName: 'users', Key: { id: S('u1') }, AttributeUpdates: { secret: { Action: 'PUT', Value: S('x') } },
    })), /"secret"/],
    ['an update that copies an encrypted attribute', (c) => c.send(new UpdateItemCommand({
      TableName: 'users', Key: { id: S('u1') }, UpdateExpression: 'SET hits = secret',
    })), /"secret"/],
    ['PartiQL', (c) => c.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM users' })), /PartiQL/],
    ['a filter on an encrypted attribute', (c) => c.send(new ScanCommand({
      TableName: 'users', FilterExpression: 'contains(#s, :v)', ExpressionAttributeNames: { '#s': 'secret' }, ExpressionAttributeValues: { ':v': S('a') },
    })), /FilterExpression.*"secret"/],
    ['a legacy ScanFilter on an encrypted attribute', (c) => c.send(new ScanCommand({
      TableName: 'users', ScanFilter: { secret: { ComparisonOperator: 'EQ', AttributeValueList: [S('a')] } },
    })), /ScanFilter.*"secret"/],
    ['a condition on an encrypted attribute', (c) => c.send(new PutItemCommand({
      TableName: 'users', Item: user, ConditionExpression: 'secret = :v', ExpressionAttributeValues: { ':v': S('a') },
    })), /ConditionExpression.*"secret"/],
    ['a condition on an encrypted attribute in a transaction', (c) => c.send(new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName: 'users', Item: user } }, { ConditionCheck: { TableName: 'users', Key: { id: S('u2') }, ConditionExpression: 'secret = :v', ExpressionAttributeValues: { ':v': S('a') } } }],
    })), /"secret"/],
    ['an Update of a signed attribute in a transaction', (c) => c.send(new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName: 'users', Item: user } }, { Update: { TableName: 'users', Key: { id: S('u2') }, UpdateExpression: 'SET tag = :v', ExpressionAttributeValues: { ':v': S('a') } } }],
    })), /"tag"/],
    ['a legacy Expected on an encrypted attribute', (c) => c.send(new DeleteItemCommand({
      TableName: 'users', Key: { id: S('u1') }, Expected: { secret: { Value: S('a') } },
    })), /Expected.*"secret"/],
  ]
  it.each(refused)('refuses %s with UnsupportedOperationError', async (_name, run, message) => {
    const { client, dataOps } = setup()
    const error = await run(client).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    expect((error as Error).message).toMatch(message)
    expect(dataOps()).toEqual([])
  })

  it('refuses an explicit ENCRYPT_AND_SIGN on a key attribute, telling to use SIGN_ONLY', async () => {
    const { client, dataOps } = setup({ attributeActions: new AttributeActions({ attributeActions: { id: CryptoAction.ENCRYPT_AND_SIGN } }) })
    const error = await client.send(new PutItemCommand({ TableName: 'users', Item: user })).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    expect((error as Error).message).toMatch(/"id".*SIGN_ONLY/)
    expect(dataOps()).toEqual([])
  })

  it('refuses an unknown command that carries items', async () => {
    const { client, dataOps } = setup()
    // A command of an operation the client has no module for: the SDK names it in the handler context.
    const future = new PutItemCommand({ TableName: 'users', Item: user })
    future.middlewareStack.add((next, context) => (args) => {
      context.commandName = 'SomeFutureCommand'
      return next(args)
    }, { step: 'initialize', priority: 'high' })
    const error = await client.send(future).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    expect(dataOps()).toEqual([])
  })

  it('allows conditions on signed and do-nothing attributes, existence checks, and updates of do-nothing attributes', async () => {
    const { client, fake } = setup()
    await client.send(new PutItemCommand({ TableName: 'users', Item: user, ConditionExpression: 'attribute_not_exists(secret) OR tag = :t', ExpressionAttributeValues: { ':t': S('blue') } }))
    const out = await client.send(new UpdateItemCommand({
      TableName: 'users', Key: { id: S('u1') }, UpdateExpression: 'SET hits = hits + :one, meta.a[0] = :x ADD #h :one', ExpressionAttributeNames: { '#h': 'hits' },
      ConditionExpression: 'tag = :t', ExpressionAttributeValues: { ':one': N('1'), ':x': S('z'), ':t': S('blue') }, ReturnValues: 'ALL_NEW',
    }))
    expect(out.Attributes).toEqual(user)
    expect(fake.sent.map((s) => s.op)).toContain('UpdateItem')
  })
})

describe('EncryptedDynamoDBClient batches and transactions', () => {
  it('encrypts every PutRequest, leaves DeleteRequests, and maps UnprocessedItems back to the plaintext requests', async () => {
    const { client, fake } = setup()
    fake.overrides['BatchWriteItem'] = [(input) => ({ UnprocessedItems: { users: [input['RequestItems'].users[1]] } })]
    const req = deepFreeze({ RequestItems: { users: [
      { PutRequest: { Item: user } },
      { PutRequest: { Item: { ...user, id: S('u2') } } },
      { DeleteRequest: { Key: { id: S('u3') } } },
    ] } })
    const out = await client.send(new BatchWriteItemCommand(req))
    const sent = fake.sent.find((s) => s.op === 'BatchWriteItem')?.input['RequestItems'].users
    expect(sent[0].PutRequest.Item.secret).toHaveProperty('B')
    expect(sent[2]).toEqual({ DeleteRequest: { Key: { id: S('u3') } } })
    expect(out.UnprocessedItems).toEqual({ users: [{ PutRequest: { Item: { ...user, id: S('u2') } } }] })
  })

  it('retries UnprocessedItems with the already encrypted items until done', async () => {
    const { client, fake } = setup({ batchWriteRetry: { maxAttempts: 3, baseDelayMs: 1 } })
    fake.overrides['BatchWriteItem'] = [(input) => ({ UnprocessedItems: { users: [input['RequestItems'].users[0]] } })]
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { users: [{ PutRequest: { Item: user } }] } }))
    const sends = fake.sent.filter((s) => s.op === 'BatchWriteItem')
    expect(sends).toHaveLength(2)
    expect(sends[1]?.input['RequestItems'].users[0]).toEqual(sends[0]?.input['RequestItems'].users[0])
    expect(out.UnprocessedItems).toEqual({})
    const { Item } = await client.send(new GetItemCommand({ TableName: 'users', Key: { id: S('u1') } }))
    expect(Item).toEqual(user)
  })

  it('decrypts BatchGetItem responses and TransactGetItems, and encrypts TransactWriteItems puts', async () => {
    const { client, fake } = setup()
    await client.send(new TransactWriteItemsCommand(deepFreeze({ TransactItems: [
      { Put: { TableName: 'users', Item: user } },
      { Put: { TableName: 'events', Item: { pk: S('a'), sk: N('1'), body: S('b') } } },
    ] })))
    const sent = fake.sent.find((s) => s.op === 'TransactWriteItems')?.input
    expect(sent?.['TransactItems'][0].Put.Item.secret).toHaveProperty('B')
    const batch = await client.send(new BatchGetItemCommand({ RequestItems: { users: { Keys: [{ id: S('u1') }], ProjectionExpression: 'tag' }, events: { Keys: [{ pk: S('a'), sk: N('1') }] } } }))
    expect(batch.Responses).toEqual({ users: [{ tag: S('blue') }], events: [{ pk: S('a'), sk: N('1'), body: S('b') }] })
    const tx = await client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'users', Key: { id: S('u1') } } }, { Get: { TableName: 'users', Key: { id: S('nope') } } }] }))
    expect(tx.Responses).toEqual([{ Item: user }, {}])
  })

  it('passes other commands through unchanged', async () => {
    const { client, fake } = setup()
    fake.answers['ListTables'] = [{ body: { TableNames: ['users'] } }]
    const out = await client.send(new ListTablesCommand({}))
    expect(out.TableNames).toEqual(['users'])
    expect(fake.sent.map((s) => s.op)).toEqual(['ListTables'])
  })
})

describe('EncryptedDynamoDBClient.from', () => {
  it('is still an instanceof DynamoDBClient and of EncryptedDynamoDBClient, and validates options', () => {
    const { client } = setup()
    expect(client).toBeInstanceOf(DynamoDBClient)
    expect(client).toBeInstanceOf(EncryptedDynamoDBClient)
    expect(() => EncryptedDynamoDBClient.from(new FakeDynamoDB({}).client, { materialsProvider: aesHmacProvider(), decryptConcurrency: 0 }))
      .toThrow(/"decryptConcurrency"/)
    expect(() => EncryptedDynamoDBClient.from(new FakeDynamoDB({}).client, {} as never)).toThrow(/"materialsProvider"/)
  })

  it.each([
    ['options', null, /EncryptedDynamoDBClient: options must be an object/],
    ['materialsProvider', { materialsProvider: {} }, /EncryptedDynamoDBClient: "materialsProvider" option must be a CryptographicMaterialsProvider/],
    ['decryptConcurrency', { decryptConcurrency: 1.5 }, /"decryptConcurrency" option must be a positive integer/],
    ['onDecryptFailure', { onDecryptFailure: 'ignore' }, /"onDecryptFailure" option must be "throw" or "report"/],
    ['batchWriteRetry', { batchWriteRetry: { maxAttempts: 0, baseDelayMs: 0 } }, /"batchWriteRetry.maxAttempts" option must be a positive integer/],
    ['updateRetry', { updateRetry: { maxAttempts: 2, baseDelayMs: -1 } }, /"updateRetry.baseDelayMs" option must be a non-negative number of milliseconds/],
    ['readModifyWrite', { readModifyWrite: 'yes' }, /"readModifyWrite" option must be a boolean/],
    ['clientSideFilters', { clientSideFilters: 1 }, /"clientSideFilters" option must be a boolean/],
    ['migrationWindow', { migrationWindow: { onRead: 'log' } }, /"migrationWindow.onRead" option must be a function/],
  ])('refuses a bad %s option with InvalidArgumentError naming it', (_name, bad, message) => {
    const options = bad === null ? null : { materialsProvider: aesHmacProvider(), ...bad }
    const attempt = (): unknown => EncryptedDynamoDBClient.from(new FakeDynamoDB({}).client, options as never)
    expect(attempt).toThrow(InvalidArgumentError)
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(message) }))
  })

  it('refuses a client without an SDK v3 middleware stack, and construction with new, with InvalidArgumentError', () => {
    expect(() => EncryptedDynamoDBClient.from({ send: () => undefined } as never, { materialsProvider: aesHmacProvider() }))
      .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/"client" must be an AWS SDK v3 DynamoDBClient/) }))
    expect(() => new (EncryptedDynamoDBClient as unknown as new () => unknown)()).toThrow(InvalidArgumentError)
  })

  it('uses a tableInfo given in options instead of DescribeTable', async () => {
    const fake = new FakeDynamoDB({ t: { pk: 'k' } })
    const client = EncryptedDynamoDBClient.from(fake.client, {
      materialsProvider: aesHmacProvider(),
      tables: { t: { tableInfo: new TableInfo({ tableName: 't', partitionKey: { name: 'k', type: 'S' } }) } },
    })
    await client.send(new PutItemCommand({ TableName: 't', Item: { k: S('1'), v: S('2') } }))
    expect(fake.sent.map((s) => s.op)).toEqual(['PutItem'])
  })
})
