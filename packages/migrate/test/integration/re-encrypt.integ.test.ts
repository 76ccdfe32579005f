import { AttributeActions, CryptoAction, decryptItem, deserializeMaterialDescription, encryptItem, LocalDelegatedKey, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import { createDynamoDBClient, createKMSClient, createKmsKey, deleteTestTable } from '@ddb-encryption/testing'
import type { MigrationConfiguration } from '../../src/migration-configuration'
import { reEncryptTable, verifyTable } from '../../src/table-job'
import { createPlaintextTable, plaintextItem, putAll } from '../support/plaintext-table'
import { scanAll } from '../support/scan-all'

// A hang guard, not a speed check: DynamoDB Local and moto are slow on a shared machine.
jest.setTimeout(300_000)

const ITEMS = 150
const client = createDynamoDBClient({ maxAttempts: 10 })
const kms = createKMSClient({ maxAttempts: 10 })
const tables: string[] = []
afterAll(async () => {
  for (const table of tables) await deleteTestTable(client, table)
  client.destroy()
  kms.destroy()
})

const actions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } })
const context = (tableName: string): CryptoConfig['encryptionContext'] => ({ tableName, partitionKeyName: 'pk' })

/** A table whose items were all written under `config` (the table's keys signed only). */
async function tableWrittenWith(provider: CryptoConfig['materialsProvider'], writerActions = actions): Promise<string> {
  const tableName = await createPlaintextTable(client, 0)
  tables.push(tableName)
  const config: CryptoConfig = { materialsProvider: provider, attributeActions: writerActions.setIndexKeys('pk', 'owner'), encryptionContext: context(tableName) }
  const items: Item[] = []
  for (let i = 0; i < ITEMS; i++) items.push(await encryptItem(plaintextItem(i), config))
  await putAll(client, tableName, items)
  return tableName
}

/** Every item decrypts under `config` to the original plaintext, and `check` holds for its description. */
async function expectAllUnder(tableName: string, config: CryptoConfig, check: (description: Record<string, string>) => void): Promise<void> {
  const stored = await scanAll(client, tableName)
  expect(stored).toHaveLength(ITEMS)
  for (const item of stored) {
    const plain = await decryptItem(item, config)
    const i = Number((plain.pk as { S: string }).S.slice('item#'.length))
    expect(plain).toEqual(plaintextItem(i))
    check(deserializeMaterialDescription((item['*amzn-ddb-map-desc*'] as { B: Uint8Array }).B))
  }
}

describe('reEncryptTable', () => {
  it('re-encrypts a static-provider table under Direct KMS (moto); a second run changes nothing', async () => {
    const old = StaticMaterialsProvider.fromKeys({ encryptionKey: LocalDelegatedKey.generate('AES', 128), signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const tableName = await tableWrittenWith(old)
    const { arn } = await createKmsKey(kms)
    const kmsProvider = new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms })
    const configuration: MigrationConfiguration = {
      target: { materialsProvider: kmsProvider, attributeActions: actions },
      previous: [{ name: 'static', materialsProvider: old, attributeActions: actions }],
    }
    const result = await reEncryptTable({ client, tableName, configuration, totalSegments: 3 })
    expect(result.counts).toMatchObject({ scanned: ITEMS, written: ITEMS, fromPrevious: ITEMS, failed: 0 })
    await expectAllUnder(tableName, { materialsProvider: kmsProvider, attributeActions: actions.setIndexKeys('pk', 'owner'), encryptionContext: context(tableName) },
      (description) => expect(description['amzn-ddb-wrap-alg']).toBe('kms'))
    const again = await reEncryptTable({ client, tableName, configuration, totalSegments: 3 })
    expect(again.counts).toMatchObject({ scanned: ITEMS, current: ITEMS, written: 0, failed: 0 })
  })

  it('re-encrypts MetaStore version 0 items to the newest version (1); a second run changes nothing', async () => {
    const metaTable = `migrate-meta-${Date.now().toString(36)}`
    await MetaStore.createTable({ client, tableName: metaTable, billingMode: 'PAY_PER_REQUEST' })
    tables.push(metaTable)
    const aes = LocalDelegatedKey.generate('AES', 256)
    const store = new MetaStore({ client, tableName: metaTable, materialsProvider: new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) }) })
    const v0 = new MostRecentProvider({ store, materialName: 'orders', ttlMs: 60_000 })
    const tableName = await tableWrittenWith(v0)
    await store.newProvider('orders') // version 1
    const newest = new MostRecentProvider({ store, materialName: 'orders', ttlMs: 60_000 })
    // The most-recent provider reads every version, so no previous configuration is needed: version 0 items verify
    // under the target but are not current (their amzn-ddb-meta-id differs from what the target writes).
    const configuration: MigrationConfiguration = { target: { materialsProvider: newest, attributeActions: actions } }
    const dry = await reEncryptTable({ client, tableName, configuration, dryRun: true })
    expect(dry.counts).toMatchObject({ scanned: ITEMS, written: ITEMS, current: 0 })
    const result = await reEncryptTable({ client, tableName, configuration })
    expect(result.counts).toMatchObject({ scanned: ITEMS, written: ITEMS, failed: 0 })
    await expectAllUnder(tableName, { materialsProvider: newest, attributeActions: actions.setIndexKeys('pk', 'owner'), encryptionContext: context(tableName) },
      (description) => expect(description['amzn-ddb-meta-id']).toBe('orders#1'))
    const again = await reEncryptTable({ client, tableName, configuration })
    expect(again.counts).toMatchObject({ scanned: ITEMS, current: ITEMS, written: 0 })
  })

  it('re-encrypts items written with other attribute actions, copies a table into another one, and verify reports failing keys only', async () => {
    const aes = LocalDelegatedKey.generate('AES', 256)
    const provider = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const oldActions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING, card: CryptoAction.SIGN_ONLY } })
    const tableName = await tableWrittenWith(provider, oldActions)
    const target = { materialsProvider: provider, attributeActions: actions }
    const before = await verifyTable({ client, tableName, configuration: { target } })
    expect(before.counts).toMatchObject({ scanned: ITEMS, failed: ITEMS })
    expect(before.failures[0]).toEqual({ key: { pk: expect.objectContaining({ S: expect.stringMatching(/^item#/) }) }, code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })
    expect(JSON.stringify(before.failures)).not.toContain('4111')

    const copy = await createPlaintextTable(client, 0)
    tables.push(copy)
    const configuration: MigrationConfiguration = { target, previous: [{ name: 'card-signed', materialsProvider: provider, attributeActions: oldActions }] }
    const copied = await reEncryptTable({ client, tableName, destinationTableName: copy, configuration })
    expect(copied.counts).toMatchObject({ scanned: ITEMS, written: ITEMS, failed: 0 })
    expect((await verifyTable({ client, tableName: copy, configuration: { target } })).counts).toMatchObject({ current: ITEMS, failed: 0 })
    const copiedAgain = await reEncryptTable({ client, tableName, destinationTableName: copy, configuration })
    expect(copiedAgain.counts).toMatchObject({ current: ITEMS, written: 0 })

    const inPlace = await reEncryptTable({ client, tableName, configuration })
    expect(inPlace.counts).toMatchObject({ written: ITEMS, fromPrevious: ITEMS })
    const after = await verifyTable({ client, tableName, configuration: { target } })
    expect(after.counts).toMatchObject({ scanned: ITEMS, current: ITEMS, failed: 0 })
  })
})
