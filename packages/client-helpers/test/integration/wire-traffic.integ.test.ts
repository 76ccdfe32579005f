// No plaintext of an encrypted attribute leaves the process: every HTTP request the encrypted clients send goes
// through a loopback proxy in front of DynamoDB Local, which records the bytes on the wire (headers and body) before
// forwarding them. Items carry random marker strings, numbers and binaries in ENCRYPT_AND_SIGN attributes (top level,
// nested in maps and lists, in sets) and in ExpressionAttributeValues of conditions, filters and updates on encrypted
// attributes. Every supported operation of EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient and EncryptedTable
// is exercised (read-modify-write, client-side filters, paginators, throttled and unprocessed writes that are retried,
// a write that fails after its retries), and every refusal. After each test, no marker may occur in any recorded
// request (as UTF-8 text, base64 at every alignment, hex, number text), nor in the message or stack of any error
// thrown; each refusal must send no request at all. A control proves the search finds markers an unencrypted client sends.
import { randomBytes } from 'node:crypto'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as Low from '@aws-sdk/client-dynamodb'
import * as Doc from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import type { KMSClient } from '@aws-sdk/client-kms'
import { createDynamoDBClient, createKMSClient, deleteTestTable, dynamoDbEndpoint, kmsEndpoint } from '@ddb-encryption/testing'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable } from '@ddb-encryption/client-helpers'
import { canonical, createDirectKMSProvider, createEventsTable, createMostRecentProvider, createWrappedProvider } from '../support/integration'

type Item = Record<string, Low.AttributeValue>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Native = Record<string, any>

// ---------------------------------------------------------------------------------------------------------------
// The recording proxy

interface Recorded {
  readonly target: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** A loopback HTTP proxy to DynamoDB Local recording every request; it can answer some with throttling errors or unprocessed items. */
class RecordingProxy {
  readonly recorded: Recorded[] = []
  /** Operation -> how many of its next requests are answered with ProvisionedThroughputExceededException. */
  readonly throttle = new Map<string, number>()
  /** How many of the next BatchWriteItem requests are answered with all their requests unprocessed. */
  unprocessBatchWrites = 0
  #server: Server | undefined
  endpoint = ''

  async start(upstream: string): Promise<void> {
    const target = new URL(upstream)
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
        this.recorded.push({ target: op, headers: { ...req.headers }, body })
        const throttled = this.throttle.get(op) ?? 0
        if (throttled > 0) {
          this.throttle.set(op, throttled - 1)
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ProvisionedThroughputExceededException' })
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded.' }))
          return
        }
        if (op === 'BatchWriteItem' && this.unprocessBatchWrites > 0) {
          this.unprocessBatchWrites--
          const parsed = JSON.parse(body.toString('utf8')) as { RequestItems: unknown }
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
          res.end(JSON.stringify({ UnprocessedItems: parsed.RequestItems }))
          return
        }
        const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers)
          up.pipe(res)
        })
        forward.on('error', (e) => { res.writeHead(502); res.end(String(e)) })
        forward.end(body)
      })
    })
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve))
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => { this.#server?.close(() => resolve()); this.#server?.closeAllConnections() })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Markers and the search for them

/** Every form in which each marker must never be seen on the wire. */
const needles = new Map<string, string>()

/** The forms of `bytes` on the wire: hex, and base64 of its whole 3-byte groups at each of the three alignments. */
function binaryForms(bytes: Uint8Array): string[] {
  const forms = [Buffer.from(bytes).toString('hex')]
  for (let offset = 0; offset < 3; offset++) {
    const end = offset + 3 * Math.floor((bytes.length - offset) / 3)
    forms.push(Buffer.from(bytes.subarray(offset, end)).toString('base64'))
  }
  return forms
}

function register(marker: string, forms: string[]): void {
  for (const form of forms) needles.set(form, marker)
}

/** A marker string (also searched as the base64 of its UTF-8 bytes). */
function mS(): string {
  const marker = `mk${randomBytes(10).toString('hex')}`
  register(marker, [marker, ...binaryForms(Buffer.from(marker, 'utf8'))])
  return marker
}

/** A marker number: 15 random digits, no leading or trailing zero (normalized text = the digits; a safe integer). */
function mNum(): number {
  const digits = `${1 + (randomBytes(1)[0] as number) % 8}${[...randomBytes(13)].map((b) => b % 10).join('')}${1 + (randomBytes(1)[0] as number) % 9}`
  register(digits, [digits])
  return Number(digits)
}
const mN = (): string => String(mNum())

/** A marker binary of 18 random bytes. */
function mB(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(18))
  register(Buffer.from(bytes).toString('hex'), binaryForms(bytes))
  return bytes
}

/** The needles found in `text`, with their markers. */
function findNeedles(text: string, among: Map<string, string> = needles): string[] {
  const found: string[] = []
  for (const [needle, marker] of among) if (text.includes(needle)) found.push(`${marker} (as ${needle})`)
  return found
}

function wireText(r: Recorded): string {
  return `${JSON.stringify(r.headers)}\n${r.body.toString('utf8')}\n${r.body.toString('latin1')}`
}

/** Errors thrown by the clients during the test, to be searched for markers. */
const errors: unknown[] = []
async function thrown(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(Error)
  errors.push(error)
  return error as Error
}

// ---------------------------------------------------------------------------------------------------------------
// Setup

// Default ENCRYPT_AND_SIGN; status: SIGN_ONLY; views: DO_NOTHING; owner/created/rank: index keys (signed, plaintext).
const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY, views: CryptoAction.DO_NOTHING } })
const S = (s: string): Low.AttributeValue => ({ S: s })
const N = (n: number | string): Low.AttributeValue => ({ N: String(n) })

