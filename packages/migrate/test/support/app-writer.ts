import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { CryptoAction, encryptItem, ReservedAttribute, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { conditionalPutInput } from '../../src/conditional-write'
import type { ExpectedState } from '../../src/item-planner'
import { decryptItemInWindow } from '../../src/migration-window'
import type { TableSchema } from '../../src/table-schema'

/**
 * An application in the migration window (readers deployed, writers switched): reads an item whatever its state,
 * increments its counter and writes it back encrypted, on condition that it is unchanged (signature for encrypted
 * items, every attribute for plaintext ones); a lost race is retried. Counts its successful increments per key.
 */
export async function concurrentWriter(options: {
  client: DynamoDBClient
  config: CryptoConfig
  schema: TableSchema
  itemCount: number
  stop: () => boolean
  increments: Map<string, number>
}): Promise<number> {
  const { client, config, schema, itemCount, stop, increments } = options
  const tableName = config.encryptionContext.tableName
  let writes = 0
  while (!stop()) {
    const pk = `item#${Math.floor(Math.random() * itemCount)}`
    for (;;) {
      const { Item: stored } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }))
      if (stored === undefined) throw new Error('item vanished')
      const read = await decryptItemInWindow(stored as Item, config, { allowPlaintext: true })
      const counter = Number((read.item.counter as { N: string }).N)
      const updated = { ...read.item, counter: { N: String(counter + 1) }, note: { S: `updated ${counter + 1}` } }
      const encrypted = await encryptItem(updated, config)
      const expect: ExpectedState = read.outcome === 'plaintext'
        ? { kind: 'plaintext', attributes: stored as Item }
        : { kind: 'encrypted', attributes: pickUnsigned(stored as Item, config) }
      try {
        await client.send(new PutItemCommand(conditionalPutInput(tableName, encrypted, expect, schema)))
        increments.set(pk, (increments.get(pk) ?? 0) + 1)
        writes++
        break
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error
      }
    }
  }
  return writes
}

function pickUnsigned(stored: Item, config: CryptoConfig): Item {
  const out: Record<string, Item[string]> = {}
  for (const [name, value] of Object.entries(stored)) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription || config.attributeActions.action(name) === CryptoAction.DO_NOTHING) out[name] = value
  }
  return out
}
