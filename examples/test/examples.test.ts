import { generateKeyPairSync } from 'node:crypto'
import { CreateTableCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { EncryptedDynamoDBDocumentClient } from '@ddb-encryption/client-helpers'
import type { KMSClient } from '@aws-sdk/client-kms'
import {
  AttributeActions,
  CryptoAction,
  DynamoDBEncryptionError,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  ReservedAttribute,
  decryptItem,
  deserializeMaterialDescription,
  randomKeyBytes,
  type Item,
} from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MetaStore } from '@ddb-encryption/store-meta'
import { DEFAULT_REGION, FAKE_CREDENTIALS, createDynamoDBClient, createKMSClient, createKmsKey, createTestTable, deleteTestTable, dynamoDbEndpoint } from '@ddb-encryption/testing'
import {
  TENANT_DESCRIPTION_KEY,
  TenantKeyMaterialsProvider,
  customProvider,
  kmsEncryptedClient,
  kmsEncryptedDocumentClient,
  libDynamoDBComposition,
  createStreamHandler,
  mostRecentMetaStore,
  wrappedRsa,
  wrappedSymmetric,
} from '../src'

jest.setTimeout(60_000) // services share 2 cores with other runs

let ddb: DynamoDBClient
let kms: KMSClient
let kmsKeyId: string
const tables: string[] = []

async function dataTable(): Promise<string> {
  const name = await createTestTable(ddb, { namePrefix: 'examples', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
  tables.push(name)
  return name
}

/** Any low-level item: core's `Item` or the SDK's attribute-value map. */
type AnyItem = Readonly<Record<string, object>>

function binaryOf(value: object | undefined): Uint8Array | undefined {
  const b = (value as { B?: unknown } | undefined)?.B
  return b instanceof Uint8Array ? b : undefined
}

function description(item: AnyItem): Record<string, string> {
  const bytes = binaryOf(item[ReservedAttribute.MaterialDescription])
  if (bytes === undefined) throw new Error('no material description')
  return deserializeMaterialDescription(bytes)
}

/** Checks the stored form: keys and DO_NOTHING plaintext, everything else an opaque binary, signature present. */
function expectEncrypted(stored: AnyItem, plaintext: Record<string, unknown>, plaintextNames: readonly string[]): void {
  expect(binaryOf(stored[ReservedAttribute.Signature])).toBeInstanceOf(Uint8Array)
  for (const name of Object.keys(plaintext)) {
    if (plaintextNames.includes(name)) continue
    // IV (16 bytes) followed by at least one AES block.
    expect(binaryOf(stored[name])?.length).toBeGreaterThanOrEqual(32)
  }
}

beforeAll(async () => {
  ddb = createDynamoDBClient()
  kms = createKMSClient()
  kmsKeyId = (await createKmsKey(kms, { description: 'examples' })).keyId
})

afterAll(async () => {
  await Promise.all(tables.map((t) => deleteTestTable(ddb, t)))
  ddb.destroy()
  kms.destroy()
})

describe('kmsEncryptedClient', () => {
  it('round trips a low-level item through KMS, keys and DO_NOTHING left readable', async () => {
    const tableName = await dataTable()
    const { plaintextItem, storedItem, decryptedItem } = await kmsEncryptedClient({ dynamoDBClient: ddb, kmsClient: kms, kmsKeyId, tableName })
    expect(decryptedItem).toEqual(plaintextItem)
    expect(storedItem['pk']).toEqual(plaintextItem['pk'])
    expect(storedItem['sk']).toEqual(plaintextItem['sk'])
    expect(storedItem['leave me']).toEqual({ S: 'alone' })
    expectEncrypted(storedItem, plaintextItem, ['pk', 'sk', 'leave me'])
    expect(description(storedItem)[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe('kms')
  })
})

describe('kmsEncryptedDocumentClient', () => {
  it('round trips native documents through the document client and EncryptedTable', async () => {
    const tableName = await dataTable()
    const result = await kmsEncryptedDocumentClient({ dynamoDBClient: ddb, kmsClient: kms, kmsKeyId, tableName })
    const [order, refund] = result.written
    expect(result.fromDocumentClient).toEqual(order)
    expect(result.fromTable).toEqual(refund)
    expect(result.queried).toEqual([order, refund])
    expect(result.paid).toEqual([order])
    expect(result.storedItem['status']).toEqual({ S: 'paid' })
    expectEncrypted(result.storedItem, order ?? {}, ['pk', 'sk', 'status'])
  })
})

describe('libDynamoDBComposition', () => {
  it('encrypts through DynamoDBDocument.from(EncryptedDynamoDBClient.from(ddb)), its get and paginateQuery decrypt', async () => {
    const tableName = await dataTable()
    const result = await libDynamoDBComposition({ dynamoDBClient: ddb, kmsClient: kms, kmsKeyId, tableName })
    expectEncrypted(result.storedItem, result.written[0] as Record<string, unknown>, ['pk', 'sk', 'status'])
    expect(result.storedItem['iban']).not.toHaveProperty('S')
    expect(result.storedItem['status']).toEqual({ S: 'open' })
    expect(result.fromGet).toEqual(result.written[0])
    expect(result.paginated).toEqual(result.written)
  })
})

describe('createStreamHandler', () => {
  it('decrypts the images of a Lambda DynamoDBStreamEvent built from DynamoDB Local\'s stream', async () => {
    const tableName = `examples-stream-${globalThis.crypto.randomUUID().slice(0, 8)}`
    const created = await ddb.send(new CreateTableCommand({
      TableName: tableName, BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }))
    tables.push(tableName)
    const streamArn = created.TableDescription?.LatestStreamArn as string
    const aes = LocalDelegatedKey.generate('AES', 256)
    const materialsProvider = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const attributeActions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } })
    const writer = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider, attributeActions })
    await writer.send(new PutCommand({ TableName: tableName, Item: { pk: 'order#1', sk: 1, status: 'new', card: '4111' } }))
    await writer.send(new PutCommand({ TableName: tableName, Item: { pk: 'order#1', sk: 1, status: 'paid', card: '4111' } }))
    // What Lambda would deliver: the stream's records as JSON (binaries in base64), with the stream's ARN.
    const streams = new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint(), region: DEFAULT_REGION, credentials: { ...FAKE_CREDENTIALS } })
    const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards?.[0]
    const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard?.ShardId as string, ShardIteratorType: 'TRIM_HORIZON' }))
    const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator }))
    streams.destroy()
    const event = JSON.parse(JSON.stringify({ Records: Records.map((r) => ({ ...r, eventSourceARN: streamArn })) },
      (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value))) as { Records: [] }
    expect(JSON.stringify(event)).not.toContain('4111')
    const handler = createStreamHandler({ materialsProvider, attributeActions, client: ddb })
    const changes = await handler(event)
    expect(changes).toEqual([
      { eventName: 'INSERT', newImage: { pk: 'order#1', sk: 1, status: 'new', card: '4111' } },
      { eventName: 'MODIFY', oldImage: { pk: 'order#1', sk: 1, status: 'new', card: '4111' }, newImage: { pk: 'order#1', sk: 1, status: 'paid', card: '4111' } },
    ])
  })
})