let ddb: Low.DynamoDBClient
let proxied: Low.DynamoDBClient
let proxy: RecordingProxy
/** In front of moto's KMS, for the Direct KMS and MostRecent providers. */
let kmsProxy: RecordingProxy
let kms: KMSClient
let table: string
let provider: CryptographicMaterialsProvider
let low: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
let rmw: ReturnType<typeof EncryptedDynamoDBClient.from<Low.DynamoDBClient>>
let doc: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
let rmwDoc: ReturnType<typeof EncryptedDynamoDBDocumentClient.from>
let encryptedTable: EncryptedTable
let checked = 0
let errorsChecked = 0
const operationsSeen = new Map<string, number>()

beforeAll(async () => {
  ddb = createDynamoDBClient()
  table = await createEventsTable(ddb, 'ch-wire')
  proxy = new RecordingProxy()
  await proxy.start(dynamoDbEndpoint())
  kmsProxy = new RecordingProxy()
  await kmsProxy.start(kmsEndpoint())
  kms = createKMSClient({ endpoint: kmsProxy.endpoint })
  proxied = createDynamoDBClient({ endpoint: proxy.endpoint, maxAttempts: 3 })
  provider = createWrappedProvider()
  low = EncryptedDynamoDBClient.from(proxied, { materialsProvider: provider, attributeActions: actions })
  rmw = EncryptedDynamoDBClient.from(proxied, { materialsProvider: provider, attributeActions: actions, readModifyWrite: true, clientSideFilters: true, batchWriteRetry: { maxAttempts: 3, baseDelayMs: 1 } })
  doc = EncryptedDynamoDBDocumentClient.from(proxied, { materialsProvider: provider, attributeActions: actions })
  rmwDoc = EncryptedDynamoDBDocumentClient.from(proxied, { materialsProvider: provider, attributeActions: actions, readModifyWrite: true, clientSideFilters: true })
  encryptedTable = new EncryptedTable({ client: proxied, tableName: table, materialsProvider: provider, attributeActions: actions, batchMaxAttempts: 3, batchBaseDelayMs: 1 })
  await Promise.all([low.tableInfo(table), rmw.tableInfo(table), doc.encryptedClient.tableInfo(table), rmwDoc.encryptedClient.tableInfo(table)])
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, table)
  proxied?.destroy()
  kms?.destroy()
  await kmsProxy?.stop()
  ddb?.destroy()
  await proxy?.stop()
  // The numbers the report quotes.
  process.stdout.write(`wire-traffic: ${checked} requests checked; by operation: ${JSON.stringify(Object.fromEntries(operationsSeen))}; ${needles.size} needles; ${errorsChecked} errors checked\n`)
})

afterEach(() => {
  const leaks: string[] = []
  for (const r of [...proxy.recorded.splice(0), ...kmsProxy.recorded.splice(0)]) {
    checked++
    operationsSeen.set(r.target, (operationsSeen.get(r.target) ?? 0) + 1)
    for (const found of findNeedles(wireText(r))) leaks.push(`${r.target}: ${found}`)
  }
  for (const thrownError of errors.splice(0)) {
    errorsChecked++
    // The error and its causes, however deep.
    for (let e: unknown = thrownError, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
      for (const found of findNeedles(`${String(e.message)}\n${String(e.stack)}`)) leaks.push(`error ${e.name}: ${found}`)
    }
  }
  expect(leaks).toEqual([])
})

/** A low-level item full of markers in encrypted attributes; keys and SIGN_ONLY / DO_NOTHING attributes are plain. */
function markedItem(pk: string, sk: number): Item {
  return {
    pk: S(pk), sk: N(sk), status: S('open'), owner: S('ann'), created: S(`2024-01-${String(sk).padStart(2, '0')}`), rank: N(sk), views: N(sk),
    body: S(mS()), n: N(mN()), b: { B: mB() },
    ss: { SS: [mS(), mS()] }, ns: { NS: [mN(), mN()] }, bs: { BS: [mB(), mB()] },
    l: { L: [S(mS()), N(mN()), { B: mB() }, { M: { x: S(mS()) } }, { SS: [mS()] }] },
    m: { M: { deep: { M: { s: S(mS()), n: N(mN()), b: { B: mB() }, ns: { NS: [mN()] } } }, list: { L: [S(mS()), { BS: [mB()] }] } } },
  }
}

/** A native (document) item full of markers. */
function markedNative(pk: string, sk: number): Native {
  return {
    pk, sk, status: 'open', owner: 'ann', created: `2024-02-${String(sk).padStart(2, '0')}`, rank: sk, views: sk,
    body: mS(), n: mNum(), b: mB(), ss: new Set([mS(), mS()]), ns: new Set([mNum()]), bs: new Set([mB()]),
    l: [mS(), mNum(), mB(), { x: mS() }], m: { deep: { s: mS(), n: mNum(), b: mB() }, list: [mS()] },
  }
}

const key = (item: Item): Item => ({ pk: item['pk'] as Low.AttributeValue, sk: item['sk'] as Low.AttributeValue })
const sent = (): number => proxy.recorded.length

// ---------------------------------------------------------------------------------------------------------------

describe('the search itself', () => {
  it('finds every marker form an unencrypted client sends (then the log is cleared, so it is no leak of ours)', async () => {
    const local = new Map<string, string>()
    const text = `ctl${randomBytes(10).toString('hex')}`
    const bytes = new Uint8Array(randomBytes(18))
    const num = '712345678901239'
    for (const form of [text, ...binaryForms(Buffer.from(text))]) local.set(form, text)
    for (const form of binaryForms(bytes)) local.set(form, 'bytes')
    local.set(num, num)
    await proxied.send(new Low.PutItemCommand({ TableName: table, Item: { pk: S('control'), sk: N(1), a: S(text), b: { B: bytes }, c: N(num), d: { BS: [Buffer.from(text)] } } }))
    const found = proxy.recorded.splice(0).flatMap((r) => findNeedles(wireText(r), local))
    // The string as text and as base64 (member of BS), the binary's base64 and the number's text.
    expect(found.filter((f) => f.startsWith(text)).length).toBeGreaterThanOrEqual(2)
    expect(found.some((f) => f.startsWith('bytes'))).toBe(true)
    expect(found.some((f) => f.startsWith(num))).toBe(true)
    await ddb.send(new Low.DeleteItemCommand({ TableName: table, Key: { pk: S('control'), sk: N(1) } }))
  })
})

