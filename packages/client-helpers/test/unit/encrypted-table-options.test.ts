import { InvalidArgumentError, ReservedAttribute } from '@ddb-encryption/core'
import { EncryptedTable } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB } from '@ddb-encryption/testing'

describe('new EncryptedTable(options)', () => {
  it('takes the client in its options, like every other constructor, and round-trips through it', async () => {
    const fake = new FakeDynamoDB({ users: { pk: 'id' } })
    const table = new EncryptedTable({ client: fake.client, tableName: 'users', materialsProvider: aesHmacProvider() })
    await table.put({ id: '1', ssn: '123-45-6789' })
    const stored = [...(fake.tables.get('users')?.values() ?? [])][0]
    expect(stored?.[ReservedAttribute.Signature]).toBeDefined()
    expect(stored?.['ssn']).toHaveProperty('B')
    expect(await table.get({ id: '1' })).toEqual({ id: '1', ssn: '123-45-6789' })
    expect(fake.ops).toEqual(['DescribeTable', 'PutItem', 'GetItem'])
  })

  it.each([
    ['options', undefined, /EncryptedTable: options must be an object/],
    ['client', { client: {} }, /"client" must be an AWS SDK v3 DynamoDBClient/],
    ['tableName', { tableName: '' }, /EncryptedTable: "tableName" option must be a non-empty string/],
    ['batchMaxAttempts', { batchMaxAttempts: 0 }, /EncryptedTable: "batchMaxAttempts" option must be a positive integer/],
    ['batchBaseDelayMs', { batchBaseDelayMs: -1 }, /EncryptedTable: "batchBaseDelayMs" option must be a non-negative number of milliseconds/],
  ])('refuses a bad %s with InvalidArgumentError naming it', (_name, bad, message) => {
    const options = bad === undefined ? undefined : { client: new FakeDynamoDB().client, tableName: 'users', materialsProvider: aesHmacProvider(), ...bad }
    const attempt = (): unknown => new EncryptedTable(options as never)
    expect(attempt).toThrow(InvalidArgumentError)
    expect(attempt).toThrow(message)
  })
})
