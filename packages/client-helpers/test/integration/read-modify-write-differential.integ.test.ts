// End-to-end differential test of read-modify-write on DynamoDB Local: seeded random update and condition requests
// (the generator of test/support/expression-differential.ts) are sent through the encrypted client with
// `readModifyWrite: true` to an encrypted table (every attribute ENCRYPT_AND_SIGN), and to DynamoDB itself on a
// plaintext table holding the same items. Outcomes (result, ReturnValues, error, cancellation reasons) and the
// stored items afterwards must agree: as UpdateItem, grouped into TransactWriteItems, as PutItem / DeleteItem
// conditions, and as Query filters (with `clientSideFilters: true`, page by page). Validation errors are compared by
// name here (their messages are compared with DynamoDB's in expression-differential.integ.test.ts).
// DIFF_EXPRESSIONS_SCALE multiplies the case counts; DIFF_EXPRESSIONS_SEED picks another seed.
import { BatchWriteItemCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { AttributeActions } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { canonicalItem, generateCases, type ConditionCase, type FilterCase, type UpdateCase } from '../support/expression-differential'
import { createWrappedProvider } from '../support/integration'

type Item = Record<string, AttributeValue>

const scale = Number(process.env.DIFF_EXPRESSIONS_SCALE ?? '1')
const seed = Number(process.env.DIFF_EXPRESSIONS_SEED ?? '20261130') + 7

let ddb: DynamoDBClient
let plainTable: string
let encryptedTable: string
let rmw: ReturnType<typeof EncryptedDynamoDBClient.from<DynamoDBClient>>

beforeAll(async () => {
  ddb = createDynamoDBClient()
  const schema = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'N' as const } }
  ;[plainTable, encryptedTable] = await Promise.all([
    createTestTable(ddb, { namePrefix: 'rmw-diff-plain', ...schema }),
    createTestTable(ddb, { namePrefix: 'rmw-diff-enc', ...schema }),
  ])
  rmw = EncryptedDynamoDBClient.from(ddb, { materialsProvider: createWrappedProvider(), attributeActions: new AttributeActions(), readModifyWrite: true, clientSideFilters: true })
}, 120_000)

afterAll(async () => {
  await Promise.all([deleteTestTable(ddb, plainTable), deleteTestTable(ddb, encryptedTable)])
  ddb.destroy()
})

let counter = 0
const freshKey = (): Item => ({ pk: { S: `k${counter++}` }, sk: { N: '0' } })

/** An outcome comparable across both tables: ok (with attributes), or the error's name, message and reasons. */
async function outcome(send: () => Promise<object>): Promise<unknown> {
  try {
    const out = await send()
    return { ok: canonicalItem((out as { Attributes?: Item }).Attributes) }
  } catch (error) {
    const e = error as { name?: string; message?: string; CancellationReasons?: { Code?: string; Message?: string; Item?: Item }[] }
    if (e.name === 'TransactionCanceledException') {
      return { name: e.name, message: e.message, reasons: e.CancellationReasons?.map((r) => ({ Code: r.Code, Message: r.Message, Item: canonicalItem(r.Item) })) }
    }
    if (e.name === 'ConditionalCheckFailedException' || e.name === 'ValidationException') return { name: e.name }
    throw error
  }
}

async function seedItems(entries: { key: Item; item: Item | undefined }[]): Promise<void> {
  const present = entries.filter((e) => e.item !== undefined).map((e) => ({ ...e.item, ...e.key }))
  for (let i = 0; i < present.length; i += 25) {
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [plainTable]: present.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }))
  }
  await Promise.all(present.map((Item) => rmw.send(new PutItemCommand({ TableName: encryptedTable, Item }))))
}

async function storedPair(key: Item): Promise<[unknown, unknown]> {
  const [ours, theirs] = await Promise.all([
    rmw.send(new GetItemCommand({ TableName: encryptedTable, Key: key, ConsistentRead: true })),
    ddb.send(new GetItemCommand({ TableName: plainTable, Key: key, ConsistentRead: true })),
  ])
  return [canonicalItem(ours.Item), canonicalItem(theirs.Item)]
}

