// The composition matrix on DynamoDB Local: every way an SDK v3 application composes the encrypted clients, times
// put / get / query / scan / batch / transact. Each write is checked on the raw stored item (read with the plain
// client: ciphertext and a signature every time); each read must return the plaintext; a refused request must be a
// typed refusal with nothing sent (a recording middleware on the raw client) and nothing stored. The same matrix runs
// with the `encryptorPool` option (core's worker threads, every multi-item operation on the pool).
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import * as Low from '@aws-sdk/client-dynamodb'
import * as Doc from '@aws-sdk/lib-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, UnsupportedOperationError, type CryptographicMaterialsProvider, type EncryptorPool } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient } from '@ddb-encryption/client-helpers'
import { createWrappedProvider, spyClient, type SpiedClient } from '../support/integration'

jest.setTimeout(60_000)

// Worker threads run the compiled core (dist/, built by `pnpm build`), as in core's own pool tests.
const DIST = path.join(__dirname, '..', '..', '..', 'core', 'dist', 'index.js')
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build (worker threads run the compiled core)`)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dist = require(DIST) as typeof import('@ddb-encryption/core')

type Native = Record<string, unknown>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sender = { send(command: any): Promise<any> }

const options = {
  materialsProvider: createWrappedProvider(),
  attributeActions: new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } }),
}

let ddb: Low.DynamoDBClient
let spy: SpiedClient
let table: string
let pool: EncryptorPool | undefined
/** Calls of `pool.run`: proves the pool compositions encrypt and decrypt on the workers. */
let poolRuns = 0
let poolOptions: { materialsProvider: CryptographicMaterialsProvider; attributeActions: AttributeActions; encryptorPool: { pool: EncryptorPool; minItems: number } }


beforeAll(async () => {
  ddb = createDynamoDBClient()
  table = await createTestTable(ddb, { namePrefix: 'ch-matrix', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
  spy = spyClient(ddb)
  // Worker threads build the table's config from the key bytes (test/support/pool-config.js); the clients are given
  // the provider the pool's config holds in this thread, as the option requires.
  const configData = {
    aes: randomBytes(16).toString('base64'),
    hmac: randomBytes(32).toString('base64'),
    tables: { [table]: { pk: 'pk', sk: 'sk', actions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY, status: CryptoAction.SIGN_ONLY } } },
  }
  pool = await dist.EncryptorPool.start({ configModule: path.join(__dirname, '..', 'support', 'pool-config.js'), configData, threads: 2, chunkSize: 1 })
  const run = pool.run.bind(pool)
  pool.run = (...args) => {
    poolRuns += 1
    return run(...args)
  }
  poolOptions = { ...options, materialsProvider: (await pool.config(table)).materialsProvider, encryptorPool: { pool, minItems: 1 } }
}, 120_000)

afterAll(async () => {
  await pool?.close()
  await deleteTestTable(ddb, table)
  ddb.destroy()
  spy.client.destroy()
})

/** A composition: how it is built over the (recording) raw client, and whether it speaks native values. */
const COMPOSITIONS: [string, boolean, (raw: Low.DynamoDBClient) => Sender][] = [
  ['EncryptedDynamoDBClient', false, (raw) => EncryptedDynamoDBClient.from(raw, options)],
  ['DynamoDBDocumentClient.from(EncryptedDynamoDBClient)', true, (raw) => Doc.DynamoDBDocumentClient.from(EncryptedDynamoDBClient.from(raw, options))],
  ['DynamoDBDocument.from(EncryptedDynamoDBClient)', true, (raw) => Doc.DynamoDBDocument.from(EncryptedDynamoDBClient.from(raw, options))],
  ['EncryptedDynamoDBDocumentClient', true, (raw) => EncryptedDynamoDBDocumentClient.from(raw, options)],
  ['DynamoDBDocument.from(EncryptedDynamoDBDocumentClient)', true, (raw) => Doc.DynamoDBDocument.from(EncryptedDynamoDBDocumentClient.from(raw, options))],
  ['EncryptedDynamoDBClient with encryptorPool', false, (raw) => EncryptedDynamoDBClient.from(raw, poolOptions)],
  ['DynamoDBDocumentClient.from(EncryptedDynamoDBClient with encryptorPool)', true, (raw) => Doc.DynamoDBDocumentClient.from(EncryptedDynamoDBClient.from(raw, poolOptions))],
  ['EncryptedDynamoDBDocumentClient with encryptorPool', true, (raw) => EncryptedDynamoDBDocumentClient.from(raw, poolOptions)],
]

/** The commands of one value form: lib-dynamodb's for native values, the low-level ones otherwise. */
function commands(native: boolean) {
  const item = (i: Native): Native => (native ? i : marshall(i))
  return {
    put: (i: Native) => (native ? new Doc.PutCommand({ TableName: table, Item: i }) : new Low.PutItemCommand({ TableName: table, Item: marshall(i) })),
    get: (k: Native) => (native ? new Doc.GetCommand({ TableName: table, Key: k, ConsistentRead: true }) : new Low.GetItemCommand({ TableName: table, Key: marshall(k), ConsistentRead: true })),
    query: (pk: string) => (native
      ? new Doc.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk }, ConsistentRead: true })
      : new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: pk } }, ConsistentRead: true })),
    scan: (pk: string) => (native
      ? new Doc.ScanCommand({ TableName: table, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk }, ConsistentRead: true })
      : new Low.ScanCommand({ TableName: table, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: pk } }, ConsistentRead: true })),
    batchWrite: (items: Native[]) => (native
      ? new Doc.BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } })
      : new Low.BatchWriteItemCommand({ RequestItems: { [table]: items.map((i) => ({ PutRequest: { Item: marshall(i) } })) } })),
    batchGet: (keys: Native[]) => (native
      ? new Doc.BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })
      : new Low.BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys.map((k) => marshall(k)), ConsistentRead: true } } })),
    transactWrite: (i: Native) => (native
      ? new Doc.TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: i } }] })
      : new Low.TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: marshall(i) } }] })),
    transactGet: (k: Native) => (native
      ? new Doc.TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: k } }] })
      : new Low.TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: marshall(k) } }] })),
    refusedPut: (i: Native) => (native
      ? new Doc.PutCommand({ TableName: table, Item: i, ConditionExpression: 'secret <> :s', ExpressionAttributeValues: { ':s': 'x' } })
      : new Low.PutItemCommand({ TableName: table, Item: marshall(i), ConditionExpression: 'secret <> :s', ExpressionAttributeValues: { ':s': { S: 'x' } } })),
    toNative: (value: unknown): Native => (native ? (value as Native) : unmarshall(value as never)),
    item,
  }
}

/** The raw stored item of `pk`/`sk`, read with the plain client. */
async function raw(pk: string, sk: number): Promise<Record<string, Record<string, unknown>> | undefined> {
  const { Item } = await ddb.send(new Low.GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { N: String(sk) } }, ConsistentRead: true }))
  return Item as Record<string, Record<string, unknown>> | undefined
}

async function expectStoredEncrypted(pk: string, sk: number, secret: string): Promise<void> {
  const stored = await raw(pk, sk)
  expect(stored).toBeDefined()
  expect(stored?.['secret']?.['B']).toBeInstanceOf(Uint8Array)
  expect(Buffer.from(stored?.['secret']?.['B'] as Uint8Array).includes(Buffer.from(secret))).toBe(false)
  expect(stored?.[ReservedAttribute.Signature]?.['B']).toBeInstanceOf(Uint8Array)
  expect(stored?.['status']).toEqual({ S: 'open' })
}

describe.each(COMPOSITIONS)('%s', (name, native, build) => {
  const c = commands(native)
  const pk = `m-${name.replace(/[^A-Za-z]/g, '')}`
  const doc = (sk: number): Native => ({ pk, sk, status: 'open', secret: `secret ${sk} of ${pk}` })
  let client: Sender
  beforeAll(() => { client = build(spy.client) })

  it('put stores ciphertext and a signature; get, query and scan return the plaintext', async () => {
    await client.send(c.put(doc(1)))
    await expectStoredEncrypted(pk, 1, `secret 1 of ${pk}`)
    expect(c.toNative((await client.send(c.get({ pk, sk: 1 }))).Item)).toEqual(doc(1))
    expect(((await client.send(c.query(pk))).Items as unknown[]).map(c.toNative)).toEqual([doc(1)])
    expect(((await client.send(c.scan(pk))).Items as unknown[]).map(c.toNative)).toEqual([doc(1)])
  })

  it('batch write stores ciphertext and signatures; batch get returns the plaintext', async () => {
    const runs = poolRuns
    await client.send(c.batchWrite([doc(2), doc(3)]))
    // With encryptorPool (minItems 1), the batch write and the batch get each run on the pool.
    expect(poolRuns - runs).toBe(name.includes('encryptorPool') ? 1 : 0)
    await expectStoredEncrypted(pk, 2, `secret 2 of ${pk}`)
    await expectStoredEncrypted(pk, 3, `secret 3 of ${pk}`)
    const out = await client.send(c.batchGet([{ pk, sk: 2 }, { pk, sk: 3 }]))
    const items = (out.Responses[table] as unknown[]).map(c.toNative).sort((a, b) => Number(a['sk']) - Number(b['sk']))
    expect(items).toEqual([doc(2), doc(3)])
    expect(poolRuns - runs).toBe(name.includes('encryptorPool') ? 2 : 0)
  })

  it('transact write stores ciphertext and a signature; transact get returns the plaintext', async () => {
    await client.send(c.transactWrite(doc(4)))
    await expectStoredEncrypted(pk, 4, `secret 4 of ${pk}`)
    const out = await client.send(c.transactGet({ pk, sk: 4 }))
    expect(c.toNative(out.Responses[0].Item)).toEqual(doc(4))
  })

  it('refuses a condition on an encrypted attribute with a typed error: nothing sent, nothing stored', async () => {
    spy.sent.length = 0
    const error = await client.send(c.refusedPut(doc(5))).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(UnsupportedOperationError)
    expect(spy.sent.filter((op) => op !== 'DescribeTable')).toEqual([])
    expect(await raw(pk, 5)).toBeUndefined()
  })
})
