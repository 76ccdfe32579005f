/**
 * Multi-item operations through core's batch API (`encryptItems` / `decryptItems`, one call per table) and, with
 * `encryptorPool`, on core's EncryptorPool worker threads: the same results and the same errors as item by item,
 * and nothing sent when an item is refused or fails.
 *
 * The reference for "item by item" is a client with an empty migration window, whose reads go through
 * `decryptFor` one item at a time (a window read with no previous configuration is a plain read); writes are
 * compared by reading them back with the other clients. Worker threads run the compiled core (dist/, built by
 * `pnpm build`), as in core's own pool tests.
 */
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactGetItem,
} from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, InvalidArgumentError, UnsupportedOperationError, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, EncryptedTable, ItemDecryptionError, type DecryptFailureReport, type EncryptedDynamoDBClientOptions } from '@ddb-encryption/client-helpers'
import { FakeDynamoDB, N, S } from '@ddb-encryption/testing'

const DIST = path.join(__dirname, '..', '..', '..', 'core', 'dist', 'index.js')
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build (worker threads run the compiled core)`)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dist = require(DIST) as typeof import('@ddb-encryption/core')
const CONFIG_MODULE = path.join(__dirname, '..', 'support', 'pool-config.js')

type Item = Record<string, AttributeValue>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

const { SIGN_ONLY, DO_NOTHING } = CryptoAction
const configData = {
  aes: randomBytes(16).toString('base64'),
  hmac: randomBytes(32).toString('base64'),
  tables: {
    users: { pk: 'id', actions: { id: SIGN_ONLY, tag: SIGN_ONLY, hits: DO_NOTHING } },
    events: { pk: 'pk', sk: 'sk', actions: { pk: SIGN_ONLY, sk: SIGN_ONLY, tag: SIGN_ONLY, hits: DO_NOTHING } },
  },
}

let pool: import('@ddb-encryption/core').EncryptorPool
let provider: CryptographicMaterialsProvider
const attributeActions = new AttributeActions({ attributeActions: { tag: SIGN_ONLY, hits: DO_NOTHING } })

beforeAll(async () => {
  pool = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 2, chunkSize: 4 })
  // The client is given the provider the pool's configs hold in this thread (the module memoizes it).
  provider = (await pool.config('users')).materialsProvider
})
afterAll(async () => {
  await pool.close()
})

function user(i: number): Item {
  return { id: S(`u${String(i).padStart(3, '0')}`), secret: S(`secret ${i}`), tag: S(`tag ${i % 3}`), hits: N(String(i)), deep: { M: { l: { L: [N(String(i)), { B: Uint8Array.of(i, 1, 2) }] } } } }
}
function event(i: number): Item {
  return { pk: S('p'), sk: N(String(i)), body: S(`body ${i}`), tag: S('t'), hits: N('1') }
}
const USERS = Array.from({ length: 40 }, (_, i) => user(i))
const EVENTS = Array.from({ length: 30 }, (_, i) => event(i))

type Mode = 'batch' | 'pool' | 'item by item'
const MODES: readonly Mode[] = ['batch', 'pool', 'item by item']

function client(fake: FakeDynamoDB, mode: Mode, extra: Partial<EncryptedDynamoDBClientOptions> = {}) {
  return EncryptedDynamoDBClient.from(fake.client, {
    materialsProvider: provider,
    attributeActions,
    ...(mode === 'pool' ? { encryptorPool: { pool, minItems: 1 } } : {}),
    ...(mode === 'item by item' ? { migrationWindow: {} } : {}),
    ...extra,
  })
}

function fakeTables(): FakeDynamoDB {
  return new FakeDynamoDB({ users: { pk: 'id' }, events: { pk: 'pk', sk: 'sk' } })
}

/** Writes USERS and EVENTS with `mode` in batches of 25 (BatchWriteItem's limit). */
async function writeAll(fake: FakeDynamoDB, mode: Mode): Promise<void> {
  const requests = [
    ...USERS.map((Item) => ['users', { PutRequest: { Item } }] as const),
    ...EVENTS.map((Item) => ['events', { PutRequest: { Item } }] as const),
  ]
  const writer = client(fake, mode)
  for (let start = 0; start < requests.length; start += 25) {
    const RequestItems: Record<string, Json[]> = {}
    for (const [name, request] of requests.slice(start, start + 25)) (RequestItems[name] ??= []).push(request)
    const out = await writer.send(new BatchWriteItemCommand({ RequestItems: RequestItems as never }))
    expect(out.UnprocessedItems ?? {}).toEqual({})
  }
}

/** The stored (wire) item of `table` with `key`, to tamper with. */
function stored(fake: FakeDynamoDB, table: string, key: Json): Json {
  return fake.tables.get(table)?.get(fake.key(table, key)) as Json
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** What the tests compare of an ItemDecryptionError: class, message, table, key, failure and the cause's class. */
function described(error: unknown): unknown {
  if (!(error instanceof ItemDecryptionError)) return error
  return { name: error.name, message: error.message, tableName: error.tableName, key: error.key, failure: error.failure, cause: (error.cause as Error | undefined)?.name }
}

describe('encrypted clients: multi-item operations through the batch API and the encryptorPool option', () => {
  it.each(MODES)('items written with BatchWriteItem (%s) read back the same with every client', async (mode) => {
    const fake = fakeTables()
    await writeAll(fake, mode)
    for (const reader of MODES) {
      const users = await client(fake, reader).send(new ScanCommand({ TableName: 'users' }))
      expect(users.Items).toEqual(USERS)
      const events = await client(fake, reader).send(new QueryCommand({ TableName: 'events', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') } }))
      expect(events.Items).toEqual(EVENTS)
    }
    // Key, signed-only and plain attributes are stored as they are; the others are encrypted.
    const first = stored(fake, 'users', { id: S('u000') })
    expect(first['tag']).toEqual({ S: 'tag 0' })
    expect(first['hits']).toEqual({ N: '0' })
    expect(Object.keys(first['secret'])).toEqual(['B'])
  })

  it('Scan, Query, BatchGetItem (two tables) and TransactGetItems (tables interleaved) give the same items in every mode', async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    const keys = USERS.slice(5, 30).map((u) => ({ id: u['id'] as AttributeValue }))
    const transact = Array.from({ length: 20 }, (_, i): TransactGetItem => (i % 2 === 0
      ? { Get: { TableName: 'users', Key: { id: S(`u${String(i).padStart(3, '0')}`) }, ProjectionExpression: 'id, secret' } }
      : { Get: { TableName: 'events', Key: { pk: S('p'), sk: N(String(i)) } } }))
    const results = []
    for (const mode of MODES) {
      const reader = client(fake, mode)
      const scan = await reader.send(new ScanCommand({ TableName: 'users', ProjectionExpression: 'id, deep.l[1], tag' }))
      const batch = await reader.send(new BatchGetItemCommand({ RequestItems: { users: { Keys: keys }, events: { Keys: EVENTS.map((e) => ({ pk: e['pk'] as AttributeValue, sk: e['sk'] as AttributeValue })) } } }))
      const tx = await reader.send(new TransactGetItemsCommand({ TransactItems: transact }))
      results.push({ scan: scan.Items, batch: batch.Responses, tx: tx.Responses })
    }
    expect(results[0]?.scan?.[7]).toEqual({ id: S('u007'), tag: S('tag 1'), deep: { M: { l: { L: [{ B: Uint8Array.of(7, 1, 2) }] } } } })
    expect(results[0]?.batch?.['users']).toEqual(USERS.slice(5, 30))
    expect(results[0]?.tx?.[2]?.Item).toEqual({ id: S('u002'), secret: S('secret 2') })
    expect(results[0]?.tx?.[3]?.Item).toEqual(event(3))
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })

  it('a page with tampered items fails with the error of the lowest-index one, the same in every mode', async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    stored(fake, 'users', { id: S('u021') })['tag'] = { S: 'forged' }
    stored(fake, 'users', { id: S('u009') })['hits'] = { N: '9' } // DO_NOTHING: still verifies
    stored(fake, 'users', { id: S('u013') })['tag'] = { S: 'forged' }
    const errors = []
    for (const mode of MODES) errors.push(await rejection(client(fake, mode).send(new ScanCommand({ TableName: 'users' }))))
    expect(errors[0]).toBeInstanceOf(ItemDecryptionError)
    expect((errors[0] as ItemDecryptionError).key).toEqual({ id: S('u013') })
    expect((errors[0] as ItemDecryptionError).failure).toBe('integrity')
    expect(described(errors[1])).toEqual(described(errors[0]))
    expect(described(errors[2])).toEqual(described(errors[0]))
  })

  it("under onDecryptFailure: 'report' every mode returns the same good items and the same FailedItems", async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    stored(fake, 'users', { id: S('u021') })['tag'] = { S: 'forged' }
    stored(fake, 'users', { id: S('u003') })['secret'] = { B: 'AAAA' }
    // An item never encrypted: refused as 'not-encrypted' without being decrypted.
    fake.tables.get('users')?.set(fake.key('users', { id: S('u030') }), { id: { S: 'u030' }, secret: { S: 'plain' } })
    const pages = []
    for (const mode of MODES) {
      const page = await client(fake, mode, { onDecryptFailure: 'report' }).send(new ScanCommand({ TableName: 'users' }))
      pages.push({ items: page.Items, failed: (page as DecryptFailureReport).FailedItems?.map((f) => ({ tableName: f.tableName, key: f.key, error: described(f.error) })) })
    }
    expect(pages[0]?.failed?.map((f) => [f.key, (f.error as { failure: string }).failure])).toEqual([
      [{ id: S('u003') }, 'integrity'], [{ id: S('u021') }, 'integrity'], [{ id: S('u030') }, 'not-encrypted'],
    ])
    expect(pages[0]?.items).toEqual(USERS.filter((_, i) => i !== 3 && i !== 21 && i !== 30))
    expect(pages[1]).toEqual(pages[0])
    expect(pages[2]).toEqual(pages[0])
  })

  it('an item that was never encrypted fails the page as not-encrypted in every mode', async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    fake.tables.get('users')?.set(fake.key('users', { id: S('u017') }), { id: { S: 'u017' }, secret: { S: 'plain' } })
    stored(fake, 'users', { id: S('u025') })['tag'] = { S: 'forged' }
    const errors = []
    for (const mode of MODES) errors.push(described(await rejection(client(fake, mode).send(new ScanCommand({ TableName: 'users' })))))
    expect(errors[0]).toMatchObject({ failure: 'not-encrypted', key: { id: S('u017') } })
    expect(errors[1]).toEqual(errors[0])
    expect(errors[2]).toEqual(errors[0])
  })

  it('an outage while decrypting a page is thrown unchanged, the same object, and never taken for a bad item', async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    const outage = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    let calls = 0
    const flaky: CryptographicMaterialsProvider = {
      getEncryptionMaterials: (context) => provider.getEncryptionMaterials(context),
      getDecryptionMaterials: (context) => (++calls === 12 ? Promise.reject(outage) : provider.getDecryptionMaterials(context)),
      refresh: async () => undefined,
    }
    for (const report of [false, true]) {
      calls = 0
      const error = await rejection(client(fake, 'batch', { materialsProvider: flaky, ...(report ? { onDecryptFailure: 'report' as const } : {}) })
        .send(new ScanCommand({ TableName: 'users' })))
      expect(error).toBe(outage)
    }
  })

  it.each(MODES)('a BatchWriteItem with a refused item sends nothing (%s)', async (mode) => {
    const fake = fakeTables()
    const writer = client(fake, mode)
    await writer.tableInfo('users')
    await writer.tableInfo('events')
    const before = fake.requests.length
    const proto = JSON.parse('{"id":{"S":"u900"},"__proto__":{"S":"x"}}') as Item
    const tooLarge = { ...user(901), secret: S('x'.repeat(400 * 1024)) }
    for (const [bad, refusal] of [[proto, /"__proto__"/], [tooLarge, /over DynamoDB's 400 KB/]] as const) {
      const requests = [...USERS.slice(0, 10), bad, ...USERS.slice(10, 20)].map((Item) => ({ PutRequest: { Item } }))
      const error = await rejection(writer.send(new BatchWriteItemCommand({ RequestItems: { users: requests, events: EVENTS.slice(0, 4).map((Item) => ({ PutRequest: { Item } })) } })))
      expect(error).toBeInstanceOf(UnsupportedOperationError)
      expect((error as Error).message).toMatch(refusal)
      const tx = await rejection(writer.send(new TransactWriteItemsCommand({ TransactItems: [
        { Put: { TableName: 'events', Item: event(1) } }, { Put: { TableName: 'users', Item: bad } }, { Put: { TableName: 'users', Item: user(1) } },
      ] })))
      expect(tx).toBeInstanceOf(UnsupportedOperationError)
    }
    expect(fake.requests.slice(before)).toEqual([])
  })

  it('a failed encryption fails the BatchWriteItem with the provider error, and nothing is sent', async () => {
    const fake = fakeTables()
    const outage = Object.assign(new Error('KMS is down'), { name: 'KMSInternalException' })
    let calls = 0
    const failing: CryptographicMaterialsProvider = {
      getEncryptionMaterials: (context) => (++calls === 5 ? Promise.reject(outage) : provider.getEncryptionMaterials(context)),
      getDecryptionMaterials: (context) => provider.getDecryptionMaterials(context),
      refresh: async () => undefined,
    }
    const writer = client(fake, 'batch', { materialsProvider: failing })
    await writer.tableInfo('users')
    const before = fake.requests.length
    const error = await rejection(writer.send(new BatchWriteItemCommand({ RequestItems: { users: USERS.slice(0, 20).map((Item) => ({ PutRequest: { Item } })) } })))
    expect(error).toBe(outage)
    expect(fake.requests.slice(before)).toEqual([])
  })

  it('TransactWriteItems encrypts every Put (both tables) through the pool, and each reads back in every mode', async () => {
    const fake = fakeTables()
    const TransactItems = [
      ...USERS.slice(0, 6).map((Item) => ({ Put: { TableName: 'users', Item } })),
      { Delete: { TableName: 'events', Key: { pk: S('p'), sk: N('99') } } },
      ...EVENTS.slice(0, 5).map((Item) => ({ Put: { TableName: 'events', Item } })),
    ]
    const run = jest.spyOn(pool, 'run')
    try {
      await client(fake, 'pool').send(new TransactWriteItemsCommand({ TransactItems }))
      expect(run.mock.calls.map(([operation, items]) => [operation, items.length])).toEqual([['encrypt', 6], ['encrypt', 5]])
    } finally {
      run.mockRestore()
    }
    for (const mode of MODES) {
      expect((await client(fake, mode).send(new ScanCommand({ TableName: 'users' }))).Items).toEqual(USERS.slice(0, 6))
      expect((await client(fake, mode).send(new ScanCommand({ TableName: 'events' }))).Items).toEqual(EVENTS.slice(0, 5))
    }
  })

  it('uses the pool only for groups of at least minItems, and not for a table given encryptorPool: null', async () => {
    const fake = fakeTables()
    await writeAll(fake, 'batch')
    const run = jest.spyOn(pool, 'run')
    try {
      const minItems = client(fake, 'batch', { encryptorPool: { pool, minItems: 35 } })
      await minItems.send(new ScanCommand({ TableName: 'users' })) // 40 items
      await minItems.send(new ScanCommand({ TableName: 'events' })) // 30 items: in this thread
      expect(run.mock.calls.map(([operation, items]) => [operation, items.length])).toEqual([['decrypt', 40]])
      run.mockClear()
      const kept = client(fake, 'batch', { encryptorPool: { pool, minItems: 1 }, tables: { events: { encryptorPool: null } } })
      expect((await kept.send(new ScanCommand({ TableName: 'events' }))).Items).toEqual(EVENTS)
      expect(run).not.toHaveBeenCalled()
      const named = client(fake, 'batch', { tables: { events: { encryptorPool: { pool, configName: 'events', minItems: 2 } } } })
      expect((await named.send(new ScanCommand({ TableName: 'events' }))).Items).toEqual(EVENTS)
      expect(run).toHaveBeenCalledTimes(1)
    } finally {
      run.mockRestore()
    }
  })

  it('EncryptedTable takes encryptorPool: batchWrite, batchGet, scan and transactGet run on the pool and match the plain table', async () => {
    const fake = fakeTables()
    const native = (i: number) => ({ id: `u${String(i).padStart(3, '0')}`, secret: `secret ${i}`, tag: `tag ${i % 3}`, hits: i })
    const items = Array.from({ length: 30 }, (_, i) => native(i))
    const options = { client: fake.client, tableName: 'users', materialsProvider: provider, attributeActions }
    const pooled = new EncryptedTable({ ...options, encryptorPool: { pool, minItems: 2 } })
    const plain = new EncryptedTable(options)
    const run = jest.spyOn(pool, 'run')
    try {
      expect(await pooled.batchWrite({ put: items })).toEqual({ unprocessedPuts: [], unprocessedDeletes: [] })
      const keys = items.map(({ id }) => ({ id }))
      const read = { batchGet: await pooled.batchGet(keys), scan: (await pooled.scan()).items, transactGet: await pooled.transactGet(keys.slice(0, 10)) }
      expect(run.mock.calls.map(([operation, batch]) => [operation, batch.length])).toEqual([['encrypt', 25], ['encrypt', 5], ['decrypt', 30], ['decrypt', 30], ['decrypt', 10]])
      expect(read.scan).toEqual(items)
      expect(read).toEqual({ batchGet: await plain.batchGet(keys), scan: (await plain.scan()).items, transactGet: await plain.transactGet(keys.slice(0, 10)) })
    } finally {
      run.mockRestore()
    }
  })

  it('refuses a pool config that differs from the client\'s, before anything is sent', async () => {
    const fake = fakeTables()
    const cases: [Partial<EncryptedDynamoDBClientOptions>, RegExp][] = [
      [{ tables: { users: { encryptorPool: { pool, configName: 'stranger' } } } }, /pool\.config\("stranger"\) for table "users" has another materialsProvider/],
      [{ tables: { users: { encryptorPool: { pool, configName: 'events' } } } }, /has another encryption context/],
      [{ encryptorPool: { pool }, attributeActions: new AttributeActions({ attributeActions: { tag: SIGN_ONLY } }) }, /has another attributeActions/],
      [{ encryptorPool: { pool }, writeMode: 'python' }, /has another "writeMode"/],
    ]
    for (const [options, message] of cases) {
      const error = await rejection(client(fake, 'batch', options).send(new ScanCommand({ TableName: 'users' })))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as Error).message).toMatch(message)
    }
    expect(fake.requests.filter((r) => r.op !== 'DescribeTable')).toEqual([])
  })

  it('validates the encryptorPool option, naming it', () => {
    const fake = fakeTables()
    const cases: [Partial<EncryptedDynamoDBClientOptions>, RegExp][] = [
      [{ encryptorPool: 'pool' as never }, /"encryptorPool" option must be an object/],
      [{ encryptorPool: { pool: {} as never } }, /"encryptorPool.pool" option must be an EncryptorPool/],
      [{ encryptorPool: { pool, minItems: 0 } }, /"encryptorPool.minItems" option must be a positive integer/],
      [{ encryptorPool: { pool, configName: '' } }, /"encryptorPool.configName" option must be a non-empty string/],
      [{ tables: { users: { encryptorPool: { pool, minItems: 1.5 } } } }, /"tables\["users"\].encryptorPool.minItems" option must be a positive integer/],
    ]
    for (const [options, message] of cases) {
      expect(() => client(fake, 'batch', options)).toThrow(InvalidArgumentError)
      expect(() => client(fake, 'batch', options)).toThrow(message)
    }
  })
})