describe('mostRecentMetaStore', () => {
  it('rotates to a new version; the old item still decrypts and the new one uses the new version', async () => {
    const tableName = await dataTable()
    const metaTableName = `examples-meta-${Date.now().toString(36)}`
    await MetaStore.createTable({ client: ddb, tableName: metaTableName, billingMode: 'PAY_PER_REQUEST' })
    tables.push(metaTableName)
    const result = await mostRecentMetaStore({ dynamoDBClient: ddb, kmsClient: kms, kmsKeyId, metaTableName, tableName, materialName: 'orders' })
    expect(result.versionBefore).toBe(0)
    expect(result.versionAfter).toBe(1)
    expect(result.before.metaId).toBe('orders#0')
    expect(result.after.metaId).toBe('orders#1')
    expect(result.before.decrypted).toEqual({ pk: 'meta-example', sk: 1, status: 'open', secret: 'written before the rotation' })
    expect(result.after.decrypted).toEqual({ pk: 'meta-example', sk: 2, status: 'open', secret: 'written after the rotation' })
  })
})

describe('wrappedSymmetric', () => {
  it('round trips with an AES wrapping key and an HMAC signing key', async () => {
    const tableName = await dataTable()
    const result = await wrappedSymmetric({ dynamoDBClient: ddb, tableName, wrappingKeyBytes: randomKeyBytes(32), signingKeyBytes: randomKeyBytes(32) })
    expect(result.decrypted).toEqual(result.written)
    expectEncrypted(result.storedItem, result.written, ['pk', 'sk', 'leave me'])
    const md = description(result.storedItem)
    expect(md[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe('AESWrap')
    expect(md[MaterialDescriptionKey.SigningAlgorithm]).toBe('HmacSHA256')
  })

  it('stored items verify only under the same signing key', async () => {
    const tableName = await dataTable()
    const wrappingKeyBytes = randomKeyBytes(32)
    const signingKeyBytes = randomKeyBytes(32)
    const { storedItem, written } = await wrappedSymmetric({ dynamoDBClient: ddb, tableName, wrappingKeyBytes, signingKeyBytes })
    const config = (hmac: Uint8Array) => {
      const aes = LocalDelegatedKey.fromBytes({ key: wrappingKeyBytes, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
      return {
        materialsProvider: new WrappedMaterialsProvider({
          unwrappingKey: aes,
          signingKey: LocalDelegatedKey.fromBytes({ key: hmac, algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' }),
        }),
        encryptionContext: { tableName, partitionKeyName: 'pk', sortKeyName: 'sk' },
        attributeActions: new AttributeActions({ attributeActions: { 'leave me': CryptoAction.DO_NOTHING } }).setIndexKeys('pk', 'sk'),
      }
    }
    expect(await decryptItem(storedItem, config(signingKeyBytes))).toMatchObject({ example: { S: written['example'] } })
    await expect(decryptItem(storedItem, config(randomKeyBytes(32)))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })
  })
})

describe('wrappedRsa', () => {
  const pair = () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    return {
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }
  }

  it('round trips with RSA-OAEP wrapping and SHA256withRSA signatures', async () => {
    const tableName = await dataTable()
    const result = await wrappedRsa({ dynamoDBClient: ddb, tableName, wrappingKeyPair: pair(), signingKeyPair: pair() })
    expect(result.decryptedItem).toEqual(result.plaintextItem)
    expectEncrypted(result.storedItem, result.plaintextItem, ['pk', 'sk', 'leave me'])
    const md = description(result.storedItem)
    expect(md[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe('RSA/ECB/OAEPWithSHA-256AndMGF1Padding')
    expect(md[MaterialDescriptionKey.SigningAlgorithm]).toBe('SHA256withRSA')
  })
})

describe('customProvider', () => {
  it('round trips two tenants, each under its own derived keys', async () => {
    const tableName = await createTestTable(ddb, { namePrefix: 'examples', partitionKey: { name: 'tenant', type: 'S' }, sortKey: { name: 'id', type: 'S' } })
    tables.push(tableName)
    const masterSecret = randomKeyBytes(32)
    const result = await customProvider({ dynamoDBClient: ddb, tableName, masterSecret })
    expect(result.decrypted).toEqual(result.written)

    const stored = async (tenant: string): Promise<Item> => {
      const { Item } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { tenant: { S: tenant }, id: { S: 'r1' } }, ConsistentRead: true }))
      if (Item === undefined) throw new Error('missing item')
      return Item as Item
    }
    const acme = await stored('acme')
    expect(description(acme)[TENANT_DESCRIPTION_KEY]).toBe('acme')
    expectEncrypted(acme, { note: '' }, [])

    const config = (secret: Uint8Array) => ({
      materialsProvider: new TenantKeyMaterialsProvider({ masterSecret: secret }),
      encryptionContext: { tableName, partitionKeyName: 'tenant', sortKeyName: 'id' },
      attributeActions: new AttributeActions().setIndexKeys('tenant', 'id'),
    })
    // The right master secret decrypts; another one does not verify.
    expect(await decryptItem(acme, config(masterSecret))).toMatchObject({ note: { S: 'acme only' } })
    await expect(decryptItem(acme, config(randomKeyBytes(32)))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })

    // An acme item presented as globex's (tenant attribute changed) is refused by the provider.
    const moved: Item = { ...acme, tenant: { S: 'globex' } }
    const error: unknown = await decryptItem(moved, config(masterSecret)).catch((e: unknown) => e)
    expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'ERR_MATERIALS_UNAVAILABLE', message: expect.stringContaining('written for another tenant') })
  })

  it('refuses a master secret shorter than 32 bytes', () => {
    expect(() => new TenantKeyMaterialsProvider({ masterSecret: randomKeyBytes(16) }))
      .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"masterSecret" option must be') }))
  })
})
