import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError } from '@ddb-encryption/core'
import { DynamoDBCheckpointStore } from '../../src'
import { describeTableSchema } from '../../src/table-schema'

describe('DynamoDBCheckpointStore.createTable', () => {
  it('takes the client and the table name as options, and refuses either missing before any request', async () => {
    const sent: unknown[] = []
    const client = { send: async (command: unknown) => { sent.push(command); return { Table: { TableStatus: 'ACTIVE' } } } }
    await expect(DynamoDBCheckpointStore.createTable(client as never)).rejects.toThrow(
      'DynamoDBCheckpointStore.createTable: "client" option must be a DynamoDB client')
    await expect(DynamoDBCheckpointStore.createTable({ client } as never)).rejects.toThrow(
      'DynamoDBCheckpointStore.createTable: "tableName" option must be a non-empty string')
    await expect(DynamoDBCheckpointStore.createTable({ client: {} as never, tableName: 'cp' })).rejects.toThrow(InvalidArgumentError)
    expect(sent).toEqual([])
    await DynamoDBCheckpointStore.createTable({ client, tableName: 'cp' })
    expect(sent.map((command) => (command as object).constructor)).toEqual([CreateTableCommand, DescribeTableCommand])
    expect((sent[0] as CreateTableCommand).input.TableName).toBe('cp')
  })
})

describe('describeTableSchema', () => {
  it('refuses an answer without a key schema with InvalidArgumentError naming the client option', async () => {
    const client = { send: async () => ({ Table: { TableName: 't' } }) }
    await expect(describeTableSchema(client as never, 't')).rejects.toThrow(expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'DescribeTable answered without a key schema for table "t": the "client" option must be a DynamoDB client (DynamoDBClient)',
    }))
  })
})