describe('EncryptedDynamoDBClient', () => {
  const items = [1, 2, 3, 4, 5].map((sk) => markedItem('low', sk))

  it('PutItem, GetItem (plain and projected), Query (table, GSI, projection, filter on a SIGN_ONLY attribute), Scan, paginators', async () => {
    for (const Item of items) await low.send(new Low.PutItemCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk) AND attribute_not_exists(body)' }))
    const got = await low.send(new Low.GetItemCommand({ TableName: table, Key: key(items[0] as Item), ConsistentRead: true }))
    expect(canonical(got.Item)).toEqual(canonical(items[0]))
    const projected = await low.send(new Low.GetItemCommand({ TableName: table, Key: key(items[1] as Item), ProjectionExpression: 'body, m.deep.s, l[0], #v', ExpressionAttributeNames: { '#v': 'views' } }))
    expect(projected.Item?.['body']).toEqual(items[1]?.['body'])
    const query = await low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p AND sk >= :one', ExpressionAttributeValues: { ':p': S('low'), ':one': N(1) } }))
    expect(canonical(query.Items)).toEqual(canonical(items))
    const gsi = await low.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-status', KeyConditionExpression: '#s = :s', FilterExpression: 'pk = :p AND attribute_exists(body)',
      ProjectionExpression: 'pk, sk, body, ns', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('open'), ':p': S('low') } }))
    expect(gsi.Items?.length).toBe(5)
    const scan = await low.send(new Low.ScanCommand({ TableName: table, FilterExpression: 'pk = :p AND #v > :z', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':p': S('low'), ':z': N(0) } }))
    expect(scan.Items?.length).toBe(5)
    const pages: Item[] = []
    for await (const page of Low.paginateQuery({ client: low, pageSize: 2 }, { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('low') } })) pages.push(...(page.Items ?? []))
    expect(canonical(pages)).toEqual(canonical(items))
    const scanned: Item[] = []
    for await (const page of Low.paginateScan({ client: low, pageSize: 3 }, { TableName: table, ProjectionExpression: 'pk, m', FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('low') } })) scanned.push(...(page.Items ?? []))
    expect(scanned.length).toBe(5)
    expect(canonical(scanned[0]?.['m'])).toEqual(canonical(items[0]?.['m']))
  })

  it('BatchWriteItem, BatchGetItem, TransactWriteItems, TransactGetItems, DO_NOTHING-only UpdateItem, conditional DeleteItem', async () => {
    const batch = [6, 7, 8].map((sk) => markedItem('low', sk))
    const out = await low.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: [...batch.map((Item) => ({ PutRequest: { Item } })), { DeleteRequest: { Key: key(items[4] as Item) } }] } }))
    expect(out.UnprocessedItems ?? {}).toEqual({})
    const got = await low.send(new Low.BatchGetItemCommand({ RequestItems: { [table]: { Keys: batch.map(key), ConsistentRead: true } } }))
    expect(got.Responses?.[table]?.length).toBe(3)
    const tx = [9, 10].map((sk) => markedItem('low', sk))
    await low.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: table, Item: tx[0] as Item, ConditionExpression: 'attribute_not_exists(body)' } },
      { Put: { TableName: table, Item: tx[1] as Item } },
      { ConditionCheck: { TableName: table, Key: key(items[0] as Item), ConditionExpression: '#s = :s AND attribute_exists(m)', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('open') } } },
      { Delete: { TableName: table, Key: key(batch[2] as Item), ConditionExpression: 'attribute_exists(b)' } },
    ] }))
    const tget = await low.send(new Low.TransactGetItemsCommand({ TransactItems: tx.map((i) => ({ Get: { TableName: table, Key: key(i) } })) }))
    expect(canonical(tget.Responses?.map((r) => r.Item))).toEqual(canonical(tx))
    const updated = await low.send(new Low.UpdateItemCommand({ TableName: table, Key: key(items[0] as Item), UpdateExpression: 'ADD #v :one', ConditionExpression: 'attribute_exists(body)',
      ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': N(1) }, ReturnValues: 'ALL_NEW' }))
    expect(updated.Attributes?.['body']).toEqual(items[0]?.['body'])
    const deleted = await low.send(new Low.DeleteItemCommand({ TableName: table, Key: key(items[3] as Item), ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': S('open') }, ReturnValues: 'ALL_OLD' }))
    expect(canonical(deleted.Attributes)).toEqual(canonical(items[3]))
    const failed = await thrown(low.send(new Low.DeleteItemCommand({ TableName: table, Key: key(items[2] as Item), ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': S('closed') }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })))
    expect(failed).toBeInstanceOf(Low.ConditionalCheckFailedException)
    expect(canonical((failed as Low.ConditionalCheckFailedException).Item)).toEqual(canonical(items[2]))
  })

  it('read-modify-write: updates and conditions on encrypted attributes with marker values, succeeding and failing', async () => {
    const item = markedItem('rmw', 1)
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: item }))
    const oldBody = (item['body'] as { S: string }).S
    const newBody = mS()
    const newNested = mS()
    const addNumber = mN()
    const appended = mS()
    const out = await rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item),
      UpdateExpression: 'SET body = :nb, m.deep.s = :nn, l = list_append(l, :app), newattr = :fresh ADD ns :addn, #v :one DELETE ss :goneSet',
      ConditionExpression: 'body = :ob AND contains(ss, :gone) AND m.deep.n = :dn AND b = :b',
      ExpressionAttributeNames: { '#v': 'views' },
      ExpressionAttributeValues: { ':nb': S(newBody), ':nn': S(newNested), ':app': { L: [S(appended), { B: mB() }] }, ':fresh': { M: { k: N(mN()) } }, ':addn': { NS: [addNumber] }, ':one': N(1),
        ':gone': S(((item['ss'] as { SS: string[] }).SS)[0] as string), ':goneSet': { SS: [((item['ss'] as { SS: string[] }).SS)[0] as string] }, ':ob': S(oldBody), ':dn': (((item['m'] as { M: Item }).M['deep'] as { M: Item }).M['n']) as Low.AttributeValue, ':b': item['b'] as Low.AttributeValue },
      ReturnValues: 'ALL_NEW' }))
    expect(out.Attributes?.['body']).toEqual(S(newBody))
    expect(out.Attributes?.['ns']?.NS).toContain(addNumber)
    const failed = await thrown(rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), UpdateExpression: 'SET body = :x', ConditionExpression: 'body = :wrong OR n = :other',
      ExpressionAttributeValues: { ':x': S(mS()), ':wrong': S(mS()), ':other': N(mN()) }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })))
    expect(failed).toBeInstanceOf(Low.ConditionalCheckFailedException)
    const invalid = await thrown(rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), UpdateExpression: 'SET body = :x + :y', ExpressionAttributeValues: { ':x': S(mS()), ':y': N(mN()) } })))
    expect(invalid.name).toBe('ValidationException')
    // Puts and deletes conditioned on encrypted attributes.
    const replacement = markedItem('rmw', 1)
    await thrown(rmw.send(new Low.PutItemCommand({ TableName: table, Item: replacement, ConditionExpression: 'body = :old', ExpressionAttributeValues: { ':old': S(mS()) } })))
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: replacement, ConditionExpression: 'body = :old AND begins_with(m.deep.s, :p)', ExpressionAttributeValues: { ':old': S(newBody), ':p': S(newNested.slice(0, 10)) } }))
    await thrown(rmw.send(new Low.DeleteItemCommand({ TableName: table, Key: key(item), ConditionExpression: 'contains(l, :v)', ExpressionAttributeValues: { ':v': S(mS()) } })))
    const deleted = await rmw.send(new Low.DeleteItemCommand({ TableName: table, Key: key(item), ConditionExpression: 'contains(bs, :v) AND n = :n',
      ExpressionAttributeValues: { ':v': { B: ((replacement['bs'] as { BS: Uint8Array[] }).BS)[1] as Uint8Array }, ':n': replacement['n'] as Low.AttributeValue }, ReturnValues: 'ALL_OLD' }))
    expect(canonical(deleted.Attributes)).toEqual(canonical(replacement))
    // An update that creates the item.
    const created = mS()
    await rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: { pk: S('rmw'), sk: N(2) }, UpdateExpression: 'SET body = :c, m = :m', ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeValues: { ':c': S(created), ':m': { M: { inner: { SS: [mS()] } } } } }))
    expect((await rmw.send(new Low.GetItemCommand({ TableName: table, Key: { pk: S('rmw'), sk: N(2) } }))).Item?.['body']).toEqual(S(created))
  })

  it('client-side filters: Query and Scan filtered on encrypted attributes with marker values, with projections, Limit and paginators', async () => {
    const items = [1, 2, 3, 4].map((sk) => markedItem('csf', sk))
    for (const Item of items) await rmw.send(new Low.PutItemCommand({ TableName: table, Item }))
    const wanted = items[2] as Item
    const q = await rmw.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b OR contains(ss, :absent) OR m.deep.n = :dn',
      ExpressionAttributeValues: { ':p': S('csf'), ':b': wanted['body'] as Low.AttributeValue, ':absent': S(mS()), ':dn': N(mN()) } }))
    expect(canonical(q.Items)).toEqual(canonical([wanted]))
    const projected = await rmw.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'b = :b', ProjectionExpression: 'sk, m.#list',
      ExpressionAttributeNames: { '#list': 'list' }, ExpressionAttributeValues: { ':p': S('csf'), ':b': wanted['b'] as Low.AttributeValue }, Limit: 3 }))
    expect(projected.Items?.map((i) => i['sk'])).toEqual([wanted['sk']])
    const scan = await rmw.send(new Low.ScanCommand({ TableName: table, FilterExpression: 'pk = :p AND (n = :n OR contains(l, :s))',
      ExpressionAttributeValues: { ':p': S('csf'), ':n': wanted['n'] as Low.AttributeValue, ':s': S(mS()) } }))
    expect(canonical(scan.Items)).toEqual(canonical([wanted]))
    const pages: Item[] = []
    for await (const page of Low.paginateQuery({ client: rmw, pageSize: 1 }, { TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'NOT (body IN (:x, :y))',
      ExpressionAttributeValues: { ':p': S('csf'), ':x': items[0]?.['body'] as Low.AttributeValue, ':y': S(mS()) } })) pages.push(...(page.Items ?? []))
    expect(canonical(pages)).toEqual(canonical(items.slice(1)))
    const scanned: Item[] = []
    for await (const page of Low.paginateScan({ client: rmw, pageSize: 2 }, { TableName: table, FilterExpression: 'pk = :p AND size(body) > :z AND bs <> :bs',
      ExpressionAttributeValues: { ':p': S('csf'), ':z': N(0), ':bs': { BS: [mB()] } } })) scanned.push(...(page.Items ?? []))
    expect(scanned.length).toBe(4)
  })
})

