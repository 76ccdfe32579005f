/**
 * reEncryptTable on core's EncryptorPool worker threads (`workers: 2`): pages whose items are under the previous
 * configuration, already current, or tampered with go through the planner's batches (first reads split on failure,
 * reads under the previous configuration and encryptions collected into batches); the counts and every stored item
 * are checked.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { decryptItem, encryptItem, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { createDynamoDBClient, deleteTestTable } from '@ddb-encryption/testing'
import { loadConfigurationModule } from '../../src/migration-configuration'
import { reEncryptTable, verifyTable } from '../../src/table-job'
import { createPlaintextTable, plaintextItem, putAll } from '../support/plaintext-table'
import { scanAll } from '../support/scan-all'

jest.setTimeout(300_000)

const CONFIG_MODULE = require.resolve('../support/rotation-config.js')
const { rotationKeysFile } = require('../support/rotation-config.js') as { rotationKeysFile: (tableName: string) => string }
const OLD = 120
const CURRENT = 30
const TAMPERED = 'item#7'
const client = createDynamoDBClient({ maxAttempts: 10 })
let tableName: string

beforeAll(async () => {
  tableName = await createPlaintextTable(client, 0)
  const hex = (n: number): string => randomBytes(n).toString('hex')
  fs.writeFileSync(rotationKeysFile(tableName), JSON.stringify({ wrapping: hex(32), signing: hex(32), oldAes: hex(16), oldHmac: hex(32) }), { mode: 0o600 })
}, 300_000)
afterAll(async () => {
  fs.rmSync(rotationKeysFile(tableName), { force: true })
  await deleteTestTable(client, tableName)
  client.destroy()
})

describe('reEncryptTable with worker threads', () => {
  it('re-encrypts items of the previous configuration, skips current ones and reports a tampered one; a second run and verify find them current', async () => {
    const configuration = await loadConfigurationModule(CONFIG_MODULE, { command: 're-encrypt', tableName, destinationTableName: tableName })
    const config = (which: 'target' | 'old'): CryptoConfig => {
      const source = which === 'target' ? configuration.target : configuration.previous?.[0]
      return { materialsProvider: source?.materialsProvider as CryptoConfig['materialsProvider'], attributeActions: (source?.attributeActions as CryptoConfig['attributeActions']).setIndexKeys('pk', 'owner'), encryptionContext: { tableName, partitionKeyName: 'pk' } }
    }
    const items: Item[] = []
    for (let i = 0; i < OLD + CURRENT; i++) {
      const stored = await encryptItem(plaintextItem(i), config(i < OLD ? 'old' : 'target'))
      items.push((stored['pk'] as { S: string }).S === TAMPERED ? { ...stored, owner: { S: 'someone else' } } : stored)
    }
    await putAll(client, tableName, items)

    const result = await reEncryptTable({ client, tableName, configurationModule: CONFIG_MODULE, workers: 2, totalSegments: 2 })
    expect(result.counts).toMatchObject({ scanned: OLD + CURRENT, written: OLD - 1, fromPrevious: OLD - 1, current: CURRENT, failed: 1 })
    const stored = await scanAll(client, tableName)
    for (const item of stored) {
      const pk = (item['pk'] as { S: string }).S
      if (pk === TAMPERED) continue
      expect(await decryptItem(item, config('target'))).toEqual(plaintextItem(Number(pk.slice('item#'.length))))
    }
    const again = await reEncryptTable({ client, tableName, configurationModule: CONFIG_MODULE, workers: 2, totalSegments: 2 })
    expect(again.counts).toMatchObject({ scanned: OLD + CURRENT, current: OLD + CURRENT - 1, written: 0, failed: 1 })
    const verified = await verifyTable({ client, tableName, configurationModule: CONFIG_MODULE, workers: 2 })
    expect(verified.counts).toMatchObject({ scanned: OLD + CURRENT, current: OLD + CURRENT - 1, failed: 1 })
  })
})
