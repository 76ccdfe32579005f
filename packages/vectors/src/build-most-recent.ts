import { DescribeTableCommand, PutItemCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import { createDynamoDBClient } from '@ddb-encryption/testing'
import type { ProviderBuilder } from './build-provider'
import { VectorsUnavailableError, fromVectorItem, readJson, resolveFileUri } from './load-vectors'

/** Any TTL works for decryption (FORMAT.md 10.7); long enough that a scenario never refreshes. */
const VECTOR_TTL_MS = 600_000

let sharedClient: DynamoDBClient | undefined
function client(): DynamoDBClient {
  sharedClient ??= createDynamoDBClient()
  return sharedClient
}

/**
 * Loads a scenario's MetaStore rows (its `metastore.ciphertext` file, FORMAT.md 10.8) into a DynamoDB Local table
 * named `tableName`, which must be the scenario's `metastore.table_name`: the rows are signed with it. Creates the
 * table if needed; loading the same rows twice is harmless. Returns how many rows were loaded.
 */
export async function loadMetaStoreTable(
  ddb: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  ciphertextFile: string,
): Promise<number> {
  const json = readJson(ciphertextFile) as Record<string, unknown>
  const rows = json[tableName]
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new VectorsUnavailableError(`${ciphertextFile}: expected a non-empty table "${tableName}"`)
  }
  try {
    await MetaStore.createTable({ client: ddb, tableName, billingMode: 'PAY_PER_REQUEST' })
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'ResourceInUseException') throw error
    // Another scenario (or run) created it: wait until it can be written.
    for (let i = 0; i < 100; i += 1) {
      const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }))
      if (table?.TableStatus === 'ACTIVE') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  for (const [index, row] of rows.entries()) {
    const item = fromVectorItem(row, `${tableName}[${index}]`)
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: item as unknown as Record<string, SdkAttributeValue> }))
  }
  return rows.length
}

let writeTables = 0

/**
 * `most_recent` (FORMAT.md 10.7): the meta provider is built from `metastore.provider` with `keys` (the runner
 * passes the MetaStore keys, since these scenarios have none of their own). Reading: a MostRecentProvider over the
 * scenario's MetaStore rows, loaded into DynamoDB Local under `metastore.table_name`. Writing: the vector rows may
 * hold keys too short to write with (an 8-byte HMAC key), so the round trip uses a fresh MetaStore table protected
 * by the same kind of meta provider, where version 0 is created by our code.
 */
export const buildMostRecent: ProviderBuilder = async (scenario, keys, context) => {
  const metastore = scenario.metastore
  const materialName = scenario.material_name
  if (metastore === undefined || typeof materialName !== 'string') {
    throw new VectorsUnavailableError('A most_recent scenario needs "material_name" and "metastore"')
  }
  const metaProvider: CryptographicMaterialsProvider = await context.buildProvider(metastore.provider, scenario, keys)
  const ddb = client()
  let tableName: string
  if (context.purpose === 'write') {
    writeTables += 1
    tableName = `vectors-most-recent-${process.pid}-${Date.now().toString(36)}-${writeTables}`
    await MetaStore.createTable({ client: ddb, tableName, billingMode: 'PAY_PER_REQUEST' })
  } else {
    tableName = metastore.table_name
    await loadMetaStoreTable(ddb, tableName, resolveFileUri(context.vectors.baseDir, metastore.ciphertext))
  }
  const store = new MetaStore({ client: ddb, tableName, materialsProvider: metaProvider })
  return new MostRecentProvider({ store, materialName, ttlMs: VECTOR_TTL_MS })
}