describe('EncryptedDynamoDBDocumentClient and EncryptedTable', () => {
  it('PutCommand, GetCommand, QueryCommand, ScanCommand, batches, transactions, UpdateCommand, DeleteCommand, paginators', async () => {
    const items = [1, 2, 3].map((sk) => markedNative('doc', sk))
    for (const Item of items) await doc.send(new Doc.PutCommand({ TableName: table, Item }))
    expect((await doc.send(new Doc.GetCommand({ TableName: table, Key: { pk: 'doc', sk: 1 }, ConsistentRead: true }))).Item).toEqual(items[0])
    expect((await doc.send(new Doc.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'doc' } }))).Items).toEqual(items)
    expect((await doc.send(new Doc.ScanCommand({ TableName: table, FilterExpression: 'pk = :p', ProjectionExpression: 'body, l', ExpressionAttributeValues: { ':p': 'doc' } }))).Items?.length).toBe(3)
    const batch = [4, 5].map((sk) => markedNative('doc', sk))
    await doc.send(new Doc.BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }))
    expect((await doc.send(new Doc.BatchGetCommand({ RequestItems: { [table]: { Keys: [{ pk: 'doc', sk: 4 }, { pk: 'doc', sk: 5 }] } } }))).Responses?.[table]?.length).toBe(2)
    const tx = markedNative('doc', 6)
    await doc.send(new Doc.TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: tx } }, { Delete: { TableName: table, Key: { pk: 'doc', sk: 5 }, ConditionExpression: 'attribute_exists(m)' } }] }))
    expect((await doc.send(new Doc.TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: { pk: 'doc', sk: 6 } } }] }))).Responses?.[0]?.Item).toEqual(tx)
    await doc.send(new Doc.UpdateCommand({ TableName: table, Key: { pk: 'doc', sk: 1 }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':v': 99 } }))
    await doc.send(new Doc.DeleteCommand({ TableName: table, Key: { pk: 'doc', sk: 2 }, ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'open' } }))
    const pages: Native[] = []
    for await (const page of Doc.paginateQuery({ client: doc, pageSize: 1 }, { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'doc' } })) pages.push(...(page.Items ?? []))
    expect(pages.length).toBe(4)
    // Read-modify-write and client-side filters with native marker values.
    const newBody = mS()
    await rmwDoc.send(new Doc.UpdateCommand({ TableName: table, Key: { pk: 'doc', sk: 3 }, UpdateExpression: 'SET body = :b, m.deep.n = :n ADD ns :ns', ConditionExpression: 'body = :old AND contains(ss, :member)',
      ExpressionAttributeValues: { ':b': newBody, ':n': mNum(), ':ns': new Set([mNum()]), ':old': items[2]?.['body'], ':member': [...(items[2]?.['ss'] as Set<string>)][0] } }))
    await thrown(rmwDoc.send(new Doc.UpdateCommand({ TableName: table, Key: { pk: 'doc', sk: 3 }, UpdateExpression: 'SET b = :b', ConditionExpression: 'b = :old', ExpressionAttributeValues: { ':b': mB(), ':old': mB() } })))
    await thrown(rmwDoc.send(new Doc.DeleteCommand({ TableName: table, Key: { pk: 'doc', sk: 3 }, ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':n': mNum() } })))
    const filtered = await rmwDoc.send(new Doc.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': 'doc', ':b': newBody } }))
    expect(filtered.Items?.map((i) => i['sk'])).toEqual([3])
    const scanned: Native[] = []
    for await (const page of Doc.paginateScan({ client: rmwDoc, pageSize: 2 }, { TableName: table, FilterExpression: 'pk = :p AND body <> :b', ExpressionAttributeValues: { ':p': 'doc', ':b': mS() } })) scanned.push(...(page.Items ?? []))
    expect(scanned.length).toBe(4)
  })

  it('EncryptedTable put, get, query, scan, batchWrite, batchGet, delete', async () => {
    const items = [1, 2, 3, 4].map((sk) => markedNative('tbl', sk))
    await encryptedTable.put(items[0] as Native)
    expect(await encryptedTable.get({ pk: 'tbl', sk: 1 }, { consistentRead: true })).toEqual(items[0])
    const written = await encryptedTable.batchWrite({ put: items.slice(1) })
    expect(written).toEqual({ unprocessedPuts: [], unprocessedDeletes: [] })
    expect((await encryptedTable.batchGet([2, 3, 4].map((sk) => ({ pk: 'tbl', sk })))).length).toBe(3)
    expect((await encryptedTable.query({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'tbl' }, ProjectionExpression: 'sk, body, m' })).items.length).toBe(4)
    expect((await encryptedTable.scan({ FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'tbl' }, Limit: 100 })).items.length).toBe(4)
    await encryptedTable.delete({ pk: 'tbl', sk: 4 })
    await encryptedTable.batchWrite({ delete: [{ pk: 'tbl', sk: 3 }] })
    const filtering = new EncryptedTable({ client: proxied, tableName: table, materialsProvider: provider, attributeActions: actions, clientSideFilters: true })
    const page = await filtering.query({ KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': 'tbl', ':b': items[1]?.['body'] } })
    expect(page.items).toEqual([items[1]])
  })
})

