import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand as LowQueryCommand } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { DynamoDBDocument, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, TableInfo } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import {
  DEFAULT_REGION,
  FAKE_CREDENTIALS,
  createDynamoDBClient,
  createKMSClient,
  createKmsKey,
  createTestTable,
  deleteTestTable,
  dynamoDbEndpoint,
} from '@ddb-encryption/testing'

jest.setTimeout(60_000)

const actions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } })
const MODES = ['throw', 'report'] as const
type Handler = { handle: (request: unknown, options?: unknown) => Promise<unknown> }

let ddb: DynamoDBClient
let kms: KMSClient
let keyId: string
let table: string
let info: TableInfo

beforeAll(async () => {
  ddb = createDynamoDBClient()
  kms = createKMSClient()
  keyId = (await createKmsKey(kms)).keyId
  table = await createTestTable(ddb, { namePrefix: 'ch-outage', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
  info = await TableInfo.describe({ client: ddb, tableName: table })
  const writer = EncryptedDynamoDBClient.from(ddb, { materialsProvider: new DirectKMSMaterialsProvider({ keyId, kmsClient: kms }), attributeActions: actions })
  for (const sk of ['1', '2']) {
    await writer.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'o' }, sk: { N: sk }, status: { S: 'ok' }, secret: { S: `s${sk}` } } }))
  }
})

afterAll(async () => {
  await deleteTestTable(ddb, table)
  ddb.destroy()
  kms.destroy()
})

/** Records the error each send of `client` throws, where the SDK produced it (`step`: finalizeRequest = inside its retries). */
function captureErrors(client: { middlewareStack: { add: (mw: never, options: object) => void } }, step: 'initialize' | 'finalizeRequest' = 'initialize'): unknown[] {
  const errors: unknown[] = []
  const capture = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    try {
      return await next(args)
    } catch (error) {
      errors.push(error)
      throw error
    }
  }
  client.middlewareStack.add(capture as never, { step, priority: step === 'initialize' ? 'high' : 'low', name: 'testCaptureErrors' })
  return errors
}

/** A KMS client whose HTTP layer answers every call with a 400 ThrottlingException. */
function throttlingKms(): KMSClient {
  return new KMSClient({
    region: DEFAULT_REGION,
    credentials: { ...FAKE_CREDENTIALS },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 400,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
          body: new TextEncoder().encode(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' })),
        },
      }),
    } as never,
  })
}

/** A KMS client pointed at a port where nothing listens. */
function refusedKms(): KMSClient {
  return new KMSClient({ region: DEFAULT_REGION, credentials: { ...FAKE_CREDENTIALS }, maxAttempts: 1, endpoint: 'http://127.0.0.1:9' })
}

/** A DynamoDB client on DynamoDB Local whose reads (GetItem, Query) fail at the HTTP layer as `fail` says. */
function failingReadsDdb(fail: 'throttle' | 'refuse'): { client: DynamoDBClient; reads: () => number } {
  const real = createDynamoDBClient({ maxAttempts: 1 })
  const handler = real.config.requestHandler as unknown as Handler
  let reads = 0
  const client = new DynamoDBClient({
    region: DEFAULT_REGION,
    credentials: { ...FAKE_CREDENTIALS },
    endpoint: dynamoDbEndpoint(),
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }, options?: unknown) => {
        const target = request.headers['x-amz-target'] ?? ''
        if (!target.endsWith('.GetItem') && !target.endsWith('.Query')) return handler.handle(request, options)
        reads++
        if (fail === 'refuse') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' })
        return {
          response: {
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new TextEncoder().encode(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' })),
          },
        }
      },
    } as never,
  })
  return { client, reads: () => reads }
}

type Options = Parameters<typeof EncryptedDynamoDBClient.from>[1]
const query = { TableName: '', KeyConditionExpression: 'pk = :p', ConsistentRead: true }
/** Each way of reading, built over a DynamoDB client with encryption options; returns the read to run. */
const readers: Record<string, (client: DynamoDBClient, options: Options) => () => Promise<unknown>> = {
  'low-level Query': (client, options) => {
    const c = EncryptedDynamoDBClient.from(client, options)
    return () => c.send(new LowQueryCommand({ ...query, TableName: table, ExpressionAttributeValues: { ':p': { S: 'o' } } }))
  },
  'low-level GetItem': (client, options) => {
    const c = EncryptedDynamoDBClient.from(client, options)
    return () => c.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'o' }, sk: { N: '1' } }, ConsistentRead: true }))
  },
  'EncryptedDynamoDBDocumentClient Query': (client, options) => {
    const c = EncryptedDynamoDBDocumentClient.from(client, options)
    return () => c.send(new QueryCommand({ ...query, TableName: table, ExpressionAttributeValues: { ':p': 'o' } }))
  },
  'DynamoDBDocument.from(encrypted).query': (client, options) => {
    const c = DynamoDBDocument.from(EncryptedDynamoDBClient.from(client, options))
    return () => c.query({ ...query, TableName: table, ExpressionAttributeValues: { ':p': 'o' } })
  },
}

describe.each(MODES)('outages on read surface unchanged, onDecryptFailure %s', (mode) => {
  describe.each(Object.keys(readers))('%s', (readerName) => {
    const build = readers[readerName] as (typeof readers)[string]
    const options = (kmsClient: KMSClient): Options => ({
      materialsProvider: new DirectKMSMaterialsProvider({ keyId, kmsClient }),
      attributeActions: actions,
      onDecryptFailure: mode,
      tables: { [table]: { tableInfo: info } },
    })

    it.each([['a ThrottlingException', throttlingKms], ['a refused connection', refusedKms]] as const)('from KMS: %s', async (what, makeKms) => {
      const failing = makeKms()
      const kmsErrors = captureErrors(failing)
      const counted = createDynamoDBClient({ maxAttempts: 3 })
      const reads: string[] = []
      counted.middlewareStack.add((next, context) => async (args) => { reads.push(String(context.commandName)); return next(args) },
        { step: 'finalizeRequest', priority: 'low', name: 'testCountRequests' })
      const error = await build(counted, options(failing))().then(() => undefined, (e: unknown) => e)
      expect(kmsErrors.length).toBeGreaterThan(0)
      expect(error).toBe(kmsErrors[0])
      expect((error as Error).name).toBe(what === 'a ThrottlingException' ? 'ThrottlingException' : 'Error')
      // The SDK did not retry the DynamoDB read because decrypting failed (maxAttempts is 3 on the DynamoDB client).
      expect(reads).toHaveLength(1)
      failing.destroy()
      counted.destroy()
    })

    it.each([['a ThrottlingException', 'throttle'], ['a refused connection', 'refuse']] as const)('from DynamoDB: %s', async (_, fail) => {
      const { client: failing, reads } = failingReadsDdb(fail)
      const ddbErrors = captureErrors(failing, 'finalizeRequest')
      const error = await build(failing, options(kms))().then(() => undefined, (e: unknown) => e)
      expect(reads()).toBe(1)
      // Captured inside the SDK's retry loop, below the encryption middleware: the caller gets that very object.
      expect(error).toBe(ddbErrors[0])
      expect((error as Error).name).toBe(fail === 'throttle' ? 'ThrottlingException' : 'Error')
      if (fail === 'refuse') expect((error as { code?: string }).code).toBe('ECONNREFUSED')
      failing.destroy()
    })
  })
})
