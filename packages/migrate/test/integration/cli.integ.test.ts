import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, decryptItem, encryptItem, type CryptoConfig } from '@ddb-encryption/core'
import { createDynamoDBClient, deleteTestTable } from '@ddb-encryption/testing'
import { loadConfigurationModule } from '../../src/migration-configuration'
import { actionsForTable, describeTableSchema } from '../../src/table-schema'
import { DynamoDBCheckpointStore } from '../../src/checkpoint-store'
import { createPlaintextTable, plaintextItem } from '../support/plaintext-table'
import { runCliProcess, startCli } from '../support/run-cli'
import { scanAll } from '../support/scan-all'
import { modifyCountsByKey } from '../support/stream-counts'
import { publishTestKeys, removeTestKeys, STATIC_CONFIG_MODULE } from '../support/test-keys'

// A hang guard, not a speed check: DynamoDB Local is slow on a shared machine.
jest.setTimeout(600_000)

const ITEMS = 1500
const client = createDynamoDBClient({ maxAttempts: 10 })
const tables: string[] = []
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-cli-'))
afterAll(async () => {
  for (const table of tables) {
    removeTestKeys(table)
    await deleteTestTable(client, table)
  }
  client.destroy()
  fs.rmSync(scratch, { recursive: true, force: true })
})

async function targetConfig(tableName: string): Promise<CryptoConfig> {
  const schema = await describeTableSchema(client, tableName)
  const configuration = await loadConfigurationModule(STATIC_CONFIG_MODULE, { command: 'verify', tableName, destinationTableName: tableName })
  return {
    materialsProvider: configuration.target.materialsProvider,
    attributeActions: actionsForTable(configuration.target.attributeActions, schema),
    encryptionContext: { tableName, partitionKeyName: 'pk' },
  }
}

/** Every item is encrypted, decrypts to its original plaintext, and was rewritten exactly once (stream MODIFY events). */
async function expectMigratedOnce(tableName: string, count: number): Promise<void> {
  const config = await targetConfig(tableName)
  const stored = await scanAll(client, tableName)
  expect(stored).toHaveLength(count)
  for (const item of stored) {
    const plain = await decryptItem(item, config)
    expect(plain).toEqual(plaintextItem(Number((plain.pk as { S: string }).S.slice('item#'.length))))
  }
  const modifies = await modifyCountsByKey(client, tableName, 'pk')
  expect(modifies.size).toBe(count)
  expect([...modifies.values()].filter((n) => n !== 1)).toEqual([])
}