describe('TransactWriteItems by read-modify-write', () => {
  it('low-level: updates of encrypted attributes and conditions on them with marker values, in one transaction; cancellations', async () => {
    const [a, b, c] = [1, 2, 3].map((sk) => markedItem('trmw', sk)) as [Item, Item, Item]
    for (const Item of [a, b, c]) await rmw.send(new Low.PutItemCommand({ TableName: table, Item }))
    const d = markedItem('trmw', 4)
    const newBody = mS()
    const newDeep = mS()
    proxy.recorded.length = 0
    await rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: key(a), UpdateExpression: 'SET body = :nb, m.deep.s = :nd, l = list_append(l, :app) ADD ns :n', ConditionExpression: 'body = :ob AND contains(ss, :member)',
        ExpressionAttributeValues: { ':nb': S(newBody), ':nd': S(newDeep), ':app': { L: [{ B: mB() }, N(mN())] }, ':n': { NS: [mN()] }, ':ob': a['body'] as Low.AttributeValue,
          ':member': S(((a['ss'] as { SS: string[] }).SS)[1] as string) } } },
      { ConditionCheck: { TableName: table, Key: key(b), ConditionExpression: 'b = :b AND n = :n', ExpressionAttributeValues: { ':b': b['b'] as Low.AttributeValue, ':n': b['n'] as Low.AttributeValue } } },
      { Delete: { TableName: table, Key: key(c), ConditionExpression: 'contains(bs, :x)', ExpressionAttributeValues: { ':x': { B: ((c['bs'] as { BS: Uint8Array[] }).BS)[0] as Uint8Array } } } },
      { Put: { TableName: table, Item: d, ConditionExpression: 'attribute_not_exists(body) OR body <> :x', ExpressionAttributeValues: { ':x': S(mS()) } } },
    ] }))
    expect(proxy.recorded.map((r) => r.target)).toEqual(['GetItem', 'GetItem', 'GetItem', 'GetItem', 'TransactWriteItems'])
    const read = await rmw.send(new Low.GetItemCommand({ TableName: table, Key: key(a), ConsistentRead: true }))
    expect(read.Item?.['body']).toEqual(S(newBody))
    // Cancelled on the client (a condition on an encrypted attribute fails) and with one failing on DynamoDB as well.
    const cancelled = await thrown(rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: key(a), UpdateExpression: 'SET body = :x', ConditionExpression: 'body = :wrong', ExpressionAttributeValues: { ':x': S(mS()), ':wrong': S(mS()) } } },
      { ConditionCheck: { TableName: table, Key: key(b), ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('closed') } } },
      { Put: { TableName: table, Item: markedItem('trmw', 5) } },
    ] })))
    expect(cancelled.name).toBe('TransactionCanceledException')
    const invalid = await thrown(rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: key(b), UpdateExpression: 'SET n = n + :s', ExpressionAttributeValues: { ':s': S(mS()) } } },
    ] })))
    expect(invalid.name).toBe('ValidationException')
    // Throttled once, then retried by the SDK: the same ciphertext goes out again.
    proxy.throttle.set('TransactWriteItems', 1)
    await rmw.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: table, Key: key(b), UpdateExpression: 'SET body = :x', ConditionExpression: 'body = :o', ExpressionAttributeValues: { ':x': S(mS()), ':o': b['body'] as Low.AttributeValue } } },
    ] }))
    const sentTx = proxy.recorded.filter((r) => r.target === 'TransactWriteItems')
    expect(sentTx.at(-1)?.body.equals(sentTx.at(-2)?.body as Buffer)).toBe(true)
  })

  it('document client and EncryptedTable: transactWrite, update, conditional put / delete, transactGet with readModifyWrite', async () => {
    const items = [1, 2, 3].map((sk) => markedNative('trmw-doc', sk))
    for (const Item of items) await rmwDoc.send(new Doc.PutCommand({ TableName: table, Item }))
    await rmwDoc.send(new Doc.TransactWriteCommand({ TransactItems: [
      { Update: { TableName: table, Key: { pk: 'trmw-doc', sk: 1 }, UpdateExpression: 'SET body = :b, bs = :bs', ConditionExpression: 'body = :old AND m.deep.n = :n',
        ExpressionAttributeValues: { ':b': mS(), ':bs': new Set([mB()]), ':old': items[0]?.['body'], ':n': items[0]?.['m'].deep.n } } },
      { ConditionCheck: { TableName: table, Key: { pk: 'trmw-doc', sk: 2 }, ConditionExpression: 'contains(l, :s)', ExpressionAttributeValues: { ':s': items[1]?.['l'][0] } } },
    ] }))
    await thrown(rmwDoc.send(new Doc.TransactWriteCommand({ TransactItems: [
      { Delete: { TableName: table, Key: { pk: 'trmw-doc', sk: 3 }, ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':n': mNum() } } },
    ] })))
    const tbl = new EncryptedTable({ client: proxied, tableName: table, materialsProvider: provider, attributeActions: actions, readModifyWrite: true })
    const updated = await tbl.update({ pk: 'trmw-doc', sk: 2 }, { UpdateExpression: 'SET m.deep.s = :s REMOVE b', ConditionExpression: 'b = :b', ExpressionAttributeValues: { ':s': mS(), ':b': items[1]?.['b'] }, ReturnValues: 'ALL_NEW' })
    expect(updated?.['b']).toBeUndefined()
    await thrown(tbl.update({ pk: 'trmw-doc', sk: 2 }, { UpdateExpression: 'SET body = :s', ConditionExpression: 'body = :o', ExpressionAttributeValues: { ':s': mS(), ':o': mS() } }))
    const replacement = markedNative('trmw-doc', 3)
    await tbl.put(replacement, { ConditionExpression: 'body = :o', ExpressionAttributeValues: { ':o': items[2]?.['body'] } })
    await thrown(tbl.put(markedNative('trmw-doc', 3), { ConditionExpression: 'body = :o', ExpressionAttributeValues: { ':o': mS() } }))
    await tbl.transactWrite([
      { Update: { Key: { pk: 'trmw-doc', sk: 3 }, UpdateExpression: 'SET n = n + :one, ss = :ss', ConditionExpression: 'begins_with(body, :p)', ExpressionAttributeValues: { ':one': 1, ':ss': new Set([mS()]), ':p': replacement['body'].slice(0, 12) } } },
      { Put: { Item: markedNative('trmw-doc', 4), ConditionExpression: 'attribute_not_exists(pk)' } },
    ])
    expect((await tbl.transactGet([{ pk: 'trmw-doc', sk: 3 }, { pk: 'trmw-doc', sk: 4 }])).every((i) => i !== undefined)).toBe(true)
    const old = await tbl.delete({ pk: 'trmw-doc', sk: 4 }, { ConditionExpression: 'size(l) > :z AND b <> :b', ExpressionAttributeValues: { ':z': 0, ':b': mB() }, ReturnValues: 'ALL_OLD' })
    expect(old?.['pk']).toBe('trmw-doc')
  })
})

