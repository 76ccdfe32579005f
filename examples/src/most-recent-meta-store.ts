import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import {
  AttributeActions,
  CryptoAction,
  MaterialDescriptionKey,
  ReservedAttribute,
  deserializeMaterialDescription,
} from '@ddb-encryption/core'
import { EncryptedTable, type NativeItem } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'

/** Options for {@link mostRecentMetaStore}. */
export interface MostRecentMetaStoreOptions {
  /** Your DynamoDB client (you destroy it). */
  dynamoDBClient: DynamoDBClient
  /** Your KMS client (you destroy it). */
  kmsClient: KMSClient
  /** KMS key that protects the MetaStore rows (one KMS call per version loaded, not per item). */
  kmsKeyId: string
  /** Existing MetaStore table, made once with `MetaStore.createTable({ client, tableName: name })`. */
  metaTableName: string
  /** Existing data table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
  /** Name of the material set in the MetaStore. Default `'example-material'`. */
  materialName?: string
}

/** One item written by {@link mostRecentMetaStore}, with the MetaStore version it was written under. */
export interface MetaStoreWrittenItem {
  /** `amzn-ddb-meta-id` of the stored item: `<material name>#<version>`. */
  readonly metaId: string
  /** The item read back and decrypted after the rotation. */
  readonly decrypted: NativeItem | undefined
}

/** What {@link mostRecentMetaStore} did. */
export interface MostRecentMetaStoreResult {
  /** Newest version before the rotation. */
  readonly versionBefore: number
  /** Newest version after the rotation (`versionBefore + 1`). */
  readonly versionAfter: number
  /** Written before the rotation. */
  readonly before: MetaStoreWrittenItem
  /** Written after the rotation. */
  readonly after: MetaStoreWrittenItem
}

/** Reads the `amzn-ddb-meta-id` of a stored item (its material description is plaintext). */
async function storedMetaId(client: DynamoDBClient, tableName: string, key: Record<string, AttributeValue>): Promise<string> {
  const { Item: stored } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))
  const description = stored?.[ReservedAttribute.MaterialDescription]?.B
  if (description === undefined) throw new Error(`The item in "${tableName}" has no material description`)
  const metaId = deserializeMaterialDescription(description)[MaterialDescriptionKey.MetaId]
  if (metaId === undefined) throw new Error(`The item in "${tableName}" was not written by a most-recent provider`)
  return metaId
}

/**
 * Key rotation without re-encryption: a {@link MetaStore} keeps versioned AES + HMAC keys in a DynamoDB table,
 * each row protected by a KMS key, and a {@link MostRecentProvider} encrypts with the newest version while
 * decrypting every item with the version it names (`amzn-ddb-meta-id`). Writes an item, rotates with
 * `newProvider`, writes another, and reads both back.
 *
 * @example
 * await MetaStore.createTable({ client: dynamoDBClient, tableName: 'meta', billingMode: 'PAY_PER_REQUEST' })
 * const result = await mostRecentMetaStore({ dynamoDBClient, kmsClient, kmsKeyId, metaTableName: 'meta', tableName: 'orders' })
 */
export async function mostRecentMetaStore(options: MostRecentMetaStoreOptions): Promise<MostRecentMetaStoreResult> {
  const { dynamoDBClient, kmsClient, kmsKeyId, metaTableName, tableName } = options
  const materialName = options.materialName ?? 'example-material'
  const store = new MetaStore({
    client: dynamoDBClient,
    tableName: metaTableName,
    materialsProvider: new DirectKMSMaterialsProvider({ keyId: kmsKeyId, kmsClient }),
  })
  // Writers pick up a new version within ttlMs; choose it as the longest you accept the old key to keep writing.
  const materialsProvider = new MostRecentProvider({ store, materialName, ttlMs: 60_000 })
  const table = new EncryptedTable({
    client: dynamoDBClient,
    tableName,
    materialsProvider,
    attributeActions: new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } }),
  })

  const firstKey = { pk: 'meta-example', sk: 1 }
  await table.put({ ...firstKey, status: 'open', secret: 'written before the rotation' })
  const versionBefore = await store.maxVersion(materialName)
  if (versionBefore === undefined) throw new Error('The MetaStore has no version after the first write')

  // Rotate: a new version of the keys. refresh() makes this process use it at once; other processes switch within ttlMs.
  await store.newProvider(materialName)
  await materialsProvider.refresh()
  const versionAfter = await store.maxVersion(materialName)
  if (versionAfter === undefined) throw new Error('The MetaStore has no version after the rotation')

  const secondKey = { pk: 'meta-example', sk: 2 }
  await table.put({ ...secondKey, status: 'open', secret: 'written after the rotation' })

  const lowKey = (k: { pk: string; sk: number }): Record<string, AttributeValue> => ({ pk: { S: k.pk }, sk: { N: String(k.sk) } })
  return {
    versionBefore,
    versionAfter,
    before: {
      metaId: await storedMetaId(dynamoDBClient, tableName, lowKey(firstKey)),
      decrypted: await table.get(firstKey, { consistentRead: true }),
    },
    after: {
      metaId: await storedMetaId(dynamoDBClient, tableName, lowKey(secondKey)),
      decrypted: await table.get(secondKey, { consistentRead: true }),
    },
  }
}
