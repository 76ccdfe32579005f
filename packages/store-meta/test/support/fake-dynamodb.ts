import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb'

type SdkItem = Record<string, AttributeValue>

interface Sent {
  command: string
  input: Record<string, unknown>
}

function copyItem(item: SdkItem): SdkItem {
  const out: SdkItem = {}
  for (const [name, value] of Object.entries(item)) {
    out[name] = value.B !== undefined ? { B: new Uint8Array(value.B) } : { ...value }
  }
  return out
}

function sdkError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} })
}

/**
 * In-memory stand-in for the few DynamoDB calls MetaStore makes (CreateTable, DescribeTable, PutItem with the
 * MetaStore condition, GetItem, Query on N newest first). Records every command it was sent.
 */
export class FakeDynamoDb {
  readonly sent: Sent[] = []
  readonly tables = new Map<string, Map<string, SdkItem>>()
  /** Statuses DescribeTable reports before ACTIVE. */
  pendingStatuses: string[] = []
  /** Error thrown by the next PutItem (once). */
  nextPutError: Error | undefined

  readonly client: Pick<DynamoDBClient, 'send'> = {
    send: (async (command: { constructor: { name: string }; input: Record<string, unknown> }) =>
      this.#handle(command.constructor.name, command.input)) as unknown as DynamoDBClient['send'],
  }

  count(command: string): number {
    return this.sent.filter((s) => s.command === command).length
  }

  table(name: string): Map<string, SdkItem> {
    let table = this.tables.get(name)
    if (table === undefined) {
      table = new Map()
      this.tables.set(name, table)
    }
    return table
  }

  static key(item: SdkItem): string {
    return `${item.N?.S}|${item.V?.N}`
  }

  async #handle(command: string, input: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ command, input })
    await Promise.resolve()
    switch (command) {
      case 'CreateTableCommand':
        this.table(input.TableName as string)
        return {}
      case 'DescribeTableCommand':
        return { Table: { TableStatus: this.pendingStatuses.shift() ?? 'ACTIVE' } }
      case 'PutItemCommand': {
        if (this.nextPutError) {
          const error = this.nextPutError
          this.nextPutError = undefined
          throw error
        }
        const table = this.table(input.TableName as string)
        const item = input.Item as SdkItem
        if (table.has(FakeDynamoDb.key(item))) {
          throw sdkError('ConditionalCheckFailedException', 'The conditional request failed')
        }
        table.set(FakeDynamoDb.key(item), copyItem(item))
        return {}
      }
      case 'GetItemCommand': {
        const item = this.table(input.TableName as string).get(FakeDynamoDb.key(input.Key as SdkItem))
        return item === undefined ? {} : { Item: copyItem(item) }
      }
      case 'QueryCommand': {
        const values = input.ExpressionAttributeValues as Record<string, AttributeValue>
        const name = values[':name']?.S
        const rows = [...this.table(input.TableName as string).values()]
          .filter((row) => row.N?.S === name)
          .sort((a, b) => Number(b.V?.N) - Number(a.V?.N))
          .slice(0, (input.Limit as number | undefined) ?? Infinity)
          .map((row) => ({ V: { ...row.V } as AttributeValue }))
        return { Items: rows, Count: rows.length }
      }
      default:
        throw new Error(`FakeDynamoDb does not implement ${command}`)
    }
  }
}
