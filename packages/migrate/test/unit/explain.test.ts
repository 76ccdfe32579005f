import { AttributeActions, CryptoAction, encryptItem, LocalDelegatedKey, type CryptoConfig } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { explainItem } from '../../src/explain'

const aes = LocalDelegatedKey.generate('AES', 256)
const provider = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
const readerActions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING } })
const reader: CryptoConfig = { materialsProvider: provider, attributeActions: readerActions, encryptionContext: { tableName: 'orders', partitionKeyName: 'pk' } }
const item = { pk: { S: 'order#1' }, card: { S: '4111' }, name: { S: 'Ann' }, total: { N: '12.5' }, note: { S: 'gift' }, flags: { SS: ['a', 'b'] } }

async function writtenWith(overrides: Record<string, CryptoAction>) {
  const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING, ...overrides } })
  return encryptItem(item, { ...reader, attributeActions: actions })
}

describe('explainItem', () => {
  it('says an item that verifies needs no explanation', async () => {
    await expect(explainItem(await writtenWith({}), reader)).resolves.toEqual({ verdict: 'verifies' })
  })

  it.each([
    ['total', CryptoAction.SIGN_ONLY, 'ENCRYPT_AND_SIGN', 'SIGN_ONLY'],
    ['note', CryptoAction.SIGN_ONLY, 'DO_NOTHING', 'SIGN_ONLY'],
    ['name', CryptoAction.DO_NOTHING, 'ENCRYPT_AND_SIGN', 'DO_NOTHING'],
  ])('names "%s" when the writer gave it another action', async (attribute, action, reader_, writer) => {
    const explanation = await explainItem(await writtenWith({ [attribute]: action }), reader)
    expect(explanation).toMatchObject({ verdict: 'actions-differ', differences: [{ attribute, reader: reader_, writer }] })
    if (explanation.verdict !== 'actions-differ') throw new Error('unreachable')
    expect(explanation.actions[attribute]).toBe(writer)
    expect(explanation.actions.pk).toBe('SIGN_ONLY')
  })

  it('finds two changed attributes', async () => {
    const explanation = await explainItem(await writtenWith({ total: CryptoAction.SIGN_ONLY, flags: CryptoAction.DO_NOTHING }), reader)
    expect(explanation).toMatchObject({ verdict: 'actions-differ' })
    if (explanation.verdict !== 'actions-differ') throw new Error('unreachable')
    expect(explanation.differences.map((d) => d.attribute).sort()).toEqual(['flags', 'total'])
  })

  it('says the keys differ when the provider cannot unwrap the item', async () => {
    const other = LocalDelegatedKey.generate('AES', 256)
    const otherProvider = new WrappedMaterialsProvider({ wrappingKey: other, unwrappingKey: other, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const stored = await encryptItem(item, { ...reader, materialsProvider: otherProvider })
    await expect(explainItem(stored, reader)).resolves.toMatchObject({ verdict: 'keys-differ', reason: 'materials', exhaustive: true })
  })

  it('says the keys differ when only the signing key differs, after an exhaustive search', async () => {
    const otherSigner = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const stored = await encryptItem(item, { ...reader, materialsProvider: otherSigner })
    const explanation = await explainItem(stored, reader, { maxChangedAttributes: 6 })
    expect(explanation).toMatchObject({ verdict: 'keys-differ', reason: 'signature', exhaustive: true })
  })

  it('stops at maxCandidates', async () => {
    const stored = await writtenWith({ total: CryptoAction.SIGN_ONLY, flags: CryptoAction.DO_NOTHING })
    await expect(explainItem(stored, reader, { maxCandidates: 3 })).resolves.toEqual({ verdict: 'undetermined', candidatesTried: 3 })
  })
})
