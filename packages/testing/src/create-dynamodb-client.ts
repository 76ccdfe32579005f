import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

import { dynamoDbEndpoint } from './environment'
import { testClientConfig, type TestClientOptions } from './fake-credentials'

/**
 * A real SDK v3 DynamoDB client pointed at this run's DynamoDB Local, with fake static credentials. DynamoDB Local
 * runs with -sharedDb, so any region sees the same tables.
 * @example
 * const ddb = createDynamoDBClient()
 * const tableName = await createTestTable(ddb, { partitionKey: { name: 'pk', type: 'S' } })
 */
export function createDynamoDBClient(options: TestClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(testClientConfig(options, dynamoDbEndpoint))
}
