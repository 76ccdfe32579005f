import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { LocalDelegatedKey, normalizeNumber, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import { createDynamoDBClient, createKmsKey, createTestTable, deepFreeze, deleteTestTable, type TestIndexProjection } from '@ddb-encryption/testing'

/** A named real provider plus what must be cleaned up after it. */
export interface RealProvider {
  readonly name: 'wrapped' | 'direct-kms' | 'most-recent'
  readonly provider: CryptographicMaterialsProvider
}

/** WrappedMaterialsProvider with a fresh AES-256 wrapping key and HmacSHA256 signing key (LocalDelegatedKey). */
export function createWrappedProvider(): CryptographicMaterialsProvider {
  const aes = LocalDelegatedKey.generate('AES', 256)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  return new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: hmac })
}

/** DirectKMSMaterialsProvider on a new key of moto's KMS. */
export async function createDirectKMSProvider(kms: KMSClient): Promise<CryptographicMaterialsProvider> {
  const { keyId } = await createKmsKey(kms)
  return new DirectKMSMaterialsProvider({ keyId, kmsClient: kms })
}

/**
 * MostRecentProvider over a new MetaStore table whose rows are protected by Direct KMS.
 * @returns the provider and the MetaStore table name (delete it afterwards).
 */
export async function createMostRecentProvider(ddb: DynamoDBClient, kms: KMSClient): Promise<{ provider: CryptographicMaterialsProvider; metaTable: string }> {
  const metaTable = `ch-meta-${globalThis.crypto.randomUUID().slice(0, 8)}`
  await MetaStore.createTable({ client: ddb, tableName: metaTable, billingMode: 'PAY_PER_REQUEST', waitTimeoutMs: 60_000 })
  const store = new MetaStore({ client: ddb, tableName: metaTable, materialsProvider: await createDirectKMSProvider(kms) })
  return { provider: new MostRecentProvider({ store, materialName: 'client-helpers', ttlMs: 60_000 }), metaTable }
}

/** The three real providers; `cleanup` deletes the MetaStore table. */
export async function createRealProviders(ddb: DynamoDBClient, kms: KMSClient): Promise<{ providers: RealProvider[]; cleanup: () => Promise<void> }> {
  const [kmsProvider, mostRecent] = await Promise.all([createDirectKMSProvider(kms), createMostRecentProvider(ddb, kms)])
  return {
    providers: [
      { name: 'wrapped', provider: createWrappedProvider() },
      { name: 'direct-kms', provider: kmsProvider },
      { name: 'most-recent', provider: mostRecent.provider },
    ],
    cleanup: () => deleteTestTable(ddb, mostRecent.metaTable),
  }
}

/** Operation names (`PutItem`, ...) the spied client received. */
export interface SpiedClient {
  readonly client: DynamoDBClient
  readonly sent: string[]
  /** Every command input sent, in order. */
  readonly inputs: { op: string; input: Record<string, unknown> }[]
}

/**
 * A new client for this run's DynamoDB Local with a recording middleware on its stack (finalizeRequest step, after
 * every middleware of ours): what it records is what went out. Encrypted clients built from it copy the recorder.
 */
export function spyClient(_ddb?: DynamoDBClient): SpiedClient {
  const sent: string[] = []
  const inputs: { op: string; input: Record<string, unknown> }[] = []
  const client = createDynamoDBClient()
  client.middlewareStack.add((next, context) => async (args) => {
    const op = String(context.commandName ?? '').replace(/Command$/, '')
    sent.push(op)
    inputs.push({ op, input: args.input as Record<string, unknown> })
    return next(args)
  }, { step: 'finalizeRequest', priority: 'low', name: 'testRecorder' })
  return { client, sent, inputs }
}

/**
 * The table used by the operation tests: pk (S) + sk (N), a GSI on status (ALL), a keys-only GSI on owner, an LSI on
 * created (ALL) and an LSI on rank projecting `rankProjection` (default: body).
 */
export async function createEventsTable(ddb: DynamoDBClient, namePrefix: string, rankProjection: TestIndexProjection = { include: ['body'] }): Promise<string> {
  return createTestTable(ddb, {
    namePrefix,
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'N' },
    globalSecondaryIndexes: [
      { indexName: 'by-status', partitionKey: { name: 'status', type: 'S' }, sortKey: { name: 'sk', type: 'N' } },
      { indexName: 'by-owner', partitionKey: { name: 'owner', type: 'S' }, projection: 'KEYS_ONLY' },
    ],
    localSecondaryIndexes: [
      { indexName: 'by-created', sortKey: { name: 'created', type: 'S' } },
      { indexName: 'by-rank', sortKey: { name: 'rank', type: 'N' }, projection: rankProjection },
    ],
  })
}

/** 38 significant digits: the most DynamoDB keeps. */
export const BIG_38 = '12345678901234567890123456789012345678'
/** The smallest positive DynamoDB number, in the normalized text the encryptor writes. */
export const TINY = normalizeNumber('1E-130')
/** The largest DynamoDB number (38 nines times 10^88), normalized. */
export const HUGE = normalizeNumber('9.9999999999999999999999999999999999999E+125')

