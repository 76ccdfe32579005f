import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { TableInfo } from '@ddb-encryption/client-helpers'

const description = {
  TableName: 't',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }, { AttributeName: 'g', AttributeType: 'S' }],
  GlobalSecondaryIndexes: [{ IndexName: 'gi', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
  LocalSecondaryIndexes: [{ IndexName: 'li', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'l', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
}

describe('TableInfo', () => {
  it('reads keys, index schemas and the encryption context from a description', () => {
    const info = TableInfo.fromDescription(description)
    expect(info.partitionKey).toEqual({ name: 'pk', type: 'S' })
    expect(info.sortKey).toEqual({ name: 'sk', type: 'N' })
    expect(info.secondaryIndexKeyNames).toEqual(['g', 'l'])
    expect(info.index('gi')).toMatchObject({ kind: 'global', projectionType: 'KEYS_ONLY' })
    expect(info.encryptionContext).toEqual({ tableName: 't', partitionKeyName: 'pk', sortKeyName: 'sk' })
  })

  it('signs but never encrypts primary and index keys, and leaves them alone under a DO_NOTHING default', () => {
    const info = TableInfo.fromDescription(description)
    const protectedActions = info.protectAttributeActions(new AttributeActions())
    for (const k of ['pk', 'sk', 'g', 'l']) expect(protectedActions.action(k)).toBe(CryptoAction.SIGN_ONLY)
    expect(protectedActions.action('other')).toBe(CryptoAction.ENCRYPT_AND_SIGN)
    expect(info.protectedIndexKeys(new AttributeActions({ defaultAction: CryptoAction.DO_NOTHING }))).toEqual(['pk', 'sk'])
  })

  it.each(['pk', 'g', 'l'])('refuses an explicit ENCRYPT_AND_SIGN on key attribute %s, naming it and SIGN_ONLY', (name) => {
    const info = TableInfo.fromDescription(description)
    const actions = new AttributeActions({ attributeActions: { [name]: CryptoAction.ENCRYPT_AND_SIGN } })
    expect(() => info.protectAttributeActions(actions)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(new RegExp(`"${name}".*SIGN_ONLY`)) }))
  })

  it('describes a table once per client and refreshes on request', async () => {
    let calls = 0
    const client = { send: async () => { calls++; return { Table: description } } }
    const [a, b] = await Promise.all([TableInfo.forTable(client, 't'), TableInfo.forTable(client, 't')])
    expect(a).toBe(b)
    expect(calls).toBe(1)
    await a.refresh(client)
    expect(calls).toBe(2)
  })

  it('does not cache a failed DescribeTable', async () => {
    let calls = 0
    const client = { send: async () => { calls++; if (calls === 1) throw new Error('throttled'); return { Table: description } } }
    await expect(TableInfo.forTable(client, 't')).rejects.toThrow('throttled')
    await expect(TableInfo.forTable(client, 't')).resolves.toBeInstanceOf(TableInfo)
  })
})
