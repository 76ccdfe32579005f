import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, decryptItem, LocalDelegatedKey, type CryptoConfig } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { createDynamoDBClient, deleteTestTable } from '@ddb-encryption/testing'
import { encryptTable } from '../../src/table-job'
import { createPlaintextTable, plaintextItem } from '../support/plaintext-table'
import { scanAll } from '../support/scan-all'

// A hang guard, not a speed check: DynamoDB Local is slow on a shared machine.
jest.setTimeout(300_000)

const client = createDynamoDBClient({ maxAttempts: 10 })
const tables: string[] = []
afterAll(async () => {
  for (const table of tables) await deleteTestTable(client, table)
  client.destroy()
})

/**
 * A client that, just before the job's first conditional write of each chosen item, lets "the application" change
 * that item: the race the conditions exist for, made deterministic.
 */
function racingClient(race: Map<string, () => Promise<void>>): Pick<DynamoDBClient, 'send'> {
  return {
    send: (async (command: { input?: { Item?: Record<string, { S?: string }>; ConditionExpression?: string } }) => {
      const pk = command instanceof PutItemCommand ? command.input.Item?.pk?.S : undefined
      const before = pk !== undefined ? race.get(pk) : undefined
      if (before !== undefined) {
        race.delete(pk as string)
        await before()
      }
      return client.send(command as never)
    }) as DynamoDBClient['send'],
  }
}

describe('encryptTable under racing application writes', () => {
  it('keeps an attribute added, an attribute changed and a deletion that happen between its read and its write', async () => {
    const tableName = await createPlaintextTable(client, 6)
    tables.push(tableName)
    const aes = LocalDelegatedKey.generate('AES', 256)
    const provider = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const attributeActions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } })
    const race = new Map<string, () => Promise<void>>([
      // A partial update adding an attribute: every attribute the job read is unchanged, so only ALL_OLD shows it.
      ['item#1', async () => { await client.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'item#1' } }, UpdateExpression: 'SET added = :a', ExpressionAttributeValues: { ':a': { S: 'late' } } })) }],
      ['item#2', async () => { await client.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'item#2' } }, UpdateExpression: 'SET card = :c', ExpressionAttributeValues: { ':c': { S: 'changed' } } })) }],
      ['item#3', async () => { await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'item#3' } } })) }],
    ])
    const result = await encryptTable({ client: racingClient(race), tableName, configuration: { target: { materialsProvider: provider, attributeActions } }, totalSegments: 1 })
    expect(race.size).toBe(0)
    expect(result.counts).toMatchObject({ scanned: 6, deleted: 1, failed: 0, written: 5 })
    expect(result.counts.conflicts).toBeGreaterThanOrEqual(3)

    const config: CryptoConfig = { materialsProvider: provider, attributeActions: attributeActions.setIndexKeys('pk', 'owner'), encryptionContext: { tableName, partitionKeyName: 'pk' } }
    const items = new Map<string, Record<string, unknown>>()
    for (const stored of await scanAll(client, tableName)) {
      const plain = await decryptItem(stored, config)
      items.set((plain.pk as { S: string }).S, plain)
    }
    expect([...items.keys()].sort()).toEqual(['item#0', 'item#1', 'item#2', 'item#4', 'item#5'])
    expect(items.get('item#1')).toEqual({ ...plaintextItem(1), added: { S: 'late' } })
    expect(items.get('item#2')).toEqual({ ...plaintextItem(2), card: { S: 'changed' } })
    expect(items.get('item#0')).toEqual(plaintextItem(0))
  })
})
