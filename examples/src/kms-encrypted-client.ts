import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'

/** Options for {@link kmsEncryptedClient}. */
export interface KMSEncryptedClientOptions {
  /** Your DynamoDB client (you destroy it). */
  dynamoDBClient: DynamoDBClient
  /** Your KMS client, for the key's region (you destroy it). */
  kmsClient: KMSClient
  /** KMS key id, key ARN, alias name or alias ARN. */
  kmsKeyId: string
  /** Existing table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
}

/** A low-level item, as the SDK's `PutItemCommand` takes it. */
export type SdkItem = Record<string, AttributeValue>

/** What {@link kmsEncryptedClient} wrote and read. */
export interface KMSEncryptedClientResult {
  /** The item the application wrote. */
  readonly plaintextItem: SdkItem
  /** The item as DynamoDB stores it (read with the plain client). */
  readonly storedItem: SdkItem
  /** The item read back through the encrypted client. */
  readonly decryptedItem: SdkItem
}

/**
 * Low-level client with AWS KMS: wraps an SDK v3 `DynamoDBClient` in an {@link EncryptedDynamoDBClient} whose
 * `DirectKMSMaterialsProvider` asks KMS for a fresh data key per item. The application keeps sending the usual
 * `PutItemCommand` / `GetItemCommand`; key attributes (found with DescribeTable) are signed but stay plaintext, every
 * other attribute is encrypted and signed except `leave me`, which is left alone.
 *
 * @example
 * const result = await kmsEncryptedClient({ dynamoDBClient, kmsClient, kmsKeyId: 'alias/my-key', tableName: 'orders' })
 */
export async function kmsEncryptedClient(options: KMSEncryptedClientOptions): Promise<KMSEncryptedClientResult> {
  const { dynamoDBClient, kmsClient, kmsKeyId, tableName } = options
  const materialsProvider = new DirectKMSMaterialsProvider({ keyId: kmsKeyId, kmsClient })
  const attributeActions = new AttributeActions({
    defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
    attributeActions: { 'leave me': CryptoAction.DO_NOTHING },
  })
  // The encrypted client inherits from yours: same config, same middleware; destroy() on it does nothing.
  const encryptedClient = EncryptedDynamoDBClient.from(dynamoDBClient, { materialsProvider, attributeActions })

  const key: SdkItem = { pk: { S: 'customer#1' }, sk: { N: '55' } }
  const plaintextItem: SdkItem = {
    ...key,
    example: { S: 'data' },
    numbers: { N: '99' },
    binary: { B: new Uint8Array([0x00, 0x01, 0x02]) },
    tags: { SS: ['gold', 'vip'] },
    'leave me': { S: 'alone' },
  }
  await encryptedClient.send(new PutItemCommand({ TableName: tableName, Item: plaintextItem }))

  const raw = await dynamoDBClient.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))
  const decrypted = await encryptedClient.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))
  if (raw.Item === undefined || decrypted.Item === undefined) throw new Error(`The item was not found in table "${tableName}"`)
  return { plaintextItem, storedItem: raw.Item, decryptedItem: decrypted.Item }
}
