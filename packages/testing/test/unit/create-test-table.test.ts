import { buildCreateTableInput } from '../../src/create-test-table'

describe('buildCreateTableInput', () => {
  it('declares each key attribute once and maps indexes and projections', () => {
    const input = buildCreateTableInput('t', {
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'N' },
      globalSecondaryIndexes: [
        { indexName: 'g1', partitionKey: { name: 'sk', type: 'N' }, sortKey: { name: 'pk', type: 'S' } },
        { indexName: 'g2', partitionKey: { name: 'owner', type: 'B' }, projection: { include: ['a', 'b'] } },
      ],
      localSecondaryIndexes: [{ indexName: 'l1', sortKey: { name: 'tag', type: 'S' }, projection: 'KEYS_ONLY' }],
    })
    expect(input.TableName).toBe('t')
    expect(input.BillingMode).toBe('PAY_PER_REQUEST')
    expect(input.ProvisionedThroughput).toBeUndefined()
    expect(input.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'owner', AttributeType: 'B' },
      { AttributeName: 'tag', AttributeType: 'S' },
    ])
    expect(input.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ])
    expect(input.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection])).toEqual([
      ['g1', [{ AttributeName: 'sk', KeyType: 'HASH' }, { AttributeName: 'pk', KeyType: 'RANGE' }], { ProjectionType: 'ALL' }],
      ['g2', [{ AttributeName: 'owner', KeyType: 'HASH' }], { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a', 'b'] }],
    ])
    expect(input.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'l1',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'tag', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ])
  })

  it('applies provisioned capacity to the table and every GSI', () => {
    const input = buildCreateTableInput('t', {
      partitionKey: { name: 'pk', type: 'S' },
      globalSecondaryIndexes: [{ indexName: 'g', partitionKey: { name: 'x', type: 'S' } }],
      billing: { readCapacityUnits: 5, writeCapacityUnits: 2 },
    })
    expect(input.BillingMode).toBe('PROVISIONED')
    expect(input.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 })
    expect(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 })
  })

  it('rejects one attribute declared with two types', () => {
    expect(() =>
      buildCreateTableInput('t', {
        partitionKey: { name: 'pk', type: 'S' },
        globalSecondaryIndexes: [{ indexName: 'g', partitionKey: { name: 'pk', type: 'N' } }],
      }),
    ).toThrow(new TypeError('Key attribute "pk" is declared as both S and N; use one type.'))
  })

  it('does not mutate its options', () => {
    const options = Object.freeze({
      partitionKey: Object.freeze({ name: 'pk', type: 'S' as const }),
      globalSecondaryIndexes: Object.freeze([
        Object.freeze({ indexName: 'g', partitionKey: Object.freeze({ name: 'x', type: 'S' as const }), projection: Object.freeze({ include: Object.freeze(['a']) }) }),
      ]),
    })
    const input = buildCreateTableInput('t', options)
    input.GlobalSecondaryIndexes?.[0]?.Projection?.NonKeyAttributes?.push('b')
    expect(options.globalSecondaryIndexes[0]?.projection.include).toEqual(['a'])
  })
})