/** Low-level attributes of every type, nested; numbers in normalized text so they come back as written. */
export function everyTypeAttributes(): Record<string, AttributeValue> {
  return {
    s: { S: 'text ✓ with unicode 𝄞' },
    emptyS: { S: '' },
    n: { N: '-42.5' },
    big: { N: BIG_38 },
    negBig: { N: `-${BIG_38}` },
    tiny: { N: TINY },
    huge: { N: HUGE },
    zero: { N: '0' },
    b: { B: new Uint8Array([0, 1, 2, 255]) },
    emptyB: { B: new Uint8Array(0) },
    ss: { SS: ['alpha', 'beta', 'gamma'] },
    ns: { NS: ['-1', '2.5', BIG_38, TINY] },
    bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
    bool: { BOOL: false },
    yes: { BOOL: true },
    nul: { NULL: true },
    l: { L: [{ S: 'x' }, { N: '1' }, { L: [] }, { M: { deep: { BOOL: true } } }, { NULL: true }] },
    emptyL: { L: [] },
    m: {
      M: {
        inner: { M: { deep: { S: 'v' }, nums: { NS: ['7', TINY] }, list: { L: [{ B: new Uint8Array([9]) }, { SS: ['z'] }] } } },
        emptyM: { M: {} },
      },
    },
  }
}

/** A copy of a low-level item in which set members are sorted (sets have no order in DynamoDB). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'SS' || k === 'NS') && Array.isArray(v)) out[k] = [...(v as string[])].sort()
    else if (k === 'BS' && Array.isArray(v)) out[k] = [...(v as Uint8Array[])].map((b) => Uint8Array.from(b)).sort((a, b) => Buffer.compare(a, b))
    else if (ArrayBuffer.isView(v)) out[k] = Uint8Array.from(v as Uint8Array)
    else out[k] = canonical(v)
  }
  return out
}

/**
 * Freezes `value` deeply (Uint8Arrays cannot be frozen; Sets are frozen objects but still mutable, so callers also
 * compare with a snapshot) and returns it with a structured-clone snapshot to compare with afterwards.
 */
export function frozen<T>(value: T): { value: T; snapshot: T } {
  const snapshot = structuredClone(value)
  return { value: deepFreeze(value), snapshot }
}

/**
 * A new client for this run's DynamoDB Local on which BatchWriteItem leaves the first `unprocessed` requests
 * unprocessed `times` times: a middleware removes them from the HTTP request body (before signing) and another adds
 * them to DynamoDB's HTTP response as UnprocessedItems (before deserialization), so everything above the HTTP layer,
 * the encryption middleware included, sees exactly what DynamoDB would send.
 */
export function flakyBatchWriteClient(_ddb: DynamoDBClient, options: { unprocessed: number; times: number }): DynamoDBClient & { batchWrites: number } {
  let left = options.times
  const client = createDynamoDBClient() as DynamoDBClient & { batchWrites: number }
  client.batchWrites = 0
  const held = new WeakMap<object, { out: Record<string, unknown[]>; empty: boolean }>()
  type Http = { request: { body?: unknown; headers: Record<string, string> } }
  client.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand') return next(args)
    client.batchWrites++
    if (left <= 0) return next(args)
    left--
    const request = (args as unknown as Http).request
    const body = JSON.parse(typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body as Uint8Array)) as { RequestItems: Record<string, unknown[]> }
    const kept: Record<string, unknown[]> = {}
    const out: Record<string, unknown[]> = {}
    let budget = options.unprocessed
    for (const [table, requests] of Object.entries(body.RequestItems)) {
      for (const r of requests) {
        if (budget > 0) { budget--; (out[table] ??= []).push(r) } else (kept[table] ??= []).push(r)
      }
    }
    const empty = Object.keys(kept).length === 0
    held.set(context, { out, empty })
    if (empty) {
      // DynamoDB refuses an empty batch: send a call that writes nothing instead; its answer is replaced below.
      request.headers['x-amz-target'] = 'DynamoDB_20120810.DescribeLimits'
      request.body = '{}'
    } else {
      request.body = JSON.stringify({ ...body, RequestItems: kept })
    }
    return next(args)
  }, { step: 'build', priority: 'high', name: 'testFlakyRequest' })
  type Next = (args: unknown) => Promise<{ response: unknown }>
  client.middlewareStack.addRelativeTo(((next: Next, context: object) => async (args: unknown) => {
    const result = await next(args)
    const state = held.get(context)
    if (state === undefined) return result
    held.delete(context)
    const response = result.response as { body: AsyncIterable<Uint8Array> | Uint8Array; headers: Record<string, string> }
    const chunks: Uint8Array[] = []
    if (response.body instanceof Uint8Array) chunks.push(response.body)
    else for await (const chunk of response.body) chunks.push(chunk)
    const json = state.empty ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>
    response.body = Buffer.from(JSON.stringify({ ...json, UnprocessedItems: state.out }))
    delete response.headers['content-length']
    delete response.headers['x-amz-crc32']
    return result
  }) as never, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'testFlakyResponse' })
  return client
}