describe('with readModifyWrite and clientSideFilters on: legacy parameters and values shared with plain attributes', () => {
  // Each is either done without marker on the wire or refused before anything is sent (the afterEach check decides).
  it.each<[string, (item: Item) => Promise<unknown>]>([
    ['Query legacy QueryFilter on an encrypted attribute', (item) => rmw.send(new Low.QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [item['pk'] as Low.AttributeValue] } },
      QueryFilter: { body: { ComparisonOperator: 'EQ', AttributeValueList: [item['body'] as Low.AttributeValue] } } }))],
    ['Scan legacy ScanFilter on an encrypted attribute', (item) => rmw.send(new Low.ScanCommand({ TableName: table, ScanFilter: { n: { ComparisonOperator: 'EQ', AttributeValueList: [item['n'] as Low.AttributeValue] } } }))],
    ['PutItem legacy Expected on an encrypted attribute', (item) => rmw.send(new Low.PutItemCommand({ TableName: table, Item: markedItem('legacy', 1), Expected: { body: { Value: item['body'] as Low.AttributeValue } } }))],
    ['DeleteItem legacy Expected on an encrypted attribute', (item) => rmw.send(new Low.DeleteItemCommand({ TableName: table, Key: key(item), Expected: { b: { ComparisonOperator: 'EQ', AttributeValueList: [item['b'] as Low.AttributeValue] } } }))],
    ['UpdateItem legacy AttributeUpdates of an encrypted attribute', (item) => rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), AttributeUpdates: { body: { Action: 'PUT', Value: S(mS()) } } }))],
    ['Query filter sharing one value between a DO_NOTHING and an encrypted attribute', (item) => rmw.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: '#v = :m OR body = :m',
      ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':p': item['pk'] as Low.AttributeValue, ':m': item['body'] as Low.AttributeValue } }))],
    ['Scan filter with an encrypted and a SIGN_ONLY condition, Select COUNT', (item) => rmw.send(new Low.ScanCommand({ TableName: table, Select: 'COUNT', FilterExpression: '#s = :s AND contains(ss, :m)',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('open'), ':m': S(((item['ss'] as { SS: string[] }).SS)[0] as string) } }))],
    ['Query of the GSI filtered on a nested encrypted value', (item) => rmw.send(new Low.QueryCommand({ TableName: table, IndexName: 'by-status', KeyConditionExpression: '#s = :s', FilterExpression: 'm.deep.b = :b',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('open'), ':b': ((item['m'] as { M: Item }).M['deep'] as { M: Item }).M['b'] as Low.AttributeValue } }))],
    ['DO_NOTHING-only update conditioned on an encrypted attribute', (item) => rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), UpdateExpression: 'ADD #v :one', ConditionExpression: 'ns = :ns',
      ExpressionAttributeNames: { '#v': 'views' }, ExpressionAttributeValues: { ':one': N(1), ':ns': item['ns'] as Low.AttributeValue } }))],
  ])('%s', async (_name, send) => {
    const item = markedItem('legacy', 2)
    await rmw.send(new Low.PutItemCommand({ TableName: table, Item: item }))
    await send(item).catch((e: unknown) => { errors.push(e) })
  })
})

