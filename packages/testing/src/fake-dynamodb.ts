import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { FAKE_CREDENTIALS } from './fake-credentials'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

/** One request the fake received: operation, HTTP headers and parsed JSON body (wire format: B values are base64). */
export interface WireRequest {
  /** The DynamoDB operation, e.g. `PutItem`. */
  readonly op: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Json
}

/** Options of {@link FakeDynamoDB}. */
export interface FakeDynamoDBOptions {
  /** SDK attempts per call. Default 1 (no SDK retry). */
  maxAttempts?: number
  /** Answers every request whose result is not `undefined`, before any queued answer or the in-memory table. */
  respond?: (request: WireRequest) => Json | undefined
}

/** What the fake answers instead of its default: a JSON body, a service error, or a thrown (network) error. */
export type WireAnswer = { body: Json } | { error: string; status?: number; fields?: Json } | { throw: Error } | ((input: Json) => Json)

/**
 * A real `DynamoDBClient` (full SDK middleware stack, one attempt) over an in-memory DynamoDB that works on the wire
 * JSON: it stores items exactly as sent and records every request with its headers. No network. Of the expressions
 * it evaluates only a PutItem `ConditionExpression` made of `attribute_not_exists(...)` terms joined by AND, and a
 * Query `KeyConditionExpression` `<partition key> = :value` (Query returns the items in sort-key order,
 * `ScanIndexForward: false` reversed, cut at `Limit`); other conditions, filters and projections are not evaluated
 * (DynamoDB Local checks real semantics in the integration tests). CreateTable adds a table with the given key
 * schema. `answers` may replace the next responses of an operation; `respond` may answer every request.
 */
export class FakeDynamoDB {
  readonly requests: WireRequest[] = []
  readonly tables = new Map<string, Map<string, Json>>()
  readonly answers: Partial<Record<string, WireAnswer[]>> = {}
  readonly client: DynamoDBClient

