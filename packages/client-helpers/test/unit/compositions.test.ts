import { GetItemCommand, PutItemCommand, paginateScan as paginateLowScan } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocument, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, paginateQuery } from '@aws-sdk/lib-dynamodb'
import { ReservedAttribute } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB } from '@ddb-encryption/testing'

const SIG = ReservedAttribute.Signature

function setup(): { fake: FakeDynamoDB; options: { materialsProvider: ReturnType<typeof aesHmacProvider> } } {
  return { fake: new FakeDynamoDB({ users: { pk: 'id' } }), options: { materialsProvider: aesHmacProvider() } }
}

/** The stored (wire) item of `id`: ciphertext for `secret`, a signature, the key in plaintext. */
function expectEncrypted(fake: FakeDynamoDB, id: string): void {
  const stored = fake.tables.get('users')?.get(JSON.stringify([{ S: id }, null]))
  expect(stored).toBeDefined()
  expect(Object.keys(stored ?? {})).toEqual(expect.arrayContaining(['id', 'secret', SIG]))
  expect(stored?.['secret']).toEqual({ B: expect.any(String) })
  expect(stored?.['id']).toEqual({ S: id })
}

describe('compositions over the middleware stack', () => {
  it('encrypts through EncryptedDynamoDBClient.send(cmd), send(cmd, cb) and send(cmd, options)', async () => {
    const { fake, options } = setup()
    const client = EncryptedDynamoDBClient.from(fake.client, options)
    await client.send(new PutItemCommand({ TableName: 'users', Item: { id: { S: 'a' }, secret: { S: 's1' } } }))
    expectEncrypted(fake, 'a')
    const viaCallback = await new Promise<unknown>((resolve, reject) => {
      client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: 'a' } } }), (error, data) => (error ? reject(error) : resolve(data?.Item)))
    })
    expect(viaCallback).toEqual({ id: { S: 'a' }, secret: { S: 's1' } })
    const { Item } = await client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: 'a' } } }), { abortSignal: new AbortController().signal })
    expect(Item).toEqual({ id: { S: 'a' }, secret: { S: 's1' } })
  })

  it('encrypts through DynamoDBDocumentClient.from(encrypted) and DynamoDBDocument.from(encrypted)', async () => {
    const { fake, options } = setup()
    const encrypted = EncryptedDynamoDBClient.from(fake.client, options)
    const doc = DynamoDBDocumentClient.from(encrypted)
    await doc.send(new PutCommand({ TableName: 'users', Item: { id: 'b', secret: 's2', n: 5 } }))
    expectEncrypted(fake, 'b')
    expect((await doc.send(new GetCommand({ TableName: 'users', Key: { id: 'b' } }))).Item).toEqual({ id: 'b', secret: 's2', n: 5 })
    const document = DynamoDBDocument.from(encrypted)
    await document.put({ TableName: 'users', Item: { id: 'c', secret: 's3' } })
    expectEncrypted(fake, 'c')
    expect((await document.get({ TableName: 'users', Key: { id: 'c' } })).Item).toEqual({ id: 'c', secret: 's3' })
  })

  it('encrypts through EncryptedDynamoDBDocumentClient and lib-dynamodb paginators; FailedItems-free pages decrypt', async () => {
    const { fake, options } = setup()
    const doc = EncryptedDynamoDBDocumentClient.from(fake.client, options)
    await doc.send(new PutCommand({ TableName: 'users', Item: { id: 'd', secret: 's4' } }))
    expectEncrypted(fake, 'd')
    const pages = []
    for await (const page of paginateQuery({ client: doc }, { TableName: 'users', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': 'd' } })) pages.push(page)
    expect(pages[0]?.Items).toEqual([{ id: 'd', secret: 's4' }])
    const low = []
    for await (const page of paginateLowScan({ client: doc.encryptedClient as never }, { TableName: 'users' })) low.push(...(page.Items ?? []))
    expect(low).toEqual([{ id: { S: 'd' }, secret: { S: 's4' } }])
    const again = DynamoDBDocument.from(doc)
    await again.put({ TableName: 'users', Item: { id: 'e', secret: 's5' } })
    expectEncrypted(fake, 'e')
    expect((await doc.send(new QueryCommand({ TableName: 'users', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': 'e' } }))).Items)
      .toEqual([{ id: 'e', secret: 's5' }])
  })

  it('never changes the caller client: it keeps sending in plaintext', async () => {
    const { fake, options } = setup()
    const before = fake.client.middlewareStack.identify()
    EncryptedDynamoDBClient.from(fake.client, options)
    expect(fake.client.middlewareStack.identify()).toEqual(before)
    await fake.client.send(new PutItemCommand({ TableName: 'users', Item: { id: { S: 'p' }, secret: { S: 'plain' } } }))
    expect(fake.tables.get('users')?.get(JSON.stringify([{ S: 'p' }, null]))?.['secret']).toEqual({ S: 'plain' })
  })
})