/** Runs `jobs` with at most `n` at once. */
async function inParallel<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length)
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await (jobs[i] as () => Promise<T>)()
    }
  }))
  return out
}

describe('read-modify-write through the encrypted client versus DynamoDB on a plaintext table', () => {
  it('UpdateItem: same result, ReturnValues, errors and stored items for random updates', async () => {
    const cases = generateCases(seed, Math.round(150 * scale), 0, 0) as UpdateCase[]
    const keyed = cases.map((c) => ({ c, key: freshKey(), item: c.item }))
    await seedItems(keyed)
    const results = await inParallel(keyed.map(({ c, key }) => async () => {
      const input = (TableName: string) => new UpdateItemCommand({ TableName, Key: key, ...c.request, ReturnValues: c.returnValues })
      const theirs = await outcome(() => ddb.send(input(plainTable)))
      const ours = await outcome(() => rmw.send(input(encryptedTable)))
      return { request: c.request, returnValues: c.returnValues, outcome: [ours, theirs], stored: await storedPair(key) }
    }), 4)
    const mismatches = results.filter((r) => JSON.stringify(r.outcome[0]) !== JSON.stringify(r.outcome[1]) || JSON.stringify(r.stored[0]) !== JSON.stringify(r.stored[1]))
    expect(mismatches.slice(0, 3)).toEqual([])
    const classes = new Set(results.map((r) => JSON.stringify(Object.keys(r.outcome[1] as object)[0] === 'ok' ? 'ok' : (r.outcome[1] as { name: string }).name)))
    expect([...classes].sort()).toEqual(['"ConditionalCheckFailedException"', '"ValidationException"', '"ok"'])
  }, 300_000)

  it('TransactWriteItems: same outcome, cancellation reasons and stored items for random transactions', async () => {
    const updates = generateCases(seed + 10, Math.round(90 * scale), 0, 0) as UpdateCase[]
    const conditions = generateCases(seed + 20, 0, Math.round(60 * scale), 0) as ConditionCase[]
    // Deal the cases into transactions of 1 to 3 entries, each on its own item.
    const pool: (UpdateCase | ConditionCase)[] = []
    for (let i = 0; i < Math.max(updates.length, conditions.length); i++) {
      if (updates[i] !== undefined) pool.push(updates[i] as UpdateCase)
      if (conditions[i] !== undefined) pool.push(conditions[i] as ConditionCase)
    }
    const transactions: { c: UpdateCase | ConditionCase; key: Item; item: Item | undefined }[][] = []
    for (let i = 0, size = 1; i < pool.length; i += size, size = (size % 3) + 1) {
      transactions.push(pool.slice(i, i + size).map((c) => ({ c, key: freshKey(), item: c.item })))
    }
    await seedItems(transactions.flat())
    const entry = (TableName: string, { c, key }: { c: UpdateCase | ConditionCase; key: Item }): TransactWriteItem => (c.kind === 'update'
      ? { Update: { TableName, Key: key, ...c.request, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as TransactWriteItem['Update'] }
      : { ConditionCheck: { TableName, Key: key, ...c.request, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as TransactWriteItem['ConditionCheck'] })
    const results = await inParallel(transactions.map((entries) => async () => {
      const theirs = await outcome(() => ddb.send(new TransactWriteItemsCommand({ TransactItems: entries.map((e) => entry(plainTable, e)) })))
      const ours = await outcome(() => rmw.send(new TransactWriteItemsCommand({ TransactItems: entries.map((e) => entry(encryptedTable, e)) })))
      return { requests: entries.map((e) => e.c.request), outcome: [ours, theirs], stored: await Promise.all(entries.map((e) => storedPair(e.key))) }
    }), 4)
    const mismatches = results.filter((r) => JSON.stringify(r.outcome[0]) !== JSON.stringify(r.outcome[1]) ||
      r.stored.some(([a, b]) => JSON.stringify(a) !== JSON.stringify(b)))
    expect(mismatches.slice(0, 3)).toEqual([])
    const names = new Set(results.map((r) => ('ok' in (r.outcome[1] as object) ? 'ok' : (r.outcome[1] as { name: string }).name)))
    expect([...names].sort()).toEqual(['TransactionCanceledException', 'ValidationException', 'ok'])
  }, 300_000)

  it('PutItem / DeleteItem: same outcome and stored items for random conditions', async () => {
    const cases = generateCases(seed + 30, 0, Math.round(120 * scale), 0) as ConditionCase[]
    const keyed = cases.map((c, i) => ({ c, key: freshKey(), item: c.item, del: i % 2 === 1 }))
    await seedItems(keyed)
    const results = await inParallel(keyed.map(({ c, key, del }) => async () => {
      const send = (client: { send(command: never): Promise<object> }, TableName: string) => outcome(() => client.send((del
        ? new DeleteItemCommand({ TableName, Key: key, ...c.request, ReturnValues: 'ALL_OLD' })
        : new PutItemCommand({ TableName, Item: { ...key, written: { S: 'yes' } }, ...c.request, ReturnValues: 'ALL_OLD' })) as never))
      const theirs = await send(ddb as never, plainTable)
      const ours = await send(rmw as never, encryptedTable)
      return { request: c.request, del, outcome: [ours, theirs], stored: await storedPair(key) }
    }), 4)
    const mismatches = results.filter((r) => JSON.stringify(r.outcome[0]) !== JSON.stringify(r.outcome[1]) || JSON.stringify(r.stored[0]) !== JSON.stringify(r.stored[1]))
    expect(mismatches.slice(0, 3)).toEqual([])
    const names = new Set(results.map((r) => ('ok' in (r.outcome[1] as object) ? 'ok' : (r.outcome[1] as { name: string }).name)))
    expect([...names].sort()).toEqual(['ConditionalCheckFailedException', 'ValidationException', 'ok'])
  }, 300_000)

  it('Query with a FilterExpression: same pages (Items, Count, ScannedCount, LastEvaluatedKey) for random filters', async () => {
    const cases = generateCases(seed + 40, 0, 0, Math.round(40 * scale)) as FilterCase[]
    const results = await inParallel(cases.map((c) => async () => {
      const pk = `f${counter++}`
      const items = c.items.map((item, i) => ({ ...item, pk: { S: pk }, sk: { N: String(i) } }))
      await seedItems(items.map((item) => ({ key: { pk: item.pk, sk: item.sk }, item })))
      const pages = async (client: { send(command: never): Promise<object> }, TableName: string): Promise<unknown> => {
        const out: unknown[] = []
        let start: Item | undefined
        try {
          do {
            const page = await client.send(new QueryCommand({
              TableName, KeyConditionExpression: '#pk = :pk', FilterExpression: c.request.FilterExpression, Limit: 7,
              ExpressionAttributeNames: { ...(c.request.ExpressionAttributeNames ?? {}), '#pk': 'pk' },
              ExpressionAttributeValues: { ...(c.request.ExpressionAttributeValues ?? {}), ':pk': { S: pk } },
              ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
            }) as never) as { Items?: Item[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: Item }
            out.push({ sks: (page.Items ?? []).map((i) => (i['sk'] as { N: string }).N), Count: page.Count, ScannedCount: page.ScannedCount, LastEvaluatedKey: page.LastEvaluatedKey })
            start = page.LastEvaluatedKey
          } while (start !== undefined)
          return out
        } catch (error) {
          const name = (error as { name?: string }).name
          if (name === 'ValidationException') return { name }
          throw error
        }
      }
      return { request: c.request, outcome: [await pages(rmw as never, encryptedTable), await pages(ddb as never, plainTable)] }
    }), 4)
    const mismatches = results.filter((r) => JSON.stringify(r.outcome[0]) !== JSON.stringify(r.outcome[1]))
    expect(mismatches.slice(0, 3)).toEqual([])
    expect(results.some((r) => Array.isArray(r.outcome[1]))).toBe(true)
    expect(results.some((r) => !Array.isArray(r.outcome[1]))).toBe(true)
  }, 300_000)
})
