import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { Item } from '@ddb-encryption/core'

/** Every item of a table (strongly consistent scan). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = []
  let start: Record<string, never> | undefined
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }))
    items.push(...((page.Items ?? []) as Item[]))
    start = page.LastEvaluatedKey as Record<string, never> | undefined
  } while (start !== undefined)
  return items
}
