import { GetItemCommand, PutItemCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  AttributeActions,
  CryptoAction,
  LocalDelegatedKey,
  decryptItem,
  encryptItem,
  type CryptoConfig,
  type Item,
} from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'

/** An RSA key pair in PEM text (SubjectPublicKeyInfo and PKCS#8), e.g. from `openssl genpkey -algorithm RSA`. */
export interface RsaKeyPairPem {
  /** `-----BEGIN PUBLIC KEY-----` ... */
  publicKeyPem: string
  /** `-----BEGIN PRIVATE KEY-----` ... */
  privateKeyPem: string
}

/** Options for {@link wrappedRsa}. */
export interface WrappedRsaOptions {
  /** Your DynamoDB client (you destroy it); used only to store and read the already encrypted item. */
  dynamoDBClient: DynamoDBClient
  /** Existing table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
  /** Key pair that wraps content keys (RSA-OAEP with SHA-256); 2048 bits or more. */
  wrappingKeyPair: RsaKeyPairPem
  /** Key pair that signs items (SHA256withRSA); 2048 bits or more. */
  signingKeyPair: RsaKeyPairPem
}

/** What {@link wrappedRsa} wrote and read. */
export interface WrappedRsaResult {
  /** The plaintext item. */
  readonly plaintextItem: Item
  /** The encrypted item, as stored in DynamoDB. */
  readonly storedItem: Item
  /** The stored item, verified and decrypted. */
  readonly decryptedItem: Item
}

const pem = (text: string): Uint8Array => new TextEncoder().encode(text)

/**
 * RSA keys and the item encryptor itself: a {@link WrappedMaterialsProvider} wraps each item's AES-256 content key
 * with the RSA public key (`RSA/ECB/OAEPWithSHA-256AndMGF1Padding`) and signs with `SHA256withRSA`; reading needs the
 * private wrapping key and the public signing key. `encryptItem` / `decryptItem` work on low-level attribute-value
 * maps, so any client (here the plain `DynamoDBClient`) can store the result.
 *
 * @example
 * const result = await wrappedRsa({ dynamoDBClient, tableName: 'orders', wrappingKeyPair, signingKeyPair })
 */
export async function wrappedRsa(options: WrappedRsaOptions): Promise<WrappedRsaResult> {
  const { dynamoDBClient, tableName, wrappingKeyPair, signingKeyPair } = options
  const materialsProvider = new WrappedMaterialsProvider({
    wrappingKey: LocalDelegatedKey.fromBytes({ key: pem(wrappingKeyPair.publicKeyPem), algorithm: 'RSA', keyType: 'public', encoding: 'PEM' }),
    unwrappingKey: LocalDelegatedKey.fromBytes({ key: pem(wrappingKeyPair.privateKeyPem), algorithm: 'RSA', keyType: 'private', encoding: 'PEM' }),
    signingKey: LocalDelegatedKey.fromBytes({ key: pem(signingKeyPair.privateKeyPem), algorithm: 'SHA256withRSA', keyType: 'private', encoding: 'PEM' }),
    verificationKey: LocalDelegatedKey.fromBytes({ key: pem(signingKeyPair.publicKeyPem), algorithm: 'SHA256withRSA', keyType: 'public', encoding: 'PEM' }),
  })
  const config: CryptoConfig = {
    materialsProvider,
    encryptionContext: { tableName, partitionKeyName: 'pk', sortKeyName: 'sk' },
    // Without a client helper, you name the key attributes yourself: signed, never encrypted.
    attributeActions: new AttributeActions({ attributeActions: { 'leave me': CryptoAction.DO_NOTHING } }).setIndexKeys('pk', 'sk'),
  }

  const key: Item = { pk: { S: 'wrapped-rsa' }, sk: { N: '1' } }
  const plaintextItem: Item = { ...key, example: { S: 'data' }, map: { M: { nested: { L: [{ N: '1' }, { BOOL: true }] } } }, 'leave me': { S: 'alone' } }
  const encrypted = await encryptItem(plaintextItem, config)
  // Core's Item is a read-only view of the SDK's attribute-value map: the same data, so the cast is safe.
  await dynamoDBClient.send(new PutItemCommand({ TableName: tableName, Item: encrypted as Record<string, SdkAttributeValue> }))

  const { Item: stored } = await dynamoDBClient.send(new GetItemCommand({ TableName: tableName, Key: key as Record<string, SdkAttributeValue>, ConsistentRead: true }))
  if (stored === undefined) throw new Error(`The item was not found in table "${tableName}"`)
  const decryptedItem = await decryptItem(stored as Item, config)
  return { plaintextItem, storedItem: stored as Item, decryptedItem }
}
