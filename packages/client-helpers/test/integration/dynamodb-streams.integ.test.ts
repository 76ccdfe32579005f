// The Streams helper on DynamoDB Local's streams: records written through the encrypted client are verified and
// decrypted, in the Streams API shape (Uint8Array binaries) and in Lambda's event shape (base64 binaries).
import { CreateTableCommand, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams'
import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { DEFAULT_REGION, FAKE_CREDENTIALS, createDynamoDBClient, deleteTestTable, dynamoDbEndpoint } from '@ddb-encryption/testing'
import { DynamoDBStreamDecryptor, EncryptedDynamoDBClient, ItemDecryptionError, type StreamRecordLike } from '@ddb-encryption/client-helpers'
import { createWrappedProvider } from '../support/integration'

jest.setTimeout(60_000)

const options = {
  materialsProvider: createWrappedProvider(),
  attributeActions: new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } }),
}
let ddb: DynamoDBClient
let streams: DynamoDBStreamsClient
let table: string
let streamArn: string
let records: _Record[]

beforeAll(async () => {
  ddb = createDynamoDBClient()
  streams = new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint(), region: DEFAULT_REGION, credentials: { ...FAKE_CREDENTIALS } })
  table = `ch-streams-${globalThis.crypto.randomUUID().slice(0, 8)}`
  const created = await ddb.send(new CreateTableCommand({
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }))
  streamArn = created.TableDescription?.LatestStreamArn as string
  const client = EncryptedDynamoDBClient.from(ddb, options)
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { N: '1' }, status: { S: 'new' }, secret: { S: 'first' }, blob: { B: new Uint8Array([1, 2]) } } }))
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { N: '1' }, status: { S: 'paid' }, secret: { S: 'second' }, blob: { B: new Uint8Array([3]) } } }))
  await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'a' }, sk: { N: '1' } } }))
  // A tampered write: signed status changed in the stored item, through the plain client.
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'b' }, sk: { N: '1' }, status: { S: 'ok' }, secret: { S: 'x' } } }))
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? []
  records = []
  for (const shard of shards) {
    const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId as string, ShardIteratorType: 'TRIM_HORIZON' }))
    records.push(...((await streams.send(new GetRecordsCommand({ ShardIterator }))).Records ?? []))
  }
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, table)
  ddb.destroy()
  streams.destroy()
})

const plain = (image: Record<string, unknown> | undefined) => image && { status: image['status'], secret: image['secret'], blob: image['blob'] }

describe('DynamoDBStreamDecryptor', () => {
  it('verifies and decrypts NewImage and OldImage of Streams API records (INSERT, MODIFY, REMOVE)', async () => {
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE', 'INSERT'])
    // What the stream carries is ciphertext.
    expect(records[0]?.dynamodb?.NewImage?.['secret']).toHaveProperty('B')
    const decryptor = new DynamoDBStreamDecryptor({ ...options, client: ddb })
    const [insert, modify, remove] = await Promise.all(records.slice(0, 3).map((r) => decryptor.decryptRecord(r, table)))
    expect(plain(insert?.dynamodb?.NewImage)).toEqual({ status: { S: 'new' }, secret: { S: 'first' }, blob: { B: new Uint8Array([1, 2]) } })
    expect(plain(modify?.dynamodb?.OldImage)).toEqual({ status: { S: 'new' }, secret: { S: 'first' }, blob: { B: new Uint8Array([1, 2]) } })
    expect(plain(modify?.dynamodb?.NewImage)).toEqual({ status: { S: 'paid' }, secret: { S: 'second' }, blob: { B: new Uint8Array([3]) } })
    expect(remove?.dynamodb?.NewImage).toBeUndefined()
    expect(plain(remove?.dynamodb?.OldImage)).toEqual({ status: { S: 'paid' }, secret: { S: 'second' }, blob: { B: new Uint8Array([3]) } })
  })

  it('reads Lambda DynamoDBStreamEvent records (base64 binaries, table from eventSourceARN)', async () => {
    const toJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) =>
      (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)))
    const event = { Records: records.slice(0, 2).map((r): StreamRecordLike => ({ ...(toJson(r) as StreamRecordLike), eventSourceARN: streamArn })) }
    const decryptor = new DynamoDBStreamDecryptor({ ...options, client: ddb })
    const { records: out, failed } = await decryptor.decryptRecords(event.Records)
    expect(failed).toEqual([])
    expect(plain(out[1]?.dynamodb?.NewImage as Record<string, unknown>)).toEqual({ status: { S: 'paid' }, secret: { S: 'second' }, blob: { B: new Uint8Array([3]) } })
  })

  it('refuses a Lambda record whose binary is not standard base64 (typed error naming the attribute, not the value)', async () => {
    const toJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) =>
      (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)))
    const json = toJson(records[0]) as StreamRecordLike & { dynamodb: { NewImage: Record<string, { B?: string }> } }
    const blob = json.dynamodb.NewImage['blob']?.B as string
    const decryptor = new DynamoDBStreamDecryptor({ ...options, client: ddb })
    // The canonical form decrypts; MIME line breaks, missing padding, the URL alphabet and stray characters are refused.
    await expect(decryptor.decryptRecord(json, table)).resolves.toBeDefined()
    const spoiled = [`${blob.slice(0, 4)}\r\n${blob.slice(4)}`, (blob.endsWith('=') ? blob.replace(/=+$/, '') : blob.slice(0, -1)), blob.replace(/\+/g, '-').replace(/\//g, '_').replace(/[A-Za-z0-9]/, '-'), `${blob}!`]
    for (const bad of spoiled) {
      const record = { ...json, dynamodb: { ...json.dynamodb, NewImage: { ...json.dynamodb.NewImage, blob: { B: bad } } } }
      const error = await decryptor.decryptRecord(record, table).then(() => undefined, (e: unknown) => e)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"blob"') })
      expect((error as Error).message).not.toContain(bad)
    }
  })

  it('rejects a tampered image (typed error), or reports it; unknown tables are refused', async () => {
    const tampered = records[3] as _Record
    const altered = { ...tampered, dynamodb: { ...tampered.dynamodb, NewImage: { ...tampered.dynamodb?.NewImage, status: { S: 'forged' } } } }
    const throwing = new DynamoDBStreamDecryptor({ ...options, client: ddb })
    await expect(throwing.decryptRecord(altered, table)).rejects.toBeInstanceOf(ItemDecryptionError)
    const reporting = new DynamoDBStreamDecryptor({ ...options, client: ddb, onDecryptFailure: 'report' })
    const { records: good, failed } = await reporting.decryptRecords([records[0] as _Record, altered], table)
    expect(good).toHaveLength(1)
    expect(failed.map((f) => f.error.key)).toEqual([{ pk: { S: 'b' }, sk: { N: '1' } }])
    await expect(new DynamoDBStreamDecryptor(options).decryptRecord(records[0] as _Record, table)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })
})
