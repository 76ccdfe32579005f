/**
 * Issue 9, own-property discipline in client-helpers: attribute names `constructor`, `toString` and `hasOwnProperty`
 * as key attributes, projections, batch requests (table `constructor`) and items behave like any other name; an item
 * attribute named `__proto__` is refused before anything is sent, because the AWS SDK's response parser drops it (core
 * and the providers, where `__proto__` works: packages/fuzz/test/unit/own-property-names.test.ts).
 */
import { BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB } from '@ddb-encryption/testing'

type Item = Record<string, AttributeValue>
const own = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key)
/** Items as DynamoDB returns them: `__proto__` is an own key. */
const parse = (json: string): Item => JSON.parse(json) as Item

function setup() {
  // Table named `constructor`, key attributes `constructor` (partition) and `hasOwnProperty` (sort).
  const fake = new FakeDynamoDB({ constructor: { pk: 'constructor', sk: 'hasOwnProperty' } })
  const actions = new AttributeActions({ attributeActions: parse('{"toString":0}') as unknown as Record<string, CryptoAction> })
  const client = EncryptedDynamoDBClient.from(fake.client, { materialsProvider: aesHmacProvider(), attributeActions: actions })
  return { fake, client }
}

const item = parse('{"constructor":{"S":"p"},"hasOwnProperty":{"N":"1"},"toString":{"S":"free"},"valueOf":{"S":"secret"}}')
const key = parse('{"constructor":{"S":"p"},"hasOwnProperty":{"N":"1"}}')

describe('EncryptedDynamoDBClient with attributes named constructor, toString, hasOwnProperty (and __proto__)', () => {
  it('an item attribute named __proto__ is refused with UnsupportedOperationError before anything is sent', async () => {
    const { fake, client } = setup()
    const withProto = parse('{"constructor":{"S":"p"},"hasOwnProperty":{"N":"1"},"__proto__":{"S":"x"}}')
    await expect(client.send(new PutItemCommand({ TableName: 'constructor', Item: withProto }))).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_OPERATION',
      message: expect.stringContaining('top-level attribute named "__proto__"'),
    })
    expect(fake.ops.filter((op) => op !== 'DescribeTable')).toEqual([])
  })

  it('key attributes stay plaintext, the others get their actions, and the item reads back whole', async () => {
    const { fake, client } = setup()
    await client.send(new PutItemCommand({ TableName: 'constructor', Item: item }))
    const put = fake.requests.find((r) => r.op === 'PutItem')?.body['Item'] as Record<string, Record<string, unknown>>
    expect(own(put, 'constructor') && put['constructor']).toEqual({ S: 'p' })
    expect(own(put, 'hasOwnProperty') && put['hasOwnProperty']).toEqual({ N: '1' })
    expect(put['toString']).toEqual({ S: 'free' })
    expect(put['valueOf']).toHaveProperty('B')
    const { Item } = await client.send(new GetItemCommand({ TableName: 'constructor', Key: key }))
    expect(Object.keys(Item ?? {}).sort()).toEqual(Object.keys(item).sort())
    expect(Item).toEqual(item)
  })

  it('projections name them through ExpressionAttributeNames', async () => {
    const { client } = setup()
    await client.send(new PutItemCommand({ TableName: 'constructor', Item: item }))
    const { Item } = await client.send(new GetItemCommand({
      TableName: 'constructor',
      Key: key,
      ProjectionExpression: '#a, #b',
      ExpressionAttributeNames: { '#a': 'valueOf', '#b': 'constructor' },
    }))
    expect(Object.keys(Item ?? {}).sort()).toEqual(['constructor', 'valueOf'])
    expect(own(Item ?? {}, 'valueOf') && Item?.['valueOf']).toEqual({ S: 'secret' })
    expect(own(Item ?? {}, 'constructor') && Item?.['constructor']).toEqual({ S: 'p' })
  })

  it('batch writes and batch reads of a table named constructor, and queries, decrypt every item', async () => {
    const { client } = setup()
    await client.send(new BatchWriteItemCommand({ RequestItems: { constructor: [{ PutRequest: { Item: item } }] } }))
    const batch = await client.send(new BatchGetItemCommand({ RequestItems: { constructor: { Keys: [key] } } }))
    const responses = batch.Responses ?? {}
    expect(own(responses, 'constructor')).toBe(true)
    expect(responses['constructor']).toEqual([item])
    const query = await client.send(new QueryCommand({ TableName: 'constructor', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'constructor' }, ExpressionAttributeValues: { ':p': { S: 'p' } } }))
    expect(query.Items).toEqual([item])
  })
})
