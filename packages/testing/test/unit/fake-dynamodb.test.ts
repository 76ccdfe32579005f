import { CreateTableCommand, DescribeTableCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { FakeDynamoDB, N, S } from '../../src'

const put = (fake: FakeDynamoDB, item: Record<string, { S: string } | { N: string }>) => fake.client.send(new PutItemCommand({
  TableName: 'rows', Item: item, ConditionExpression: 'attribute_not_exists(#N) AND attribute_not_exists(#V)', ExpressionAttributeNames: { '#N': 'N', '#V': 'V' },
}))

describe('FakeDynamoDB', () => {
  it('refuses a conditional put over an existing item with ConditionalCheckFailedException, and keeps the first', async () => {
    const fake = new FakeDynamoDB({ rows: { pk: 'N', sk: 'V' } })
    await put(fake, { N: S('a'), V: N('1'), x: S('first') })
    await expect(put(fake, { N: S('a'), V: N('1'), x: S('second') })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
    await put(fake, { N: S('a'), V: N('2'), x: S('other version') })
    expect(fake.getItem('rows', { N: S('a'), V: N('1') })?.['x']).toEqual(S('first'))
    // A condition it does not evaluate lets the put through.
    await fake.client.send(new PutItemCommand({ TableName: 'rows', Item: { N: S('a'), V: N('1'), x: S('third') }, ConditionExpression: 'x = :x', ExpressionAttributeValues: { ':x': S('y') } }))
    expect(fake.getItem('rows', { N: S('a'), V: N('1') })?.['x']).toEqual(S('third'))
  })

  it('queries one partition in sort-key order (numbers as numbers), reversed by ScanIndexForward: false, cut at Limit', async () => {
    const fake = new FakeDynamoDB({ rows: { pk: 'N', sk: 'V' } })
    for (const [name, version] of [['a', '10'], ['b', '99'], ['a', '9'], ['a', '2']] as const) fake.putItem('rows', { N: S(name), V: N(version) })
    const query = (extra: object) => fake.client.send(new QueryCommand({
      TableName: 'rows', KeyConditionExpression: '#N = :n', ExpressionAttributeNames: { '#N': 'N' }, ExpressionAttributeValues: { ':n': S('a') }, ...extra,
    }))
    expect((await query({})).Items?.map((item) => item['V']?.N)).toEqual(['2', '9', '10'])
    expect((await query({ ScanIndexForward: false, Limit: 2 })).Items?.map((item) => item['V']?.N)).toEqual(['10', '9'])
  })

  it('creates a table with the given key schema (ACTIVE once described) and refuses to create it twice', async () => {
    const fake = new FakeDynamoDB()
    const input = {
      TableName: 'new', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' as const }], BillingMode: 'PAY_PER_REQUEST' as const,
    }
    expect((await fake.client.send(new CreateTableCommand(input))).TableDescription?.TableStatus).toBe('CREATING')
    expect((await fake.client.send(new DescribeTableCommand({ TableName: 'new' }))).Table).toMatchObject({ TableStatus: 'ACTIVE', KeySchema: input.KeySchema })
    await expect(fake.client.send(new CreateTableCommand(input))).rejects.toMatchObject({ name: 'ResourceInUseException' })
    expect(fake.count('CreateTable')).toBe(2)
  })

  it('putItem / getItem store SDK items as the wire JSON (B base64) and hand back copies', () => {
    const fake = new FakeDynamoDB({ bin: { pk: 'id' } })
    const bytes = new Uint8Array([0, 1, 255])
    fake.putItem('bin', { id: { B: bytes }, nested: { M: { list: { L: [{ BS: [bytes] }] } } } })
    const stored = [...(fake.tables.get('bin')?.values() ?? [])]
    expect(stored).toEqual([{ id: { B: 'AAH/' }, nested: { M: { list: { L: [{ BS: ['AAH/'] }] } } } }])
    const copy = fake.getItem('bin', { id: { B: bytes } })
    expect(copy).toEqual({ id: { B: bytes }, nested: { M: { list: { L: [{ BS: [bytes] }] } } } })
    copy!['id']!.B![0] = 9
    expect(fake.getItem('bin', { id: { B: bytes } })?.['id']?.B).toEqual(bytes)
    expect(() => fake.putItem('missing', { id: S('x') })).toThrow('unknown table missing')
  })
})
