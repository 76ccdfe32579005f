import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction, LocalDelegatedKey, type Item } from '@ddb-encryption/core'
import { EncryptedTable, type NativeItem } from '@ddb-encryption/client-helpers'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'

/** Options for {@link wrappedSymmetric}. */
export interface WrappedSymmetricOptions {
  /** Your DynamoDB client (you destroy it). */
  dynamoDBClient: DynamoDBClient
  /** Existing table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
  /** AES key-encryption key: 16, 24 or 32 raw bytes (for example from your secret store). */
  wrappingKeyBytes: Uint8Array
  /** HMAC-SHA256 signing key: at least 16 raw bytes; 32 recommended. */
  signingKeyBytes: Uint8Array
}

/** What {@link wrappedSymmetric} wrote and read. */
export interface WrappedSymmetricResult {
  /** The document written. */
  readonly written: NativeItem
  /** The item as DynamoDB stores it. */
  readonly storedItem: Item
  /** The item read back through EncryptedTable. */
  readonly decrypted: NativeItem | undefined
}

/**
 * Keys you hold yourself, no AWS service: a {@link WrappedMaterialsProvider} makes a fresh AES-256 content key per
 * item, wraps it with your AES key (`AESWrap`, RFC 3394) into the item's material description, and signs the item
 * with your HMAC-SHA256 key. Written and read with {@link EncryptedTable}.
 *
 * @example
 * const result = await wrappedSymmetric({ dynamoDBClient, tableName: 'orders', wrappingKeyBytes, signingKeyBytes })
 */
export async function wrappedSymmetric(options: WrappedSymmetricOptions): Promise<WrappedSymmetricResult> {
  const { dynamoDBClient, tableName } = options
  // The bytes are copied into KeyObjects; wipe your copies when you no longer need them.
  const wrappingKey = LocalDelegatedKey.fromBytes({ key: options.wrappingKeyBytes, algorithm: 'AES' })
  const signingKey = LocalDelegatedKey.fromBytes({ key: options.signingKeyBytes, algorithm: 'HmacSHA256' })
  const materialsProvider = new WrappedMaterialsProvider({ wrappingKey, unwrappingKey: wrappingKey, signingKey })

  const table = new EncryptedTable({
    client: dynamoDBClient,
    tableName,
    materialsProvider,
    attributeActions: new AttributeActions({ attributeActions: { 'leave me': CryptoAction.DO_NOTHING } }),
  })
  const written = { pk: 'wrapped-symmetric', sk: 1, example: 'data', numbers: 99, 'leave me': 'alone' }
  await table.put(written)
  const decrypted = await table.get({ pk: written.pk, sk: written.sk }, { consistentRead: true })

  const { Item: stored } = await dynamoDBClient.send(new GetItemCommand({
    TableName: tableName, Key: { pk: { S: written.pk }, sk: { N: String(written.sk) } }, ConsistentRead: true,
  }))
  if (stored === undefined) throw new Error(`The item was not found in table "${tableName}"`)
  return { written, storedItem: stored as Item, decrypted }
}
