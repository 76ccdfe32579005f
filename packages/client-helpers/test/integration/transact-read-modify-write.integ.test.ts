// TransactWriteItems with updates of signed / encrypted attributes and conditions on encrypted attributes, done by
// read-modify-write (option `readModifyWrite: true`) on DynamoDB Local: the items are read, the conditions and
// updates are evaluated on the plaintext, and ONE transaction conditioned on the signatures read is sent. Results and
// errors are compared with DynamoDB's own on a plaintext table; concurrent transactions never lose an update; no
// plaintext of an encrypted attribute is sent; without the option, nothing is sent.
import * as Low from '@aws-sdk/client-dynamodb'
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, ReservedAttribute, UnsupportedOperationError } from '@ddb-encryption/core'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient } from '@ddb-encryption/client-helpers'
import { createWrappedProvider, spyClient, type SpiedClient } from '../support/integration'

type Item = Record<string, Low.AttributeValue>

// counter, secret, notes: ENCRYPT_AND_SIGN (default); status: SIGN_ONLY; views: DO_NOTHING.
const attributeActions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const materialsProvider = createWrappedProvider()
const S = (s: string): Low.AttributeValue => ({ S: s })
const N = (n: string): Low.AttributeValue => ({ N: n })

let ddb: Low.DynamoDBClient
let spy: SpiedClient
let table: string
let plainTable: string
let rmw: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
let refusing: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>

beforeAll(async () => {
  ddb = createDynamoDBClient()
  ;[table, plainTable] = await Promise.all([
    createTestTable(ddb, { namePrefix: 'ch-trmw', partitionKey: { name: 'pk', type: 'S' } }),
    createTestTable(ddb, { namePrefix: 'ch-trmw-plain', partitionKey: { name: 'pk', type: 'S' } }),
  ])
  spy = spyClient()
  rmw = EncryptedDynamoDBClient.from(spy.client, { materialsProvider, attributeActions, readModifyWrite: true, updateRetry: { maxAttempts: 100, baseDelayMs: 5 } })
  refusing = EncryptedDynamoDBClient.from(spy.client, { materialsProvider, attributeActions })
  await rmw.tableInfo(table)
  await refusing.tableInfo(table)
}, 120_000)

afterAll(async () => {
  await Promise.all([deleteTestTable(ddb, table), deleteTestTable(ddb, plainTable)])
  ddb.destroy()
  spy.client.destroy()
})

async function raw(pk: string, tableName = table): Promise<Item | undefined> {
  return (await ddb.send(new Low.GetItemCommand({ TableName: tableName, Key: { pk: S(pk) }, ConsistentRead: true }))).Item
}

async function read(pk: string): Promise<Item | undefined> {
  return (await rmw.send(new Low.GetItemCommand({ TableName: table, Key: { pk: S(pk) }, ConsistentRead: true }))).Item
}

function clearSpy(): void {
  spy.sent.length = 0
  spy.inputs.length = 0
}

/** Every string in a sent request, however deep (AttributeValues, expressions, names). */
function sentStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) value.forEach((v) => sentStrings(v, out))
  else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) Object.values(value).forEach((v) => sentStrings(v, out))
  return out
}

