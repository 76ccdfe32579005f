import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { AttributeValue, Item } from '@ddb-encryption/core'
import { createTestTable } from '@ddb-encryption/testing'

/** The plaintext test item number `i`: a GSI key, a counter, a DO_NOTHING note and a few typed attributes. */
export function plaintextItem(i: number): Item {
  return {
    pk: { S: `item#${i}` },
    owner: { S: `owner#${i % 17}` },
    counter: { N: '0' },
    note: { S: `note ${i}` },
    card: { S: `4111-${String(i).padStart(6, '0')}` },
    tags: { SS: ['a', `t${i % 5}`] },
    profile: { M: { age: { N: String(20 + (i % 50)) }, vip: { BOOL: i % 3 === 0 } } },
    blob: { B: new Uint8Array([i & 255, (i >> 8) & 255, 7]) },
  }
}

/** Creates a table (pk, GSI on owner, optional stream) and fills it with `count` plaintext items. */
export async function createPlaintextTable(client: DynamoDBClient, count: number, options: { stream?: boolean } = {}): Promise<string> {
  const tableName = await createTestTable(client, {
    namePrefix: 'migrate',
    partitionKey: { name: 'pk', type: 'S' },
    globalSecondaryIndexes: [{ indexName: 'by-owner', partitionKey: { name: 'owner', type: 'S' } }],
  })
  if (options.stream === true) {
    const { UpdateTableCommand } = await import('@aws-sdk/client-dynamodb')
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }))
  }
  await putAll(client, tableName, Array.from({ length: count }, (_, i) => plaintextItem(i)))
  return tableName
}

/** BatchWriteItem in 25s, a few batches in flight, retrying unprocessed items. */
export async function putAll(client: DynamoDBClient, tableName: string, items: readonly Item[]): Promise<void> {
  const batches: Item[][] = []
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25) as Item[])
  let next = 0
  const run = async (): Promise<void> => {
    while (next < batches.length) {
      let pending = (batches[next++] as Item[]).map((item) => ({ PutRequest: { Item: item as Record<string, AttributeValue> } }))
      while (pending.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending as never } }))
        pending = (out.UnprocessedItems?.[tableName] ?? []) as never
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, run))
}
