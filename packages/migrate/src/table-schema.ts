import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, type AttributeActions, type AttributeValue, type Item } from '@ddb-encryption/core'

/** The key attributes of a table: its primary key and every index key (which must never be encrypted). */
export interface TableSchema {
  readonly tableName: string
  readonly partitionKeyName: string
  readonly sortKeyName?: string
  /** Primary key names plus every GSI / LSI key attribute name, without duplicates. */
  readonly keyAttributeNames: readonly string[]
  /** DescribeTable's approximate item count (DynamoDB updates it about every six hours). */
  readonly approximateItemCount: number
}

/**
 * Reads a table's key schema and index keys with DescribeTable.
 *
 * @throws DynamoDB errors (ResourceNotFoundException, AccessDeniedException) unchanged; InvalidArgumentError if the
 *   client's answer has no key schema (a client that is not a DynamoDB client).
 */
export async function describeTableSchema(client: Pick<DynamoDBClient, 'send'>, tableName: string): Promise<TableSchema> {
  const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
  const hash = table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName
  if (table === undefined || hash === undefined) throw new InvalidArgumentError(
    `DescribeTable answered without a key schema for table "${tableName}": the "client" option must be a DynamoDB client (DynamoDBClient)`,
  )
  const range = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName
  const names = new Set<string>([hash, ...(range !== undefined ? [range] : [])])
  for (const index of [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])]) {
    for (const key of index.KeySchema ?? []) if (key.AttributeName !== undefined) names.add(key.AttributeName)
  }
  return Object.freeze({
    tableName,
    partitionKeyName: hash,
    ...(range !== undefined ? { sortKeyName: range } : {}),
    keyAttributeNames: Object.freeze([...names]),
    approximateItemCount: table.ItemCount ?? 0,
  })
}

/** `actions` with every key attribute of the table signed but never encrypted (AttributeActions.setIndexKeys). */
export function actionsForTable(actions: AttributeActions, schema: TableSchema): AttributeActions {
  return actions.setIndexKeys(...schema.keyAttributeNames)
}

/** The primary key of an item (key values are never encrypted, so reporting them discloses no protected value). */
export function primaryKeyOf(item: Item, schema: Pick<TableSchema, 'partitionKeyName' | 'sortKeyName'>): Item {
  const key: Record<string, AttributeValue> = {}
  const pk = item[schema.partitionKeyName]
  if (pk !== undefined) key[schema.partitionKeyName] = pk
  if (schema.sortKeyName !== undefined) {
    const sk = item[schema.sortKeyName]
    if (sk !== undefined) key[schema.sortKeyName] = sk
  }
  return key
}
