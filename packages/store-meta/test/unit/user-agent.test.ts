import { DynamoDBClient, ListTablesCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MetaStore } from '../../src/meta-store'
import { PACKAGE_VERSION } from '../../src/package-version'
import { newMetaProvider } from '../helpers/meta-provider'

interface CapturedRequest {
  target: string
  headers: Record<string, string>
}

const SUFFIX = `ddb-encryption-js/${PACKAGE_VERSION}`

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return new TextDecoder().decode(body)
  return '{}'
}

/**
 * A real DynamoDBClient whose HTTP layer records each request and answers with a minimal valid response: the table
 * is ACTIVE, Query finds nothing, and GetItem returns the last row PutItem sent. No network.
 */
function recordingClient(): { client: DynamoDBClient; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = []
  let stored: unknown
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
        requests.push({ target, headers: { ...request.headers } })
        let body: unknown = {}
        if (target === 'DescribeTable') body = { Table: { TableName: 'meta', TableStatus: 'ACTIVE' } }
        if (target === 'Query') body = { Items: [], Count: 0 }
        if (target === 'PutItem') stored = (JSON.parse(bodyText(request.body)) as { Item: unknown }).Item
        if (target === 'GetItem') body = { Item: stored }
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

  it('appends ddb-encryption-js/<version> to every MetaStore request without changing the caller client', async () => {
    const { client, requests } = recordingClient()
    const clientStackBefore = client.middlewareStack.identify()
    await MetaStore.createTable(client, 'meta', { billingMode: 'PAY_PER_REQUEST' })
    const store = new MetaStore({ client, tableName: 'meta', materialsProvider: newMetaProvider() })
    await store.newProvider('orders')
    await store.provider('orders', 0)

    const targets = requests.map((r) => r.target)
    expect(targets).toEqual(['CreateTable', 'DescribeTable', 'Query', 'PutItem', 'GetItem'])
    for (const request of requests) expect(userAgent(request)).toContain(SUFFIX)
    expect(client.middlewareStack.identify()).toEqual(clientStackBefore)

    // The caller's own later requests through the same client carry no suffix.
    const count = requests.length
    await client.send(new ListTablesCommand({}))
    await client.send(new QueryCommand({ TableName: 'meta', KeyConditionExpression: 'N = :n', ExpressionAttributeValues: { ':n': { S: 'x' } } }))
    expect(requests).toHaveLength(count + 2)
    expect(userAgent(requests[count])).not.toContain('ddb-encryption-js')
    expect(userAgent(requests[count + 1])).not.toContain('ddb-encryption-js')
  })
})