  constructor(readonly schemas: Record<string, { pk: string; sk?: string; table?: Json }> = {}, options: FakeDynamoDBOptions = {}) {
    for (const name of Object.keys(schemas)) this.tables.set(name, new Map())
    this.client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { ...FAKE_CREDENTIALS },
      maxAttempts: options.maxAttempts ?? 1,
      requestHandler: {
        handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
          const op = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
          const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array)
          const body = JSON.parse(text || '{}') as Json
          const received: WireRequest = { op, headers: { ...request.headers }, body }
          this.requests.push(received)
          const responded = options.respond?.(received)
          const answer = responded !== undefined ? { body: responded } : this.answers[op]?.shift()
          if (answer !== undefined && typeof answer !== 'function' && 'throw' in answer) throw answer.throw
          const result = answer === undefined ? this.#respond(op, body) : undefined
          const [status, json] = result instanceof ServiceError ? [400, errorBody(result.type, result.message)]
            : answer === undefined ? [200, result as Json]
            : typeof answer === 'function' ? [200, answer(body)]
            : 'error' in answer ? [answer.status ?? 400, { ...errorBody(answer.error, 'injected'), ...answer.fields }]
            : [200, answer.body]
          return {
            response: {
              statusCode: status,
              headers: { 'content-type': 'application/x-amz-json-1.0' },
              body: new TextEncoder().encode(JSON.stringify(json)),
            },
          }
        },
      } as unknown as DynamoDBClient['config']['requestHandler'],
    })
  }

  /** How many requests of `op` were received. */
  count(op: string): number {
    return this.requests.filter((r) => r.op === op).length
  }

  /** Stores an SDK item (Uint8Array B values) in `table` as the wire JSON a PutItem would, without a request. */
  putItem(table: string, item: Record<string, AttributeValue>): void {
    const wire = toWire({ M: item }).M as Json
    this.#t(table).set(this.#key(table, wire), wire)
  }

  /** The stored item of `key` in `table`, as an SDK item (a copy: changing it changes nothing stored). */
  getItem(table: string, key: Record<string, AttributeValue>): Record<string, AttributeValue> | undefined {
    const wire = this.#t(table).get(this.#key(table, toWire({ M: key }).M as Json))
    return wire === undefined ? undefined : (fromWire({ M: wire }) as { M: Record<string, AttributeValue> }).M
  }

  /** Operations received, in order. */
  get ops(): string[] {
    return this.requests.map((r) => r.op)
  }

  /** Every request received, as `{ op, input }` with the wire JSON input. */
  get sent(): { op: string; input: Json }[] {
    return this.requests.map((r) => ({ op: r.op, input: r.body }))
  }

  /** Shorthand for {@link answers}: replaces the next responses of `op` by `fn(input)`. */
  get overrides(): Partial<Record<string, WireAnswer[]>> {
    return this.answers
  }

  /** The map key of `item`'s primary key in {@link tables}. */
  key(table: string, item: Json): string {
    return this.#key(table, item)
  }

  #key(table: string, item: Json): string {
    const s = this.schemas[table]
    if (s === undefined) throw new Error(`unknown table ${table}`)
    return JSON.stringify([item[s.pk], s.sk !== undefined ? item[s.sk] : null])
  }

  #t(name: string): Map<string, Json> {
    const table = this.tables.get(name)
    if (table === undefined) throw new Error(`unknown table ${name}`)
    return table
  }

  /** Query: the items of one partition (`<partition key> = :value`), in sort-key order. */
  #query(input: Json): Json[] {
    const s = this.schemas[input['TableName']]
    let items = [...this.#t(input['TableName']).values()]
    const keyCondition = /^\s*(#?[\w]+)\s*=\s*(:[\w]+)\s*$/.exec(input['KeyConditionExpression'] ?? '')
    if (s !== undefined && keyCondition !== null) {
      const name = input['ExpressionAttributeNames']?.[keyCondition[1] as string] ?? keyCondition[1]
      const value = JSON.stringify(input['ExpressionAttributeValues']?.[keyCondition[2] as string])
      if (name === s.pk) items = items.filter((item) => JSON.stringify(item[s.pk]) === value)
    }
    if (s?.sk !== undefined) {
      const sk = s.sk
      const order = (item: Json): number | string => (item[sk]?.N !== undefined ? Number(item[sk].N) : String(item[sk]?.S ?? item[sk]?.B ?? ''))
      items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
    }
    if (input['ScanIndexForward'] === false) items.reverse()
    return input['Limit'] === undefined ? items : items.slice(0, input['Limit'])
  }

  /** PutItem's condition when it is `attribute_not_exists(a) AND ...`: whether the stored item `old` fails it. */
  #conditionFails(input: Json, old: Json | undefined): boolean {
    const condition = input['ConditionExpression']
    if (typeof condition !== 'string' || old === undefined) return false
    const terms = condition.split(/\s+AND\s+/i).map((term) => /^\s*attribute_not_exists\(\s*(#?[\w]+)\s*\)\s*$/.exec(term))
    if (terms.some((term) => term === null)) return false
    return terms.some((term) => (input['ExpressionAttributeNames']?.[term![1] as string] ?? term![1]) in old)
  }

  #respond(op: string, input: Json): Json | ServiceError {
    switch (op) {
      case 'CreateTable': {
        if (this.tables.has(input['TableName'])) return new ServiceError('ResourceInUseException', `Table already exists: ${input['TableName']}`)
        const keyName = (type: string): string | undefined => (input['KeySchema'] as Json[]).find((k) => k['KeyType'] === type)?.['AttributeName']
        const sk = keyName('RANGE')
        const table = { TableName: input['TableName'], KeySchema: input['KeySchema'], AttributeDefinitions: input['AttributeDefinitions'], TableStatus: 'ACTIVE' }
        this.schemas[input['TableName']] = { pk: keyName('HASH') as string, ...(sk === undefined ? {} : { sk }), table }
        this.tables.set(input['TableName'], new Map())
        return { TableDescription: { ...table, TableStatus: 'CREATING' } }
      }
      case 'DescribeTable': {
        const s = this.schemas[input['TableName']]
        if (s === undefined) return {}
        return {
          Table: s.table ?? {
            TableName: input['TableName'],
            KeySchema: [{ AttributeName: s.pk, KeyType: 'HASH' }, ...(s.sk ? [{ AttributeName: s.sk, KeyType: 'RANGE' }] : [])],
            AttributeDefinitions: [{ AttributeName: s.pk, AttributeType: 'S' }, ...(s.sk ? [{ AttributeName: s.sk, AttributeType: 'N' }] : [])],
            TableStatus: 'ACTIVE',
          },
        }
      }
      case 'PutItem': {
        const old = this.#t(input['TableName']).get(this.#key(input['TableName'], input['Item']))
        if (this.#conditionFails(input, old)) return new ServiceError('ConditionalCheckFailedException', 'The conditional request failed')
        this.#t(input['TableName']).set(this.#key(input['TableName'], input['Item']), input['Item'])
        return input['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {}
      }
      case 'GetItem': {
        const item = this.#t(input['TableName']).get(this.#key(input['TableName'], input['Key']))
        return item ? { Item: item } : {}
      }
      case 'DeleteItem': {
        const k = this.#key(input['TableName'], input['Key'])
        const old = this.#t(input['TableName']).get(k)
        this.#t(input['TableName']).delete(k)
        return input['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {}
      }
      case 'UpdateItem': {
        const item = this.#t(input['TableName']).get(this.#key(input['TableName'], input['Key']))
        return input['ReturnValues'] === 'ALL_NEW' && item ? { Attributes: item } : {}
      }
      case 'Query':
      case 'Scan': {
        const items = op === 'Query' ? this.#query(input) : [...this.#t(input['TableName']).values()]
        if (input['Select'] === 'COUNT') return { Count: items.length, ScannedCount: items.length }
        return { Items: items, Count: items.length, ScannedCount: items.length }
      }
      case 'BatchWriteItem': {
        for (const [name, reqs] of Object.entries(input['RequestItems'] as Record<string, Json[]>)) {
          for (const r of reqs) {
            if (r['PutRequest']) this.#t(name).set(this.#key(name, r['PutRequest']['Item']), r['PutRequest']['Item'])
            else this.#t(name).delete(this.#key(name, r['DeleteRequest']['Key']))
          }
        }
        return { UnprocessedItems: {} }
      }
      case 'BatchGetItem': {
        const responses: Json = {}
        for (const [name, req] of Object.entries(input['RequestItems'] as Record<string, Json>)) {
          responses[name] = (req['Keys'] as Json[]).map((k) => this.#t(name).get(this.#key(name, k))).filter(Boolean)
        }
        return { Responses: responses, UnprocessedKeys: {} }
      }
      case 'TransactWriteItems': {
        for (const e of input['TransactItems'] as Json[]) {
          if (e['Put']) this.#t(e['Put']['TableName']).set(this.#key(e['Put']['TableName'], e['Put']['Item']), e['Put']['Item'])
        }
        return {}
      }
      case 'TransactGetItems':
        return {
          Responses: (input['TransactItems'] as Json[]).map((e) => {
            const item = this.#t(e['Get']['TableName']).get(this.#key(e['Get']['TableName'], e['Get']['Key']))
            return item ? { Item: item } : {}
          }),
        }
      default:
        return {}
    }
  }
}

/** Both user-agent headers of a recorded request, joined (the SDK puts product entries in at least one). */
export function userAgentOf(request: WireRequest | undefined): string {
  return `${request?.headers['user-agent'] ?? ''} ${request?.headers['x-amz-user-agent'] ?? ''}`
}

/** Shorthand for a low-level S value. */
export const S = (s: string): { S: string } => ({ S: s })
/** Shorthand for a low-level N value. */
export const N = (n: string): { N: string } => ({ N: n })

/** A service error the in-memory table answers (status 400). */
class ServiceError {
  constructor(readonly type: string, readonly message: string) {}
}

function errorBody(type: string, message: string): Json {
  return { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }
}

/** An SDK attribute value as DynamoDB's wire JSON (B and BS base64). */
function toWire(value: AttributeValue): Json {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') }
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) }
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toWire(v)])) }
  if (value.L !== undefined) return { L: value.L.map(toWire) }
  return { ...value }
}

/** Wire JSON as an SDK attribute value. */
function fromWire(value: Json): AttributeValue {
  if (value['B'] !== undefined) return { B: new Uint8Array(Buffer.from(value['B'], 'base64')) }
  if (value['BS'] !== undefined) return { BS: (value['BS'] as string[]).map((b) => new Uint8Array(Buffer.from(b, 'base64'))) }
  if (value['M'] !== undefined) return { M: Object.fromEntries(Object.entries(value['M'] as Json).map(([k, v]) => [k, fromWire(v)])) }
  if (value['L'] !== undefined) return { L: (value['L'] as Json[]).map(fromWire) }
  return { ...value } as AttributeValue
}
