#!/usr/bin/env node
// Benchmark of encrypt-table (`pnpm bench:migrate`, not part of the tests): items/s of an in-place encrypt-table on
// DynamoDB Local with the CPU work in this thread (1 core) and in one worker thread per core, and the CPU time per
// item of the whole job (process-wide, all threads; DynamoDB Local runs in its own process) against encryptItem
// alone on the same items. Runs are interleaved (1 core, all cores, 1 core, all cores) and the best of each is kept.
// BENCH_MIGRATE_ITEMS (default 5000) sets the table size.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { BatchWriteItemCommand } = require('@aws-sdk/client-dynamodb')
const { encryptItem, AttributeActions, CryptoAction } = require('@ddb-encryption/core')
const { startDynamoDbLocal, createDynamoDBClient, createTestTable, deleteTestTable, TestEnvironmentVariable } = require('@ddb-encryption/testing')
const { encryptTable, loadConfigurationModule } = require('../dist/index.js')

const ITEMS = Number(process.env.BENCH_MIGRATE_ITEMS ?? 5000)
const CONFIG = path.join(__dirname, '..', 'test', 'support', 'static-config.js')
const { keysFile } = require(CONFIG)

function item(i) {
  return {
    pk: { S: `item#${i}` }, owner: { S: `owner#${i % 17}` }, counter: { N: String(i) }, note: { S: `note ${i}` },
    card: { S: `4111-${String(i).padStart(6, '0')}` }, tags: { SS: ['a', `t${i % 5}`] },
    profile: { M: { age: { N: String(20 + (i % 50)) }, vip: { BOOL: i % 3 === 0 } } }, blob: { B: new Uint8Array([i & 255, 7]) },
    text: { S: 'x'.repeat(600) },
  }
}

/** Fresh keys for `tableName`, where the configuration module reads them. */
function publishKeys(tableName) {
  const { randomBytes } = require('node:crypto')
  fs.writeFileSync(keysFile(tableName), JSON.stringify({ wrapping: randomBytes(32).toString('hex'), signing: randomBytes(32).toString('hex') }), { mode: 0o600 })
}

async function fill(ddb) {
  const tableName = await createTestTable(ddb, {
    namePrefix: 'bench-migrate', partitionKey: { name: 'pk', type: 'S' },
    globalSecondaryIndexes: [{ indexName: 'by-owner', partitionKey: { name: 'owner', type: 'S' } }],
  })
  publishKeys(tableName)
  const batches = []
  for (let i = 0; i < ITEMS; i += 25) batches.push(Array.from({ length: Math.min(25, ITEMS - i) }, (_, j) => ({ PutRequest: { Item: item(i + j) } })))
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < batches.length) {
      let pending = batches[next++]
      while (pending.length > 0) {
        const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }))
        pending = out.UnprocessedItems?.[tableName] ?? []
      }
    }
  }))
  return tableName
}

function cpuMs(start) {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1000
}

async function runJob(ddb, workers) {
  const tableName = await fill(ddb)
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  const result = await encryptTable({ client: ddb, tableName, configurationModule: CONFIG, workers, totalSegments: 8, concurrency: 64 })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpuPerItemUs = (cpu ? cpuMs(cpu) : 0) * 1000 / ITEMS
  await deleteTestTable(ddb, tableName)
  fs.rmSync(keysFile(tableName), { force: true })
  if (result.counts.written !== ITEMS) throw new Error(`expected ${ITEMS} writes, got ${JSON.stringify(result.counts)}`)
  return { itemsPerSecond: ITEMS / seconds, cpuPerItemUs }
}

async function encryptItemAlone() {
  publishKeys('t')
  const configuration = await loadConfigurationModule(CONFIG, { command: 'encrypt-table', tableName: 't', destinationTableName: 't' })
  const config = {
    materialsProvider: configuration.target.materialsProvider,
    attributeActions: configuration.target.attributeActions.setIndexKeys('pk', 'owner'),
    encryptionContext: { tableName: 't', partitionKeyName: 'pk' },
  }
  const items = Array.from({ length: ITEMS }, (_, i) => item(i))
  for (let i = 0; i < 200; i++) await encryptItem(items[i], config) // warm-up
  const cpu = process.cpuUsage()
  for (const it of items) await encryptItem(it, config)
  return { cpuPerItemUs: cpuMs(cpu) * 1000 / ITEMS }
}

async function main() {
  let dynamo
  if (!process.env[TestEnvironmentVariable.dynamoDbEndpoint]) {
    dynamo = await startDynamoDbLocal()
    process.env[TestEnvironmentVariable.dynamoDbEndpoint] = dynamo.endpoint
  }
  const ddb = createDynamoDBClient({ maxAttempts: 10 })
  const cores = os.availableParallelism()
  try {
    const alone = await encryptItemAlone()
    const best = { one: { itemsPerSecond: 0, cpuPerItemUs: Infinity }, all: { itemsPerSecond: 0, cpuPerItemUs: Infinity } }
    for (let round = 0; round < 2; round++) {
      for (const [name, workers] of [['one', 0], ['all', cores]]) {
        const r = await runJob(ddb, workers)
        console.error(`round ${round + 1}, ${workers === 0 ? '1 core (main thread)' : `${workers} worker threads`}: ${Math.round(r.itemsPerSecond)} items/s, ${Math.round(r.cpuPerItemUs)} us CPU/item`)
        best[name].itemsPerSecond = Math.max(best[name].itemsPerSecond, r.itemsPerSecond)
        best[name].cpuPerItemUs = Math.min(best[name].cpuPerItemUs, r.cpuPerItemUs)
      }
    }
    const lines = [
      `encrypt-table on DynamoDB Local, ${ITEMS} items of ~1 KB (wrapped AES-256 + HmacSHA256), ${cores} cores, load average ${os.loadavg()[0].toFixed(1)}`,
      '',
      '| run | items/s | CPU per item (all threads of this process) |',
      '| --- | ---: | ---: |',
      `| encrypt-table, 1 core (main thread) | ${Math.round(best.one.itemsPerSecond)} | ${Math.round(best.one.cpuPerItemUs)} us |`,
      `| encrypt-table, ${cores} worker threads | ${Math.round(best.all.itemsPerSecond)} | ${Math.round(best.all.cpuPerItemUs)} us |`,
      `| encryptItem alone (no I/O) | - | ${Math.round(alone.cpuPerItemUs)} us |`,
    ]
    console.log(lines.join('\n'))
  } finally {
    ddb.destroy()
    await dynamo?.stop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