describe('TransactWriteItems by read-modify-write', () => {
  it('updates encrypted and signed attributes and evaluates conditions on encrypted ones in one transaction', async () => {
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t1-a'), counter: N('1'), secret: S('alpha-plain'), status: S('open') } }))
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t1-b'), secret: S('bravo-plain') } }))
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t1-c'), secret: S('charlie-plain') } }))
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t1-e'), secret: S('echo-plain') } }))
    clearSpy()
    await rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: { pk: S('t1-a') }, UpdateExpression: 'SET #c = #c + :one, #s = :closed, notes = :notes', ConditionExpression: 'secret = :alpha',
        ExpressionAttributeNames: { '#c': 'counter', '#s': 'status' }, ExpressionAttributeValues: { ':one': N('1'), ':closed': S('closed-plain'), ':notes': { L: [S('note-plain')] }, ':alpha': S('alpha-plain') } } },
      { ConditionCheck: { TableName: table, Key: { pk: S('t1-b') }, ConditionExpression: 'begins_with(secret, :b)', ExpressionAttributeValues: { ':b': S('bravo') } } },
      { Delete: { TableName: table, Key: { pk: S('t1-c') }, ConditionExpression: 'contains(secret, :c)', ExpressionAttributeValues: { ':c': S('charlie') } } },
      { Put: { TableName: table, Item: { pk: S('t1-d'), secret: S('delta-plain') }, ConditionExpression: 'attribute_not_exists(secret) OR secret <> :x', ExpressionAttributeValues: { ':x': S('xray-plain') } } },
      // Sent as written: DynamoDB can evaluate it (DO_NOTHING attribute).
      { Update: { TableName: table, Key: { pk: S('t1-e') }, UpdateExpression: 'ADD #v :one', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': N('1') } } },
    ] }))
    // One consistent read per entry done on the client, then one transaction.
    expect(spy.sent.slice(0, 4)).toEqual(['GetItem', 'GetItem', 'GetItem', 'GetItem'])
    expect(spy.sent.slice(4)).toEqual(['TransactWriteItems'])
    expect(spy.inputs.slice(0, 4).every(({ input }) => input['ConsistentRead'] === true)).toBe(true)
    const sent = spy.inputs[4]?.input as { TransactItems: Low.TransactWriteItem[] }
    // No plaintext of an encrypted attribute (values, or the caller's expressions on them) left the client.
    const strings = sentStrings(sent)
    for (const plain of ['alpha-plain', 'bravo', 'charlie', 'delta-plain', 'xray-plain', 'note-plain', 'secret = :alpha']) {
      expect(strings.some((s) => s.includes(plain))).toBe(false)
    }
    expect(strings).toContain('closed-plain') // SIGN_ONLY: stored in plaintext, as for PutItem
    // Entries done on the client are conditioned on the signature read (or on absence).
    expect(sent.TransactItems[0]?.Put?.ConditionExpression).toBe('#s = :s')
    expect(sent.TransactItems[0]?.Put?.ExpressionAttributeNames).toEqual({ '#s': ReservedAttribute.Signature })
    expect(sent.TransactItems[1]?.ConditionCheck?.ConditionExpression).toBe('#s = :s')
    expect(sent.TransactItems[2]?.Delete?.ConditionExpression).toBe('#s = :s')
    expect(sent.TransactItems[3]?.Put?.ConditionExpression).toBe('attribute_not_exists(#k)')
    expect(sent.TransactItems[4]?.Update?.UpdateExpression).toBe('ADD #v :one')

    expect(await read('t1-a')).toEqual({ pk: S('t1-a'), counter: N('2'), secret: S('alpha-plain'), status: S('closed-plain'), notes: { L: [S('note-plain')] } })
    expect(await read('t1-c')).toBeUndefined()
    expect(await read('t1-d')).toEqual({ pk: S('t1-d'), secret: S('delta-plain') })
    expect(await read('t1-e')).toEqual({ pk: S('t1-e'), secret: S('echo-plain'), views: N('1') })
    const stored = await raw('t1-a')
    expect(stored?.counter).toHaveProperty('B')
    expect(stored?.notes).toHaveProperty('B')
    expect(stored?.[ReservedAttribute.Signature]).toBeDefined()
  })

  it('cancels as DynamoDB does when a condition on an encrypted attribute is false, and sends no write', async () => {
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t2-a'), secret: S('v1') } }))
    const before = await raw('t2-a')
    clearSpy()
    const attempt = rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: table, Item: { pk: S('t2-b'), secret: S('new') } } },
      { Update: { TableName: table, Key: { pk: S('t2-a') }, UpdateExpression: 'SET secret = :v2', ConditionExpression: 'secret = :wrong',
        ExpressionAttributeValues: { ':v2': S('v2'), ':wrong': S('nope') }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    ] }))
    await expect(attempt).rejects.toBeInstanceOf(Low.TransactionCanceledException)
    await expect(attempt).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: S('t2-a'), secret: S('v1') } }],
    })
    expect(spy.sent).toEqual(['GetItem'])
    expect(await raw('t2-a')).toEqual(before)
    expect(await raw('t2-b')).toBeUndefined()
  })

  it('works through lib-dynamodb\'s TransactWriteCommand', async () => {
    const doc = EncryptedDynamoDBDocumentClient.from(spy.client, { materialsProvider, attributeActions, readModifyWrite: true })
    await doc.send(new TransactWriteCommand({ TransactItems: [
      { Update: { TableName: table, Key: { pk: 't3' }, UpdateExpression: 'SET secret = :s ADD #c :n', ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':s': 'doc', ':n': 5 } } },
    ] }))
    await doc.send(new TransactWriteCommand({ TransactItems: [
      { Update: { TableName: table, Key: { pk: 't3' }, UpdateExpression: 'SET #c = #c - :n', ConditionExpression: 'secret = :s', ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':n': 2, ':s': 'doc' } } },
    ] }))
    expect((await doc.send(new GetCommand({ TableName: table, Key: { pk: 't3' }, ConsistentRead: true }))).Item).toEqual({ pk: 't3', secret: 'doc', counter: 3 })
    expect((await raw('t3'))?.secret).toHaveProperty('B')
  })

  it('without the option, refuses before anything is sent and names the option', async () => {
    const cases: Low.TransactWriteItem[][] = [
      [{ Update: { TableName: table, Key: { pk: S('t4') }, UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': S('x') } } }],
      [{ Put: { TableName: table, Item: { pk: S('t4') } } }, { ConditionCheck: { TableName: table, Key: { pk: S('t4-b') }, ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': S('x') } } }],
      [{ Delete: { TableName: table, Key: { pk: S('t4') }, ConditionExpression: 'size(secret) > :n', ExpressionAttributeValues: { ':n': N('1') } } }],
    ]
    for (const TransactItems of cases) {
      clearSpy()
      const error = await refusing.send(new Low.TransactWriteItemsCommand({ TransactItems })).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(UnsupportedOperationError)
      expect((error as Error).message).toContain('"secret"')
      expect((error as Error).message).toContain('"readModifyWrite: true"')
      expect(spy.sent).toEqual([])
    }
    expect(await raw('t4')).toBeUndefined()
  })

  it('refuses legacy parameters on encrypted attributes even with the option, before anything is sent', async () => {
    clearSpy()
    const error = await rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Delete: { TableName: table, Key: { pk: S('t5') }, Expected: { secret: { Value: S('x') } } } as never },
    ] })).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(UnsupportedOperationError)
    expect(spy.sent).toEqual([])
  })

  it('refuses to read-modify-write an item not encrypted yet (migration window), writing nothing', async () => {
    const migrating = EncryptedDynamoDBClient.from(ddb, { materialsProvider, attributeActions, readModifyWrite: true, migrationWindow: { allowPlaintext: true } })
    await ddb.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t6'), secret: S('plain') } }))
    for (const send of [
      () => migrating.send(new Low.UpdateItemCommand({ TableName: table, Key: { pk: S('t6') }, UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': S('x') } })),
      () => migrating.send(new Low.TransactWriteItemsCommand({ TransactItems: [{ ConditionCheck: { TableName: table, Key: { pk: S('t6') }, ConditionExpression: 'secret = :s', ExpressionAttributeValues: { ':s': S('plain') } } }] })),
    ]) {
      const error = await send().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(UnsupportedOperationError)
      expect((error as Error).message).toContain('not encrypted yet')
    }
    expect(await raw('t6')).toEqual({ pk: S('t6'), secret: S('plain') })
  })

  it('concurrent transactions on two encrypted counters end with every increment and verifiable items', async () => {
    const writers = 6
    const inc = (pk: string): Low.TransactWriteItem => ({ Update: { TableName: table, Key: { pk: S(pk) }, UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one',
      ExpressionAttributeNames: { '#c': 'counter' }, ExpressionAttributeValues: { ':zero': N('0'), ':one': N('1') } } })
    await Promise.all(Array.from({ length: writers }, () => rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [inc('race-a'), inc('race-b')] }))))
    expect(await read('race-a')).toEqual({ pk: S('race-a'), counter: N(String(writers)) })
    expect(await read('race-b')).toEqual({ pk: S('race-b'), counter: N(String(writers)) })
    expect((await raw('race-a'))?.counter).toHaveProperty('B')
  }, 120_000)

  it('gives up with a TransactionConflictException after updateRetry.maxAttempts lost races', async () => {
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t7'), secret: S('a') } }))
    // Another writer changes the item between our read and our write: a middleware rewrites it after each GetItem.
    const base = createDynamoDBClient()
    let interleaved = 0
    base.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args)
      if (context.commandName === 'GetItemCommand') {
        interleaved++
        await rmw.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('t7'), secret: S('b') } }))
      }
      return result
    }, { step: 'initialize', name: 'testInterleave' })
    const once = EncryptedDynamoDBClient.from(base, { materialsProvider, attributeActions, readModifyWrite: true, updateRetry: { maxAttempts: 3, baseDelayMs: 1 } })
    await expect(once.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: { pk: S('t7') }, UpdateExpression: 'SET secret = :c', ExpressionAttributeValues: { ':c': S('c') } } },
    ] }))).rejects.toMatchObject({ name: 'TransactionConflictException' })
    expect(interleaved).toBe(3)
    expect(await read('t7')).toEqual({ pk: S('t7'), secret: S('b') })
    base.destroy()
  })
})

