import { performance } from 'node:perf_hooks'
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, TableInfo } from '@ddb-encryption/client-helpers'
import { BENCH_ACTIONS, PARTITION_KEY, SORT_KEY, benchItem } from './bench-item'
import { asyncContender, interleave, median, type MeasureOptions, type Rate } from './measure'

/** Plain vs encrypted rates of one operation. */
export interface ClientOperationResult {
  readonly plain: Rate
  readonly encrypted: Rate
}

/** Put, get and 25-item query through the plain and the encrypted client. */
export interface ClientCaseResult {
  readonly put: ClientOperationResult
  readonly get: ClientOperationResult
  readonly query25: ClientOperationResult
}

/** Wall time of one 100-item query decrypted with Direct KMS, default concurrency vs 1. */
export interface KmsQueryResult {
  readonly items: number
  readonly defaultConcurrency: number
  readonly defaultMs: number
  readonly serialMs: number
}

/** The SDK's AttributeValue type is wider than ours; items cross that boundary here only. */
type SdkItem = Record<string, any>

function tableInfo(tableName: string): TableInfo {
  return new TableInfo({ tableName, partitionKey: { name: PARTITION_KEY, type: 'S' }, sortKey: { name: SORT_KEY, type: 'N' } })
}

async function fillPartition(client: Pick<DynamoDBClient, 'send'>, tableName: string, partition: string, count: number): Promise<void> {
  const writes: Promise<unknown>[] = []
  for (let i = 0; i < count; i += 1) {
    writes.push(client.send(new PutItemCommand({ TableName: tableName, Item: benchItem(partition, i) as SdkItem })))
    if (writes.length === 8) await Promise.all(writes.splice(0))
  }
  await Promise.all(writes)
}

async function checkQuery(client: Pick<DynamoDBClient, 'send'>, tableName: string, partition: string, expected: number): Promise<void> {
  const { Items: items = [], LastEvaluatedKey: more } = await client.send(queryCommand(tableName, partition))
  if (items.length !== expected || more !== undefined) {
    throw new Error(`Query of partition ${partition} returned ${items.length} items (expected ${expected} in one page)`)
  }
}

function queryCommand(tableName: string, partition: string): QueryCommand {
  return new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    ExpressionAttributeValues: { ':pk': { S: partition } },
  })
}

/**
 * Put, get and a 25-item query on DynamoDB Local through the plain `DynamoDBClient` and through
 * `EncryptedDynamoDBClient` (same table, same item, `provider` for the encrypted side). Each call is awaited before
 * the next, so the rates include the round trip to DynamoDB Local.
 */
export async function measureClientCase(
  ddb: DynamoDBClient,
  tableName: string,
  provider: CryptographicMaterialsProvider,
  options: MeasureOptions,
): Promise<ClientCaseResult> {
  const encrypted = EncryptedDynamoDBClient.from(ddb, {
    materialsProvider: provider,
    attributeActions: BENCH_ACTIONS,
    tables: { [tableName]: { tableInfo: tableInfo(tableName) } },
  })
  const clients = { plain: ddb, encrypted } as const
  const results: Record<string, Record<string, Rate>> = { put: {}, get: {}, query25: {} }
  for (const [side, client] of Object.entries(clients)) {
    await fillPartition(client, tableName, `${side}-get`, 1)
    await fillPartition(client, tableName, `${side}-query`, 25)
    await checkQuery(client, tableName, `${side}-query`, 25)
    const got = await client.send(new GetItemCommand({ TableName: tableName, Key: { [PARTITION_KEY]: { S: `${side}-get` }, [SORT_KEY]: { N: '0' } } }))
    if (got.Item?.['name']?.S === undefined) throw new Error(`GetItem through the ${side} client did not return the plaintext item`)
  }
  // Plain and encrypted are interleaved sample by sample, so both see the same machine load.
  const sortKeys = { plain: 0, encrypted: 0 }
  const put = (side: 'plain' | 'encrypted') => asyncContender(() => clients[side].send(new PutItemCommand({
    TableName: tableName,
    Item: benchItem(`${side}-put`, sortKeys[side]++) as SdkItem,
  })))
  const get = (side: 'plain' | 'encrypted') => asyncContender(() => clients[side].send(new GetItemCommand({
    TableName: tableName,
    Key: { [PARTITION_KEY]: { S: `${side}-get` }, [SORT_KEY]: { N: '0' } },
  })))
  const query = (side: 'plain' | 'encrypted') => asyncContender(() => clients[side].send(queryCommand(tableName, `${side}-query`)))
  for (const [operation, contender] of [['put', put], ['get', get], ['query25', query]] as const) {
    const [plain, encryptedRate] = await interleave([contender('plain'), contender('encrypted')], options)
    results[operation] = { plain: plain as Rate, encrypted: encryptedRate as Rate }
  }
  const pick = (operation: string): ClientOperationResult => ({
    plain: results[operation]!['plain']!,
    encrypted: results[operation]!['encrypted']!,
  })
  return { put: pick('put'), get: pick('get'), query25: pick('query25') }
}

/** Default `decryptConcurrency` of EncryptedDynamoDBClient (documented in its options). */
export const DEFAULT_DECRYPT_CONCURRENCY = 16

/**
 * Writes 100 items with the Direct KMS provider, then times one Query returning all of them through an encrypted
 * client with the default decrypt concurrency and through one with concurrency 1 (median of 3 after a warm run).
 */
export async function measureKmsQuery(
  ddb: DynamoDBClient,
  tableName: string,
  kmsProvider: CryptographicMaterialsProvider,
  items = 100,
): Promise<KmsQueryResult> {
  const common = {
    materialsProvider: kmsProvider,
    attributeActions: BENCH_ACTIONS,
    tables: { [tableName]: { tableInfo: tableInfo(tableName) } },
  }
  const parallel = EncryptedDynamoDBClient.from(ddb, common)
  const serial = EncryptedDynamoDBClient.from(ddb, { ...common, decryptConcurrency: 1 })
  const partition = 'kms-query'
  await fillPartition(parallel, tableName, partition, items)
  await checkQuery(parallel, tableName, partition, items)
  await checkQuery(serial, tableName, partition, items)
  // One warm run each, then 3 timed runs alternating between the two clients.
  await parallel.send(queryCommand(tableName, partition))
  await serial.send(queryCommand(tableName, partition))
  const times: { parallel: number[]; serial: number[] } = { parallel: [], serial: [] }
  for (let run = 0; run < 3; run += 1) {
    for (const [side, client] of [['parallel', parallel], ['serial', serial]] as const) {
      const start = performance.now()
      await client.send(queryCommand(tableName, partition))
      times[side].push(performance.now() - start)
    }
  }
  return { items, defaultConcurrency: DEFAULT_DECRYPT_CONCURRENCY, defaultMs: median(times.parallel), serialMs: median(times.serial) }
}
