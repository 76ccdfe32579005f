import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { aesHmacProvider, FakeDynamoDB } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, TableInfo } from '@ddb-encryption/client-helpers'

const description = {
  TableName: 't',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }, { AttributeName: 'g', AttributeType: 'S' }],
  GlobalSecondaryIndexes: [{ IndexName: 'gi', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
  LocalSecondaryIndexes: [{ IndexName: 'li', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'l', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
}

describe('TableInfo', () => {
  it('reads keys, index schemas and the encryption context from a description', () => {
    const info = TableInfo.fromDescription(description)
    expect(info.partitionKey).toEqual({ name: 'pk', type: 'S' })
    expect(info.sortKey).toEqual({ name: 'sk', type: 'N' })
    expect(info.secondaryIndexKeyNames).toEqual(['g', 'l'])
    expect(info.index('gi')).toMatchObject({ kind: 'global', projectionType: 'KEYS_ONLY' })
    expect(info.encryptionContext).toEqual({ tableName: 't', partitionKeyName: 'pk', sortKeyName: 'sk' })
  })

  it('signs but never encrypts primary and index keys, and leaves them alone under a DO_NOTHING default', () => {
    const info = TableInfo.fromDescription(description)
    const protectedActions = info.protectAttributeActions(new AttributeActions())
    for (const k of ['pk', 'sk', 'g', 'l']) expect(protectedActions.action(k)).toBe(CryptoAction.SIGN_ONLY)
    expect(protectedActions.action('other')).toBe(CryptoAction.ENCRYPT_AND_SIGN)
    expect(info.protectedIndexKeys(new AttributeActions({ defaultAction: CryptoAction.DO_NOTHING }))).toEqual(['pk', 'sk'])
  })

  it.each(['pk', 'g', 'l'])('refuses an explicit ENCRYPT_AND_SIGN on key attribute %s, naming it and SIGN_ONLY', (name) => {
    const info = TableInfo.fromDescription(description)
    const actions = new AttributeActions({ attributeActions: { [name]: CryptoAction.ENCRYPT_AND_SIGN } })
    expect(() => info.protectAttributeActions(actions)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(new RegExp(`"${name}".*SIGN_ONLY`)) }))
  })

  it('describes a table with one DescribeTable call', async () => {
    let calls = 0
    const client = { send: async () => { calls++; return { Table: description } } }
    const info = await TableInfo.describe({ client, tableName: 't' })
    expect(info.primaryKeyNames).toEqual(['pk', 'sk'])
    expect(calls).toBe(1)
    expect(info.encryptionContext).toEqual({ tableName: 't', partitionKeyName: 'pk', sortKeyName: 'sk' })
  })

  it('takes the client and the table name as options, refusing either missing before any call', async () => {
    let calls = 0
    const client = { send: async () => { calls++; return { Table: description } } }
    await expect(TableInfo.describe({ tableName: 't' } as never)).rejects.toThrow(expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT', message: 'TableInfo.describe: "client" option must be a DynamoDB client',
    }))
    await expect(TableInfo.describe(client as never)).rejects.toThrow('TableInfo.describe: "client" option must be a DynamoDB client') // the old positional call
    await expect(TableInfo.describe({ client } as never)).rejects.toThrow('TableInfo.describe: "tableName" option must be a non-empty string')
    expect(calls).toBe(0)
  })
})

describe('the DescribeTable cache of an encrypted client', () => {
  it('describes a table once per client and again after refreshTableInfo', async () => {
    const fake = new FakeDynamoDB({ t: { pk: 'k' } })
    const client = EncryptedDynamoDBClient.from(fake.client, { materialsProvider: aesHmacProvider() })
    const [a, b] = await Promise.all([client.tableInfo('t'), client.tableInfo('t')])
    expect(a).toBe(b)
    expect(fake.ops).toEqual(['DescribeTable'])
    await client.refreshTableInfo('t')
    await client.tableInfo('t')
    expect(fake.ops).toEqual(['DescribeTable', 'DescribeTable'])
    // Another client has its own cache.
    await EncryptedDynamoDBClient.from(fake.client, { materialsProvider: aesHmacProvider() }).tableInfo('t')
    expect(fake.ops).toHaveLength(3)
  })

  it('does not cache a failed DescribeTable, and lets its error through unchanged', async () => {
    const fake = new FakeDynamoDB({ t: { pk: 'k' } })
    fake.answers['DescribeTable'] = [{ error: 'ThrottlingException' }]
    const client = EncryptedDynamoDBClient.from(fake.client, { materialsProvider: aesHmacProvider() })
    await expect(client.tableInfo('t')).rejects.toMatchObject({ name: 'ThrottlingException' })
    await expect(client.tableInfo('t')).resolves.toBeInstanceOf(TableInfo)
  })
})