describe('ddb-encryption CLI', () => {
  it('a run killed at random points and resumed from its checkpoint file ends with every item migrated exactly once', async () => {
    const tableName = await createPlaintextTable(client, ITEMS, { stream: true })
    tables.push(tableName)
    publishTestKeys(tableName)
    const checkpoint = path.join(scratch, 'kill.json')
    const args = ['encrypt-table', '--table', tableName, '--config', STATIC_CONFIG_MODULE, '--checkpoint-file', checkpoint,
      '--workers', '1', '--total-segments', '4', '--page-size', '40', '--json']
    let kills = 0
    let final: number | null = null
    for (let run = 0; final === null; run++) {
      const cli = startCli(args)
      if (run < 4) {
        // Once it reports progress, kill it at a random moment (a real SIGKILL: no handler runs, nothing is flushed).
        const killed = (async () => {
          while (!/"scanned":[1-9]/.test(cli.stderr()) && cli.child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
          await new Promise((r) => setTimeout(r, Math.random() * 2500))
          cli.child.kill('SIGKILL')
        })()
        const status = await cli.exit
        await killed
        if (status === null) {
          kills++
          continue
        }
      }
      const status = await cli.exit
      expect({ status, stderr: cli.stderr().slice(-2000) }).toEqual({ status: 0, stderr: expect.any(String) })
      final = status
    }
    expect(final).toBe(0)
    expect(kills).toBeGreaterThan(0)
    await expectMigratedOnce(tableName, ITEMS)
    const again = await runCliProcess(['encrypt-table', '--table', tableName, '--config', STATIC_CONFIG_MODULE, '--workers', '1', '--json'])
    expect(again.status).toBe(0)
    expect(again.records.at(-1)).toMatchObject({ type: 'result', complete: true, counts: { scanned: ITEMS, current: ITEMS, written: 0 } })
  })

  it('two processes share one job through a checkpoint table with --segments a-b/N; dry run, verify and explain', async () => {
    const count = 400
    const tableName = await createPlaintextTable(client, count, { stream: true })
    tables.push(tableName)
    publishTestKeys(tableName)
    const checkpointTable = `migrate-checkpoints-${Date.now().toString(36)}`
    tables.push(checkpointTable)
    const common = ['--table', tableName, '--config', STATIC_CONFIG_MODULE, '--checkpoint-table', checkpointTable, '--workers', '1', '--job', 'job-1', '--json']

    const dry = await runCliProcess(['encrypt-table', ...common.filter((a) => a !== '--checkpoint-table' && a !== checkpointTable), '--dry-run'])
    expect(dry.records.at(-1)).toMatchObject({ type: 'result', dryRun: true, counts: { scanned: count, written: count, fromPlaintext: count } })

    const [a, b] = await Promise.all([
      runCliProcess(['encrypt-table', ...common, '--segments', '0-2/6']),
      runCliProcess(['encrypt-table', ...common, '--segments', '3-5/6']),
    ])
    expect([a.status, b.status]).toEqual([0, 0])
    const written = [a, b].map((r) => (r.records.at(-1) as { counts: { written: number } }).counts.written)
    expect(written[0]! + written[1]!).toBe(count)
    const segments = await new DynamoDBCheckpointStore({ client, tableName: checkpointTable }).list('job-1')
    expect(segments.map((s) => [s.segment, s.done])).toEqual([0, 1, 2, 3, 4, 5].map((s) => [s, true]))
    // A restarted worker of a finished job does nothing.
    const rerun = await runCliProcess(['encrypt-table', ...common, '--segments', '0-2/6'])
    expect(rerun.records.at(-1)).toMatchObject({ counts: { written: written[0] } })
    await expectMigratedOnce(tableName, count)

    // One item rewritten by a writer whose actions differ for one attribute: verify names its key, explain the attribute.
    const config = await targetConfig(tableName)
    const changed = new AttributeActions({ attributeActions: { ...config.attributeActions.attributeActions, card: CryptoAction.SIGN_ONLY } })
    await client.send(new PutItemCommand({ TableName: tableName, Item: (await encryptItem(plaintextItem(7), { ...config, attributeActions: changed })) as never }))
    const verify = await runCliProcess(['verify', '--table', tableName, '--config', STATIC_CONFIG_MODULE, '--workers', '0', '--json'])
    expect(verify.status).toBe(1)
    expect(verify.records.filter((r) => r.type === 'failure')).toEqual([{ type: 'failure', key: { pk: { S: 'item#7' } }, code: 'ERR_SIGNATURE_VERIFICATION_FAILED' }])
    expect(verify.stdout).not.toContain('4111')
    const explain = await runCliProcess(['explain', '--table', tableName, '--config', STATIC_CONFIG_MODULE, '--key', '{"pk":{"S":"item#7"}}'])
    expect(explain.status).toBe(0)
    expect(explain.records[0]).toMatchObject({ type: 'explain', verdict: 'actions-differ', differences: [{ attribute: 'card', reader: 'ENCRYPT_AND_SIGN', writer: 'SIGN_ONLY' }] })
    expect(explain.stdout).not.toContain('4111')
  })

  it('refuses bad usage with exit status 2 and a message', async () => {
    const noConfig = await runCliProcess(['encrypt-table', '--table', 'x'])
    expect(noConfig.status).toBe(2)
    expect(noConfig.stderr).toContain('--config is required')
    const badSegments = await runCliProcess(['verify', '--table', 'x', '--config', STATIC_CONFIG_MODULE, '--segments', '3-1/4'])
    expect(badSegments.status).toBe(2)
    expect(badSegments.stderr).toContain('--segments')
  })
})
