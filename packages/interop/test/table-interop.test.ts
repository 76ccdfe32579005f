// Table-level interop through DynamoDB Local, on a table with a partition and a sort key: the Python EncryptedTable /
// EncryptedResource, or Java's DynamoDBEncryptor over a plain SDK v1 client, writes; our encrypted client reads
// (GetItem, Query, BatchGetItem); and the reverse.
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { AttributeActions, CryptoAction, type AttributeValue, type CryptoConfig, type CryptographicMaterialsProvider, type Item } from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import {
  createDynamoDBClient,
  createKMSClient,
  createKmsKey,
  createTestTable,
  deleteTestTable,
  dynamoDbEndpoint,
  kmsEndpoint,
} from '@ddb-encryption/testing'
import fc from 'fast-check'

import {
  attributeName,
  attributeValue,
  canonicalItem,
  itemFromJson,
  itemToJson,
  JavaReference,
  plainSafeNumberText,
  PythonReference,
  type BridgeTableTarget,
  type JsonItem,
  type PythonProviderSpec,
  type ReferenceBridge,
} from '../src'
import { wrappedAesPair } from './support/provider-pairs'
import { JAVA_PEER, PYTHON_PEER, SEED, seedFor } from './support/round-trip'

jest.setTimeout(120_000)

/** Items written by each side per provider. */
const ITEMS = 60
const PARTITIONS = ['alpha', 'b\u{1F600}ta', 'γ']

// Same actions on both sides: everything encrypted except one sign-only and one untouched attribute; the primary
// key attributes become SIGN_ONLY on both sides from DescribeTable.
const SIGNED = 'signed'
const PLAIN = 'plain'
const RESERVED_NAMES = new Set(['pk', 'sk', SIGNED, PLAIN])

const ddb = createDynamoDBClient()
const kms = createKMSClient()

beforeAll(() => {
  process.stdout.write(`[table-interop] fast-check seed ${SEED} (replay with DDB_ENCRYPTION_INTEROP_SEED=${SEED})\n`)
})

afterAll(() => {
  ddb.destroy()
  kms.destroy()
})

/** `ITEMS` items keyed (pk: one of PARTITIONS, sk: index + offset), with random attributes of every type. */
function sampleItems(offset: number, label: string): Item[] {
  // Python's EncryptedTable converts decrypted numbers from plain text with boto3's context (precision 38), so
  // values such as 1E+125 fail there even for items Python wrote itself (see the dedicated test below).
  const number = plainSafeNumberText
  const others = fc.uniqueArray(fc.tuple(attributeName.filter((n) => !RESERVED_NAMES.has(n)), attributeValue({ number })), {
    maxLength: 6,
    selector: ([name]) => name,
  })
  const arbitrary = fc.record({ others, signed: attributeValue({ maxDepth: 1, number }), plain: attributeValue({ maxDepth: 1, number }) })
    .map(({ others, signed, plain }) => {
      const item: Record<string, AttributeValue> = {}
      for (const [name, value] of others) Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true })
      item[SIGNED] = signed
      item[PLAIN] = plain
      return item
    })
  return fc.sample(arbitrary, { seed: seedFor(label), numRuns: ITEMS }).map((item, i) =>
    ({ ...item, pk: { S: PARTITIONS[i % PARTITIONS.length] as string }, sk: { N: String(offset + i) } }))
}

const keyOf = (item: Item): Item => ({ pk: item.pk as AttributeValue, sk: item.sk as AttributeValue })
const keyText = (item: Item): string => `${(item.pk as { S: string }).S}#${(item.sk as { N: string }).N}`

function expectSameItems(label: string, read: readonly Item[], written: readonly Item[]): void {
  const byKey = new Map(written.map((item) => [keyText(item), item]))
  expect(read).toHaveLength(written.length)
  for (const item of read) {
    const expected = byKey.get(keyText(item))
    if (expected === undefined) throw new Error(`${label}: unexpected item ${keyText(item)} (seed ${SEED})`)
    if (JSON.stringify(canonicalItem(item)) !== JSON.stringify(canonicalItem(expected))) {
      throw new Error(`${label}: item ${keyText(item)} differs (seed ${SEED}).\n  written: ${JSON.stringify(itemToJson(expected))}\n  read:    ${JSON.stringify(itemToJson(item))}`)
    }
  }
}

