import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
} from '@aws-sdk/client-dynamodb'

/** A key attribute: its name and scalar type. */
export interface TestKeyAttribute {
  name: string
  type: 'S' | 'N' | 'B'
}

/** What an index copies: every attribute, only keys, or keys plus the named attributes. Default `'ALL'`. */
export type TestIndexProjection = 'ALL' | 'KEYS_ONLY' | { include: readonly string[] }

/** A global secondary index of a test table. */
export interface TestGlobalSecondaryIndex {
  indexName: string
  partitionKey: TestKeyAttribute
  sortKey?: TestKeyAttribute
  /** Default `'ALL'`. */
  projection?: TestIndexProjection
}

/** A local secondary index of a test table (same partition key as the table). */
export interface TestLocalSecondaryIndex {
  indexName: string
  sortKey: TestKeyAttribute
  /** Default `'ALL'`. */
  projection?: TestIndexProjection
}

/** Options of {@link createTestTable}. */
export interface CreateTestTableOptions {
  /** Exact table name; default `<namePrefix>-<16 random hex digits>`, unique per call. */
  tableName?: string
  /** Prefix of the generated name; default `test`. Ignored when `tableName` is given. */
  namePrefix?: string
  partitionKey: TestKeyAttribute
  sortKey?: TestKeyAttribute
  globalSecondaryIndexes?: readonly TestGlobalSecondaryIndex[]
  localSecondaryIndexes?: readonly TestLocalSecondaryIndex[]
  /** Default `'PAY_PER_REQUEST'`; or provisioned capacity units (applied to the table and every GSI). */
  billing?: 'PAY_PER_REQUEST' | { readCapacityUnits: number; writeCapacityUnits: number }
  /** Milliseconds to wait for the table and its indexes to become ACTIVE; default 60 000. */
  timeoutMs?: number
}

function keySchema(partitionKey: TestKeyAttribute, sortKey?: TestKeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }]
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' })
  return schema
}

function projection(value: TestIndexProjection | undefined): Projection {
  if (value === undefined || value === 'ALL') return { ProjectionType: 'ALL' }
  if (value === 'KEYS_ONLY') return { ProjectionType: 'KEYS_ONLY' }
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: [...value.include] }
}

/**
 * Builds the CreateTable request (exported for unit tests of the option mapping).
 * @internal
 * @throws TypeError when one attribute is declared with two different types.
 */
export function buildCreateTableInput(tableName: string, options: CreateTestTableOptions): CreateTableCommandInput {
  const definitions = new Map<string, TestKeyAttribute['type']>()
  const define = (attribute: TestKeyAttribute): void => {
    const known = definitions.get(attribute.name)
    if (known !== undefined && known !== attribute.type) {
      throw new TypeError(`Key attribute "${attribute.name}" is declared as both ${known} and ${attribute.type}; use one type.`)
    }
    definitions.set(attribute.name, attribute.type)
  }
  define(options.partitionKey)
  if (options.sortKey) define(options.sortKey)
  for (const index of options.globalSecondaryIndexes ?? []) {
    define(index.partitionKey)
    if (index.sortKey) define(index.sortKey)
  }
  for (const index of options.localSecondaryIndexes ?? []) define(index.sortKey)

  const billing = options.billing ?? 'PAY_PER_REQUEST'
  const throughput =
    billing === 'PAY_PER_REQUEST'
      ? undefined
      : { ReadCapacityUnits: billing.readCapacityUnits, WriteCapacityUnits: billing.writeCapacityUnits }
  const attributeDefinitions: AttributeDefinition[] = [...definitions].map(([name, type]) => ({
    AttributeName: name,
    AttributeType: type,
  }))

  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: keySchema(options.partitionKey, options.sortKey),
    BillingMode: throughput ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(throughput ? { ProvisionedThroughput: throughput } : {}),
  }
  if (options.globalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = options.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: projection(index.projection),
      ...(throughput ? { ProvisionedThroughput: throughput } : {}),
    }))
  }
  if (options.localSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = options.localSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(options.partitionKey, index.sortKey),
      Projection: projection(index.projection),
    }))
  }
  return input
}

// Table names need uniqueness, not secrecy; the global Web Crypto UUID keeps node:crypto out of this package.
function uniqueSuffix(): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '').slice(0, 16)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Creates a uniquely named table and waits until it and all its global secondary indexes are ACTIVE.
 * @returns the table name.
 * @example
 * const tableName = await createTestTable(ddb, {
 *   partitionKey: { name: 'pk', type: 'S' },
 *   sortKey: { name: 'sk', type: 'N' },
 *   globalSecondaryIndexes: [{ indexName: 'by-owner', partitionKey: { name: 'owner', type: 'S' } }],
 * })
 * @throws TypeError on contradictory key definitions; Error when the table is not ACTIVE within `timeoutMs`;
 *   DynamoDB errors pass through unchanged.
 */
export async function createTestTable(
  client: Pick<DynamoDBClient, 'send'>,
  options: CreateTestTableOptions,
): Promise<string> {
  const tableName = options.tableName ?? `${options.namePrefix ?? 'test'}-${uniqueSuffix()}`
  await client.send(new CreateTableCommand(buildCreateTableInput(tableName, options)))
  const timeoutMs = options.timeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  let delay = 50
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return tableName
    if (Date.now() > deadline) {
      throw new Error(`Table ${tableName} did not become ACTIVE within ${timeoutMs} ms (status ${table?.TableStatus}).`)
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 1000)
  }
}

/**
 * Deletes a table; a table that does not exist (any more) is not an error.
 * @throws DynamoDB errors other than ResourceNotFoundException, unchanged.
 */
export async function deleteTestTable(client: Pick<DynamoDBClient, 'send'>, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }))
  } catch (error) {
    // By name, not instanceof: a second copy of the SDK would have its own class.
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return
    throw error
  }
}
