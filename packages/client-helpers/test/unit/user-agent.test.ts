import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { PACKAGE_VERSION } from '../../src/package-version'
import { createTestProvider } from '../support/test-provider'

interface CapturedRequest {
  target: string
  headers: Record<string, string>
}

const SUFFIX = `ddb-encryption-js/${PACKAGE_VERSION}`

/** A real DynamoDBClient whose HTTP layer records each request and answers with a minimal valid response. No network. */
function recordingClient(): { client: DynamoDBClient; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = []
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        const target = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
        requests.push({ target, headers: { ...request.headers } })
        const body = target === 'DescribeTable'
          ? { Table: { TableName: 'users', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] } }
          : {}
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new TextEncoder().encode(JSON.stringify(body)),
          },
        }
      },
    } as unknown as DynamoDBClient['config']['requestHandler'],
  })
  return { client, requests }
}

/** Both user-agent headers of a request, joined (the SDK sends the suffix in at least one of them). */
function userAgent(request: CapturedRequest | undefined): string {
  return `${request?.headers['user-agent'] ?? ''} ${request?.headers['x-amz-user-agent'] ?? ''}`
}

describe('user agent', () => {
  it('PACKAGE_VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    expect(PACKAGE_VERSION).toBe(pkg.version)
  })

  it('appends ddb-encryption-js/<version> to the requests it sends, without changing the caller client or command', async () => {
    const { client, requests } = recordingClient()
    const clientStackBefore = client.middlewareStack.identify()
    const encrypted = EncryptedDynamoDBClient.from(client, { materialsProvider: createTestProvider() })
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

    expect(requests.map((r) => r.target)).toEqual(['DescribeTable', 'PutItem', 'GetItem'])
    for (const request of requests) expect(userAgent(request)).toContain(SUFFIX)
    expect(requests[1]?.headers['x-test-caller']).toBe('yes')
    expect(put.middlewareStack.identify()).toEqual(commandStackBefore)
    expect(client.middlewareStack.identify()).toEqual(clientStackBefore)

    // The caller's own later requests, through its plain client, carry no suffix: neither a new command nor the
    // command it first gave to the encrypted client.
    await client.send(new GetItemCommand({ TableName: 'users', Key: { id: { S: 'u1' } } }))
    await client.send(put)
    expect(requests).toHaveLength(5)
    expect(userAgent(requests[3])).not.toContain('ddb-encryption-js')
    expect(userAgent(requests[4])).not.toContain('ddb-encryption-js')
    expect(requests[4]?.headers['x-test-caller']).toBe('yes')
    // The caller's item still is plaintext in its command (it was never rewritten).
    expect(put.input.Item?.['secret']).toEqual({ S: 'p@ss' })
  })
})
