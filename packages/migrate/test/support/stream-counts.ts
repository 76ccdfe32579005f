import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams'
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DEFAULT_REGION, FAKE_CREDENTIALS, dynamoDbEndpoint } from '@ddb-encryption/testing'

/** MODIFY events per partition key value, read from the table's stream (DynamoDB Local): how often each item was rewritten. */
export async function modifyCountsByKey(client: DynamoDBClient, tableName: string, keyName: string): Promise<Map<string, number>> {
  const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
  const streamArn = table?.LatestStreamArn
  if (streamArn === undefined) throw new Error(`Table ${tableName} has no stream`)
  const streams = new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint(), region: DEFAULT_REGION, credentials: { ...FAKE_CREDENTIALS } })
  const counts = new Map<string, number>()
  const { StreamDescription: description } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))
  for (const shard of description?.Shards ?? []) {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator
    let empty = 0
    while (iterator !== undefined && empty < 2) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }))
      const records = out.Records ?? []
      empty = records.length === 0 ? empty + 1 : 0
      for (const record of records) {
        if (record.eventName !== 'MODIFY') continue
        const key = record.dynamodb?.Keys?.[keyName]?.S as string
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      iterator = out.NextShardIterator
    }
  }
  streams.destroy()
  return counts
}