describe('with KMS-based providers (their KMS and MetaStore requests recorded too)', () => {
  it.each(['direct-kms', 'most-recent'] as const)('%s: put, get, query, read-modify-write update, client-side filter', async (name) => {
    let materialsProvider: CryptographicMaterialsProvider
    let metaTable: string | undefined
    if (name === 'direct-kms') materialsProvider = await createDirectKMSProvider(kms)
    else ({ provider: materialsProvider, metaTable } = await createMostRecentProvider(proxied, kms))
    try {
      const client = EncryptedDynamoDBClient.from(proxied, { materialsProvider, attributeActions: actions, readModifyWrite: true, clientSideFilters: true })
      const items = [1, 2].map((sk) => markedItem(name, sk))
      for (const Item of items) await client.send(new Low.PutItemCommand({ TableName: table, Item }))
      expect(canonical((await client.send(new Low.GetItemCommand({ TableName: table, Key: key(items[0] as Item), ConsistentRead: true }))).Item)).toEqual(canonical(items[0]))
      await client.send(new Low.UpdateItemCommand({ TableName: table, Key: key(items[1] as Item), UpdateExpression: 'SET body = :b', ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':b': S(mS()), ':n': items[1]?.['n'] as Low.AttributeValue } }))
      const q = await client.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': S(name), ':b': items[0]?.['body'] as Low.AttributeValue } }))
      expect(q.Items?.length).toBe(1)
      expect(kmsProxy.recorded.length).toBeGreaterThan(0)
    } finally {
      if (metaTable !== undefined) await deleteTestTable(ddb, metaTable)
    }
  })
})

describe('retries and failures', () => {
  it('a throttled PutItem and TransactWriteItems are retried by the SDK with the same ciphertext; a write throttled past its retries fails', async () => {
    const item = markedItem('retry', 1)
    proxy.throttle.set('PutItem', 2)
    await low.send(new Low.PutItemCommand({ TableName: table, Item: item }))
    const puts = proxy.recorded.filter((r) => r.target === 'PutItem')
    expect(puts.length).toBe(3)
    expect(puts[2]?.body.equals(puts[0]?.body as Buffer)).toBe(true)
    expect((await ddb.send(new Low.GetItemCommand({ TableName: table, Key: key(item), ConsistentRead: true }))).Item?.['body']).toHaveProperty('B')
    proxy.throttle.set('TransactWriteItems', 1)
    await low.send(new Low.TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: markedItem('retry', 2) } }] }))
    const lost = markedItem('retry', 3)
    proxy.throttle.set('PutItem', 3)
    const error = await thrown(low.send(new Low.PutItemCommand({ TableName: table, Item: lost })))
    expect(error.name).toBe('ProvisionedThroughputExceededException')
    expect((await ddb.send(new Low.GetItemCommand({ TableName: table, Key: key(lost), ConsistentRead: true }))).Item).toBeUndefined()
    // A read-modify-write whose final write (an UpdateItem replacing the item) is throttled past its retries.
    proxy.throttle.set('UpdateItem', 3)
    await thrown(rmw.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), UpdateExpression: 'SET body = :b', ExpressionAttributeValues: { ':b': S(mS()) } })))
    proxy.throttle.clear()
  })

  it('reads of tampered items and reads with the wrong keys fail with errors that carry no marker', async () => {
    const item = markedItem('tampered', 1)
    await low.send(new Low.PutItemCommand({ TableName: table, Item: item }))
    await ddb.send(new Low.UpdateItemCommand({ TableName: table, Key: key(item), UpdateExpression: 'SET #s = :x', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':x': S('forged') } }))
    expect((await thrown(low.send(new Low.GetItemCommand({ TableName: table, Key: key(item), ConsistentRead: true })))).name).toBe('ItemDecryptionError')
    const other = EncryptedDynamoDBClient.from(proxied, { materialsProvider: createWrappedProvider(), attributeActions: actions })
    const good = markedItem('tampered', 2)
    await low.send(new Low.PutItemCommand({ TableName: table, Item: good }))
    await thrown(other.send(new Low.GetItemCommand({ TableName: table, Key: key(good), ConsistentRead: true })))
    const reporting = EncryptedDynamoDBClient.from(proxied, { materialsProvider: provider, attributeActions: actions, onDecryptFailure: 'report' })
    const page = await reporting.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('tampered') } }))
    expect(page.Items?.length).toBe(1)
    const failed = (page as { FailedItems?: { error: unknown }[] }).FailedItems ?? []
    expect(failed.length).toBe(1)
    errors.push(...failed.map((f) => f.error))
  })

  it('unprocessed BatchWriteItem entries are retried (batchWriteRetry, EncryptedTable) or returned', async () => {
    proxy.unprocessBatchWrites = 1
    const items = [1, 2].map((sk) => markedItem('unprocessed', sk))
    const out = await rmw.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }))
    expect(out.UnprocessedItems ?? {}).toEqual({})
    expect(proxy.recorded.filter((r) => r.target === 'BatchWriteItem').length).toBe(2)
    proxy.unprocessBatchWrites = 1
    const native = [markedNative('unprocessed', 3)]
    expect(await encryptedTable.batchWrite({ put: native })).toEqual({ unprocessedPuts: [], unprocessedDeletes: [] })
    // Without retries, the unprocessed items come back to the caller decrypted, as they were passed in.
    proxy.unprocessBatchWrites = 1
    const returned = await low.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: markedItem('unprocessed', 4) } }] } }))
    expect(returned.UnprocessedItems?.[table]?.length).toBe(1)
  })
})