/** How each reference is started, what it calls a signature failure, and whether it reads numbers such as 1E+125. */
interface ReferenceCase {
  readonly start: () => Promise<ReferenceBridge>
  readonly signatureFailure: RegExp
  readonly readsHugeNumbers: boolean
  /** Our client's settings for a table this reference shares: its write order (and, for Python, its number rounding). */
  readonly peer: Partial<CryptoConfig>
}

const REFERENCES: Array<[string, ReferenceCase]> = [
  ['Python EncryptedTable', { start: () => PythonReference.start(), signatureFailure: /SignatureVerificationError/, readsHugeNumbers: false, peer: PYTHON_PEER }],
  ["Java's DynamoDBEncryptor over a v1 client", {
    start: () => JavaReference.start(), signatureFailure: /SignatureException/, readsHugeNumbers: true, peer: JAVA_PEER,
  }],
]

describe.each(REFERENCES)('%s', (refName, reference) => {
  let ref: ReferenceBridge
  beforeAll(async () => {
    ref = await reference.start()
  })
  afterAll(async () => {
    await ref?.close()
  })

  describe.each([
    ['wrapped AES', async (): Promise<{ ours: CryptographicMaterialsProvider; reference: PythonProviderSpec }> => wrappedAesPair()],
    ['Direct KMS', async (): Promise<{ ours: CryptographicMaterialsProvider; reference: PythonProviderSpec }> => {
      const { arn } = await createKmsKey(kms, { description: 'ddb-encryption table interop' })
      return { ours: new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms }), reference: { type: 'kms', keyId: arn, endpoint: kmsEndpoint() } }
    }],
  ])('EncryptedTable interop on DynamoDB Local (%s)', (name, makePair) => {
    let tableName: string
    let ours: EncryptedDynamoDBClient & ReturnType<typeof createDynamoDBClient>
    let target: BridgeTableTarget

    beforeAll(async () => {
      tableName = await createTestTable(ddb, { namePrefix: 'interop-table', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
      const pair = await makePair()
      ours = EncryptedDynamoDBClient.from(ddb, {
        ...reference.peer,
        materialsProvider: pair.ours,
        attributeActions: new AttributeActions({ attributeActions: { [SIGNED]: CryptoAction.SIGN_ONLY, [PLAIN]: CryptoAction.DO_NOTHING } }),
      })
      target = {
        provider: await ref.configure(pair.reference),
        endpoint: dynamoDbEndpoint(),
        tableName,
        partitionKeyName: 'pk',
        sortKeyName: 'sk',
        actions: { default: 'ENCRYPT_AND_SIGN', overrides: { pk: 'SIGN_ONLY', sk: 'SIGN_ONLY', [SIGNED]: 'SIGN_ONLY', [PLAIN]: 'DO_NOTHING' } },
      }
    })

    afterAll(async () => {
      if (tableName !== undefined) await deleteTestTable(ddb, tableName)
    })

    it('the reference writes; our client reads with GetItem, Query and BatchGetItem', async () => {
      const written = sampleItems(0, `${refName} ${name} ref->ours`)
      await ref.tablePut(target, written.map(itemToJson))

      // The stored items really are encrypted by the reference: signature and description present.
      const raw = await ddb.send(new GetItemCommand({ TableName: tableName, Key: keyOf(written[0] as Item) as Record<string, SdkAttributeValue>, ConsistentRead: true }))
      expect(raw.Item?.['*amzn-ddb-map-sig*']?.B).toBeInstanceOf(Uint8Array)
      expect(raw.Item?.['*amzn-ddb-map-desc*']?.B).toBeInstanceOf(Uint8Array)

      const got: Item[] = []
      for (const item of written) {
        const { Item: read } = await ours.send(new GetItemCommand({ TableName: tableName, Key: keyOf(item) as Record<string, SdkAttributeValue>, ConsistentRead: true }))
        expect(read).toBeDefined()
        got.push(read as Item)
      }
      expectSameItems('GetItem', got, written)

      const queried: Item[] = []
      for (const partition of PARTITIONS) {
        let start: Record<string, SdkAttributeValue> | undefined
        do {
          const page = await ours.send(new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: partition } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }))
          queried.push(...((page.Items ?? []) as Item[]))
          start = page.LastEvaluatedKey
        } while (start !== undefined)
      }
      expectSameItems('Query', queried, written)

      const batch: Item[] = []
      let keys: Array<Record<string, SdkAttributeValue>> = written.map((item) => keyOf(item) as Record<string, SdkAttributeValue>)
      for (let attempt = 0; keys.length > 0 && attempt < 10; attempt++) {
        const result = await ours.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }))
        batch.push(...((result.Responses?.[tableName] ?? []) as Item[]))
        keys = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Array<Record<string, SdkAttributeValue>>
      }
      expectSameItems('BatchGetItem', batch, written)
    })

    it('our client writes; the reference reads with GetItem, Query and BatchGetItem', async () => {
      const written = sampleItems(10_000, `${refName} ${name} ours->ref`)
      for (const item of written) await ours.send(new PutItemCommand({ TableName: tableName, Item: item as Record<string, SdkAttributeValue> }))

      const got = await ref.tableGet(target, written.map((item) => itemToJson(keyOf(item))))
      expect(got.every((item) => item !== null)).toBe(true)
      expectSameItems('get_item', (got as JsonItem[]).map(itemFromJson), written)

      const queried: Item[] = []
      for (const partition of PARTITIONS) {
        const items = await ref.tableQuery(target, { pk: { S: partition } })
        // The partition also holds the items the reference wrote in the other test (sk < 10 000).
        queried.push(...items.map(itemFromJson).filter((item) => Number((item.sk as { N: string }).N) >= 10_000))
      }
      expectSameItems('query', queried, written)

      const batch = await ref.tableBatchGet(target, written.map((item) => itemToJson(keyOf(item))))
      expectSameItems('batch_get_item', batch.map(itemFromJson), written)
    })

    it('a tampered item is refused by both sides', async () => {
      const [item] = sampleItems(20_000, `${refName} ${name} tamper`)
      await ref.tablePut(target, [itemToJson(item as Item)])
      const key = keyOf(item as Item) as Record<string, SdkAttributeValue>
      // Change the sign-only attribute behind the clients' backs.
      await ddb.send(new PutItemCommand({
        TableName: tableName,
        Item: { ...(await ddb.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item, [SIGNED]: { S: 'tampered' } },
      }))
      // Our client names the table and key (ItemDecryptionError) and keeps the verification failure as the cause.
      await expect(ours.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).rejects.toMatchObject({
        code: 'ERR_DECRYPTION_FAILED',
        cause: { code: 'ERR_SIGNATURE_VERIFICATION_FAILED' },
      })
      await expect(ref.tableGet(target, [itemToJson(key as Item)])).rejects.toThrow(reference.signatureFailure)
    })

    it('numbers whose plain form exceeds 38 digits (1E+125): we read them; Python EncryptedTable cannot, even its own; Java can', async () => {
      const item: Item = { pk: { S: 'big-numbers' }, sk: { N: '1' }, big: { N: '1E+125' }, [SIGNED]: { N: '-9.5E+60' }, [PLAIN]: { S: 'x' } }
      await ref.tablePut(target, [itemToJson(item)])
      const { Item: read } = await ours.send(new GetItemCommand({ TableName: tableName, Key: keyOf(item) as Record<string, SdkAttributeValue>, ConsistentRead: true }))
      expectSameItems('GetItem', [read as Item], [item])
      if (reference.readsHugeNumbers) {
        const [own] = await ref.tableGet(target, [itemToJson(keyOf(item))])
        expectSameItems('reference get', [itemFromJson(own as JsonItem)], [item])
      } else {
        // A limitation of the Python reference (boto3 TypeDeserializer on the plain text its own deserializer
        // returns), not of the bytes.
        await expect(ref.tableGet(target, [itemToJson(keyOf(item))])).rejects.toThrow(/Rounded/)
      }
    })
  })
})
