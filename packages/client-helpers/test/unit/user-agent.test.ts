import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB, userAgentOf } from '@ddb-encryption/testing'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// Read independently of src/package-version.ts, so the test also proves the version that goes on the wire.
const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
const SUFFIX = `ddb-encryption-js/${version}`

const USERS_TABLE = {
  Table: { TableName: 'users', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] },
}

describe('user agent', () => {
  it('appends ddb-encryption-js/<version> to the requests it sends, without changing the caller client or command', async () => {
    const { client, requests } = new FakeDynamoDB({}, { respond: ({ op }) => (op === 'DescribeTable' ? USERS_TABLE : {}) })
    const clientStackBefore = client.middlewareStack.identify()
    const encrypted = EncryptedDynamoDBClient.from(client, { materialsProvider: aesHmacProvider() })
    const put = new PutItemCommand({ TableName: 'users', Item: { id: { S: 'u1' }, secret: { S: 'p@ss' } } })
    // The caller's own command middleware must still run on the command actually sent.
    put.middlewareStack.add(
      (next) => async (args) => {
        ;(args as { request: { headers: Record<string, string> } }).request.headers['x-test-caller'] = 'yes'
        return next(args)
      },
      { step: 'build', name: 'callerHeader' },
    )
    const commandStackBefore = put.middlewareStack.identify()

    await encrypted.send(put)
    await encrypted.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: 'u1' } } }))

    expect(requests.map((r) => r.op)).toEqual(['DescribeTable', 'PutItem', 'GetItem'])
    for (const request of requests) expect(userAgentOf(request)).toContain(SUFFIX)
    expect(requests[1]?.headers['x-test-caller']).toBe('yes')
    expect(put.middlewareStack.identify()).toEqual(commandStackBefore)
    expect(client.middlewareStack.identify()).toEqual(clientStackBefore)

    // The caller's own later requests, through its plain client, carry no suffix: neither a new command nor the
    // command it first gave to the encrypted client.
    await client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: 'u1' } } }))
    await client.send(put)
    expect(requests).toHaveLength(5)
    expect(userAgentOf(requests[3])).not.toContain('ddb-encryption-js')
    expect(userAgentOf(requests[4])).not.toContain('ddb-encryption-js')
    expect(requests[4]?.headers['x-test-caller']).toBe('yes')
    // The caller's item still is plaintext in its command (it was never rewritten).
    expect(put.input.Item?.['secret']).toEqual({ S: 'p@ss' })
  })
})