/** What a TransactWriteItems call did: ok, or the error's name, message and reasons. */
async function outcome(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send()
    return 'ok'
  } catch (error) {
    const e = error as { name: string; message: string; CancellationReasons?: unknown }
    return { name: e.name, message: e.message, ...(e.CancellationReasons !== undefined ? { reasons: e.CancellationReasons } : {}) }
  }
}

describe('TransactWriteItems by read-modify-write versus DynamoDB on a plaintext table', () => {
  const seed: Item[] = [
    { pk: S('d-a'), secret: S('alpha'), counter: N('10'), tags: { SS: ['x', 'y'] }, status: S('open') },
    { pk: S('d-b'), secret: S('bravo'), counter: N('-1'), nested: { M: { list: { L: [N('1'), S('two')] } } } },
    { pk: S('d-c'), secret: S('charlie') },
  ]
  const v = (values: Record<string, Low.AttributeValue>) => ({ ExpressionAttributeValues: values })
  // Each case: entries written with the table name as a placeholder.
  const cases: [string, (t: string) => Low.TransactWriteItem[]][] = [
    ['all conditions true', (t) => [
      { Update: { TableName: t, Key: { pk: S('d-a') }, UpdateExpression: 'ADD tags :z SET #c = #c - :one', ConditionExpression: 'contains(tags, :x) AND #c > :one', ExpressionAttributeNames: { '#c': 'counter' }, ...v({ ':z': { SS: ['z'] }, ':one': N('1'), ':x': S('x') }) } },
      { ConditionCheck: { TableName: t, Key: { pk: S('d-b') }, ConditionExpression: 'nested.list[1] = :two', ...v({ ':two': S('two') }) } },
      { Put: { TableName: t, Item: { pk: S('d-new'), secret: S('n') }, ConditionExpression: 'attribute_not_exists(secret) OR secret <> :n', ...v({ ':n': S('n') }) } },
    ]],
    ['a false ConditionCheck and a false Delete condition with ALL_OLD', (t) => [
      { ConditionCheck: { TableName: t, Key: { pk: S('d-a') }, ConditionExpression: 'secret IN (:p, :q)', ...v({ ':p': S('p'), ':q': S('q') }) } },
      { Delete: { TableName: t, Key: { pk: S('d-b') }, ConditionExpression: 'size(secret) > :n', ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...v({ ':n': N('10') }) } },
      { Update: { TableName: t, Key: { pk: S('d-c') }, UpdateExpression: 'SET secret = :s', ...v({ ':s': S('changed') }) } },
    ]],
    ['a false condition on the client and false conditions DynamoDB would evaluate (SIGN_ONLY, key existence)', (t) => [
      { ConditionCheck: { TableName: t, Key: { pk: S('d-a') }, ConditionExpression: '#s = :closed', ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ExpressionAttributeNames: { '#s': 'status' }, ...v({ ':closed': S('closed') }) } },
      { Update: { TableName: t, Key: { pk: S('d-b') }, UpdateExpression: 'SET secret = :s', ConditionExpression: 'secret = :wrong', ...v({ ':s': S('s'), ':wrong': S('wrong') }) } },
      { Put: { TableName: t, Item: { pk: S('d-c'), secret: S('replaced') }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Delete: { TableName: t, Key: { pk: S('d-absent') }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]],
    ['a false Put condition on an absent item', (t) => [
      { Put: { TableName: t, Item: { pk: S('d-absent'), secret: S('s') }, ConditionExpression: 'attribute_exists(secret)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    ]],
    ['an update of the key', (t) => [
      { Update: { TableName: t, Key: { pk: S('d-a') }, UpdateExpression: 'SET pk = :s, secret = :s', ...v({ ':s': S('s') }) } },
    ]],
    ['an update reading an absent attribute', (t) => [
      { Update: { TableName: t, Key: { pk: S('d-c') }, UpdateExpression: 'SET secret = missing', ConditionExpression: 'attribute_exists(secret)' } },
    ]],
    ['an invalid expression', (t) => [
      { Update: { TableName: t, Key: { pk: S('d-c') }, UpdateExpression: 'SET secret = :s + :s', ...v({ ':s': S('s') }) } },
    ]],
    ['two entries on one item', (t) => [
      { ConditionCheck: { TableName: t, Key: { pk: S('d-a') }, ConditionExpression: 'secret = :a', ...v({ ':a': S('alpha') }) } },
      { Update: { TableName: t, Key: { pk: S('d-a') }, UpdateExpression: 'REMOVE secret' } },
    ]],
    ['a delete and an update creating an item', (t) => [
      { Delete: { TableName: t, Key: { pk: S('d-c') }, ConditionExpression: 'secret = :c', ...v({ ':c': S('charlie') }) } },
      { Update: { TableName: t, Key: { pk: S('d-fresh') }, UpdateExpression: 'SET secret = if_not_exists(secret, :s), #l = list_append(:l, :l)', ExpressionAttributeNames: { '#l': 'list' }, ...v({ ':s': S('fresh'), ':l': { L: [N('1')] } }) } },
    ]],
  ]

  it.each(cases)('%s: same outcome and same items', async (_name, build) => {
    for (const item of seed) {
      await ddb.send(new Low.PutItemCommand({ TableName: plainTable, Item: item }))
      await rmw.send(new Low.PutItemCommand({ TableName: table, Item: item }))
    }
    for (const pk of ['d-new', 'd-absent', 'd-fresh']) {
      await ddb.send(new Low.DeleteItemCommand({ TableName: plainTable, Key: { pk: S(pk) } }))
      await rmw.send(new Low.DeleteItemCommand({ TableName: table, Key: { pk: S(pk) } }))
    }
    const expected = await outcome(() => ddb.send(new Low.TransactWriteItemsCommand({ TransactItems: build(plainTable) })))
    const actual = await outcome(() => rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: build(table) })))
    expect(actual).toEqual(expected)
    for (const pk of ['d-a', 'd-b', 'd-c', 'd-new', 'd-absent', 'd-fresh']) {
      expect([pk, await read(pk)]).toEqual([pk, await raw(pk, plainTable)])
    }
  })
})
