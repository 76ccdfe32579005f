import { DynamoDBClient } from '@aws-sdk/client-dynamodb'

import { dynamoDbEndpoint } from './environment'
import { FAKE_CREDENTIALS, DEFAULT_REGION } from './fake-credentials'

/** Options of {@link createDynamoDBClient}. */
export interface CreateDynamoDBClientOptions {
  /** Region the client signs for; default `us-west-2` (DynamoDB Local runs with -sharedDb, so any region sees the same tables). */
  region?: string
  /** Total attempts per request, first try included; default 3. */
  maxAttempts?: number
  /** Endpoint; default {@link dynamoDbEndpoint}(). */
  endpoint?: string
}

/**
 * A real SDK v3 DynamoDB client pointed at this run's DynamoDB Local, with fake static credentials.
 * @example
 * const ddb = createDynamoDBClient()
 * const tableName = await createTestTable(ddb, { partitionKey: { name: 'pk', type: 'S' } })
 */
export function createDynamoDBClient(options: CreateDynamoDBClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: options.endpoint ?? dynamoDbEndpoint(),
    region: options.region ?? DEFAULT_REGION,
    // A fresh object: the SDK records metadata on the credentials it is given, so a frozen one breaks it.
    credentials: { ...FAKE_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 3,
  })
}
