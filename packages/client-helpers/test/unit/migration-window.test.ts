import { GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, type WindowReadEvent } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, ItemDecryptionError, TableInfo } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB, S } from '@ddb-encryption/testing'

type Item = Record<string, AttributeValue>

const oldActions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } })
const newActions = new AttributeActions()
const tableInfo = new TableInfo({ tableName: 'users', partitionKey: { name: 'id', type: 'S' } })

function setup() {
  const fake = new FakeDynamoDB({ users: { pk: 'id' } })
  const oldProvider = aesHmacProvider()
  const newProvider = aesHmacProvider()
  const events: WindowReadEvent[] = []
  const oldClient = EncryptedDynamoDBClient.from(fake.client, { materialsProvider: oldProvider, attributeActions: oldActions, tables: { users: { tableInfo } } })
  const strict = EncryptedDynamoDBClient.from(fake.client, { materialsProvider: newProvider, attributeActions: newActions, tables: { users: { tableInfo } } })
  const windowed = EncryptedDynamoDBClient.from(fake.client, {
    materialsProvider: newProvider,
    attributeActions: newActions,
    tables: { users: { tableInfo } },
    migrationWindow: {
      allowPlaintext: true,
      previous: [{ name: 'old-static', materialsProvider: oldProvider, attributeActions: oldActions }],
      onRead: (event) => events.push(event),
    },
  })
  const stored = (id: string) => fake.tables.get('users')?.get(fake.key('users', { id: S(id) })) as Item
  return { fake, oldClient, strict, windowed, events, stored }
}

const plain: Item = { id: S('plain'), secret: S('p'), note: S('n') }
const legacy: Item = { id: S('legacy'), secret: S('l'), note: S('n') }
const current: Item = { id: S('current'), secret: S('c'), note: S('n') }

describe('EncryptedDynamoDBClientOptions.migrationWindow', () => {
  it('reads plaintext, previous-configuration and current items, reporting which matched; writes use the current one', async () => {
    const { fake, oldClient, windowed, events, stored } = setup()
    await fake.client.send(new PutItemCommand({ TableName: 'users', Item: plain }))
    await oldClient.send(new PutItemCommand({ TableName: 'users', Item: legacy }))
    await windowed.send(new PutItemCommand({ TableName: 'users', Item: current }))
    expect(stored('current')['note']).toHaveProperty('B') // the new actions encrypt `note`

    for (const item of [plain, legacy, current]) {
      const { Item } = await windowed.send(new GetItemCommand({ TableName: 'users', Key: { id: item['id'] as AttributeValue } }))
      expect(Item).toEqual(item)
    }
    expect(events.map((e) => [e.outcome, e.previousName])).toEqual([['plaintext', undefined], ['previous', 'old-static'], ['current', undefined]])
    const { Items } = await windowed.send(new ScanCommand({ TableName: 'users' }))
    expect(Items?.length).toBe(3)
  })

  it('is off by default: the same items fail with typed errors (not encrypted / integrity)', async () => {
    const { fake, oldClient, strict } = setup()
    await fake.client.send(new PutItemCommand({ TableName: 'users', Item: plain }))
    await oldClient.send(new PutItemCommand({ TableName: 'users', Item: legacy }))
    await expect(strict.send(new GetItemCommand({ TableName: 'users', Key: { id: S('plain') } }))).rejects.toBeInstanceOf(ItemDecryptionError)
    await expect(strict.send(new GetItemCommand({ TableName: 'users', Key: { id: S('legacy') } }))).rejects.toBeInstanceOf(ItemDecryptionError)
  })

  it('still rejects a tampered item, and an item with a description but no signature', async () => {
    const { oldClient, windowed, stored } = setup()
    await oldClient.send(new PutItemCommand({ TableName: 'users', Item: legacy }))
    const item = stored('legacy')
    item['secret'] = { B: new Uint8Array([...(item['secret']?.B as Uint8Array)].map((b, i) => (i === 0 ? b ^ 1 : b))) }
    await expect(windowed.send(new GetItemCommand({ TableName: 'users', Key: { id: S('legacy') } }))).rejects.toBeInstanceOf(ItemDecryptionError)
    delete item[ReservedAttribute.Signature]
    await expect(windowed.send(new GetItemCommand({ TableName: 'users', Key: { id: S('legacy') } }))).rejects.toBeInstanceOf(ItemDecryptionError)
  })

  it('refuses a malformed window with a TypeError naming the option', () => {
    const fake = new FakeDynamoDB({ users: { pk: 'id' } })
    const materialsProvider = aesHmacProvider()
    expect(() => EncryptedDynamoDBClient.from(fake.client, { materialsProvider, migrationWindow: { allowPlaintext: 'yes' as unknown as boolean } })).toThrow(/migrationWindow/)
    expect(() => EncryptedDynamoDBClient.from(fake.client, {
      materialsProvider,
      migrationWindow: { previous: [{ materialsProvider, attributeActions: {} as AttributeActions }] },
    })).toThrow(/previous\[0\]\.attributeActions/)
  })
})