describe('refusals send nothing and name no marker', () => {
  const item = (): Item => markedItem('refused', 1)
  const dkey = { pk: 'refused', sk: 1 }
  it.each<[string, () => Promise<unknown>]>([
    ['UpdateItem SET of an encrypted attribute', () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: { pk: S('refused'), sk: N(1) }, UpdateExpression: 'SET body = :v', ExpressionAttributeValues: { ':v': S(mS()) } }))],
    ['UpdateItem of a DO_NOTHING attribute with a condition on an encrypted one', () => low.send(new Low.UpdateItemCommand({ TableName: table, Key: { pk: S('refused'), sk: N(1) }, UpdateExpression: 'SET views = :v', ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':v': N(1), ':n': N(mN()) } }))],
    ['PutItem conditioned on an encrypted attribute', () => low.send(new Low.PutItemCommand({ TableName: table, Item: item(), ConditionExpression: 'b = :b', ExpressionAttributeValues: { ':b': { B: mB() } } }))],
    ['PutItem legacy Expected on an encrypted attribute', () => low.send(new Low.PutItemCommand({ TableName: table, Item: item(), Expected: { body: { Value: S(mS()) } } }))],
    ['DeleteItem conditioned on an encrypted attribute', () => low.send(new Low.DeleteItemCommand({ TableName: table, Key: { pk: S('refused'), sk: N(1) }, ConditionExpression: 'contains(ss, :s)', ExpressionAttributeValues: { ':s': S(mS()) } }))],
    ['Query filtered on an encrypted attribute', () => low.send(new Low.QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', FilterExpression: 'm.deep.s = :s', ExpressionAttributeValues: { ':p': S('refused'), ':s': S(mS()) } }))],
    ['Scan legacy ScanFilter on an encrypted attribute', () => low.send(new Low.ScanCommand({ TableName: table, ScanFilter: { body: { ComparisonOperator: 'EQ', AttributeValueList: [S(mS())] } } }))],
    ['TransactWriteItems with a marked Put and a ConditionCheck on an encrypted attribute', () => low.send(new Low.TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: table, Item: item() } }, { ConditionCheck: { TableName: table, Key: { pk: S('refused'), sk: N(2) }, ConditionExpression: 'body = :b', ExpressionAttributeValues: { ':b': S(mS()) } } }] }))],
    ['BatchWriteItem with a marked Put and a bad delete key', () => low.send(new Low.BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: item() } }, { DeleteRequest: { Key: { pk: S('refused'), sk: N(1), body: S(mS()) } } }] } }))],
    ['GetItem with a key carrying an encrypted attribute', () => low.send(new Low.GetItemCommand({ TableName: table, Key: { pk: S('refused'), sk: N(1), body: S(mS()) } }))],
    ['ExecuteStatement with a marker parameter', () => low.send(new Low.ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE body = ?`, Parameters: [S(mS())] }))],
    ['PutItem over 400 KB once encrypted', () => low.send(new Low.PutItemCommand({ TableName: table, Item: { ...item(), pad: S(`${mS()}${'x'.repeat(409_400)}`) } }))],
    ['UpdateCommand of an encrypted attribute (document client)', () => doc.send(new Doc.UpdateCommand({ TableName: table, Key: dkey, UpdateExpression: 'SET m.deep = :v', ExpressionAttributeValues: { ':v': { s: mS() } } }))],
    ['ScanCommand filtered on an encrypted attribute (document client)', () => doc.send(new Doc.ScanCommand({ TableName: table, FilterExpression: 'n = :n', ExpressionAttributeValues: { ':n': mNum() } }))],
    ['PutCommand conditioned on an encrypted attribute (document client)', () => doc.send(new Doc.PutCommand({ TableName: table, Item: markedNative('refused', 1), ConditionExpression: 'b = :b', ExpressionAttributeValues: { ':b': mB() } }))],
    ['EncryptedTable.query filtered on an encrypted attribute', () => encryptedTable.query({ KeyConditionExpression: 'pk = :p', FilterExpression: 'body = :b', ExpressionAttributeValues: { ':p': 'refused', ':b': mS() } })],
    ['EncryptedTable.get with a key carrying an encrypted attribute', () => encryptedTable.get({ ...dkey, body: mS() })],
  ])('%s', async (_name, send) => {
    const before = sent()
    await thrown(send())
    expect(sent()).toBe(before)
  })
})
