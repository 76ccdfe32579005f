import { ListTablesCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { FakeDynamoDB, userAgentOf, type FakeDynamoDBOptions } from '@ddb-encryption/testing'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MetaStore } from '../../src/meta-store'
import { newMetaProvider } from '../support/meta-provider'

// Read independently of src/package-version.ts, so the test also proves the version that goes on the wire.
const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
const SUFFIX = `ddb-encryption-js/${version}`

/** Table ACTIVE, no version yet, and GetItem returns the row PutItem sent. */
function metaStoreResponder(): NonNullable<FakeDynamoDBOptions['respond']> {
  let stored: unknown
  return ({ op: target, body }) => {
    if (target === 'DescribeTable') return { Table: { TableName: 'meta', TableStatus: 'ACTIVE' } }
    if (target === 'Query') return { Items: [], Count: 0 }
    if (target === 'PutItem') stored = body['Item']
    if (target === 'GetItem') return { Item: stored }
    return {}
  }
}

describe('user agent', () => {
  it('appends ddb-encryption-js/<version> to every MetaStore request without changing the caller client', async () => {
    const { client, requests } = new FakeDynamoDB({}, { respond: metaStoreResponder() })
    const clientStackBefore = client.middlewareStack.identify()
    await MetaStore.createTable({ client, tableName: 'meta', billingMode: 'PAY_PER_REQUEST' })
    const store = new MetaStore({ client, tableName: 'meta', materialsProvider: newMetaProvider() })
    await store.newProvider('orders')
    await store.provider('orders', 0)

    const targets = requests.map((r) => r.op)
    expect(targets).toEqual(['CreateTable', 'DescribeTable', 'Query', 'PutItem', 'GetItem'])
    for (const request of requests) expect(userAgentOf(request)).toContain(SUFFIX)
    expect(client.middlewareStack.identify()).toEqual(clientStackBefore)

    // The caller's own later requests through the same client carry no suffix.
    const count = requests.length
    await client.send(new ListTablesCommand({}))
    await client.send(new QueryCommand({ TableName: 'meta', KeyConditionExpression: 'N = :n', ExpressionAttributeValues: { ':n': { S: 'x' } } }))
    expect(requests).toHaveLength(count + 2)
    expect(userAgentOf(requests[count])).not.toContain('ddb-encryption-js')
    expect(userAgentOf(requests[count + 1])).not.toContain('ddb-encryption-js')
  })
})
