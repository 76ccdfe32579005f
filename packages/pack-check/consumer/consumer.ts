// TypeScript consumer (module node16, CommonJS): the main API of every package, type-checked against the installed
// packages' .d.ts files. Compiled with --noEmit only; consumer.cjs runs the same calls.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import {
  AttributeActions,
  CryptoAction,
  DynamoDBEncryptionError,
  LocalDelegatedKey,
  decryptDocument,
  decryptItem,
  decryptItemInWindow,
  encryptDocument,
  encryptItem,
  type AttributeValue,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type EncryptionContext,
  type ErrorCode,
  type Item,
  type WindowReadResult,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider, type WrappedMaterialsProviderOptions } from '@ddb-encryption/providers-wrapped'
import { DirectKMSMaterialsProvider, type DirectKMSMaterialsProviderOptions } from '@ddb-encryption/providers-kms'
import { MetaStore, MostRecentProvider, type ProviderStore } from '@ddb-encryption/store-meta'
import {
  EncryptedDynamoDBClient,
  EncryptedDynamoDBDocumentClient,
  EncryptedTable,
  TableInfo,
  type EncryptedDynamoDBClientOptions,
} from '@ddb-encryption/client-helpers'
import { explainItem, type Explanation, type MigrationConfiguration } from '@ddb-encryption/migrate'

export async function main(): Promise<void> {
  const aes: DelegatedKey = LocalDelegatedKey.generate('AES', 256)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  const wrappedOptions: WrappedMaterialsProviderOptions = { wrappingKey: aes, unwrappingKey: aes, signingKey: hmac }
  const wrapped: CryptographicMaterialsProvider = new WrappedMaterialsProvider(wrappedOptions)
  const config: CryptoConfig = {
    materialsProvider: wrapped,
    encryptionContext: { tableName: 'users', partitionKeyName: 'id' },
    attributeActions: new AttributeActions({ attributeActions: { id: CryptoAction.SIGN_ONLY } }),
  }
  const value: AttributeValue = { S: 'a' }
  const item: Item = { id: value, n: { N: '1' }, b: { B: new Uint8Array(1) } }
  const stored: Item = await encryptItem(item, config)
  const back: Item = await decryptItem(stored, config)
  const doc = await decryptDocument(await encryptDocument({ id: 'x', age: 3 }, config), config)
  void back, doc

  const context: EncryptionContext = { tableName: 'users', attributes: item, materialDescription: {} }
  await wrapped.getEncryptionMaterials(context)
  void StaticMaterialsProvider

  const kmsOptions: DirectKMSMaterialsProviderOptions = { keyId: 'alias/app', kmsClient: new KMSClient({ region: 'us-east-1' }) }
  const kms: CryptographicMaterialsProvider = new DirectKMSMaterialsProvider(kmsOptions)

  const ddb = new DynamoDBClient({ region: 'us-east-1' })
  const store: ProviderStore = new MetaStore({ client: ddb, tableName: 'meta', materialsProvider: kms })
  const mostRecent: CryptographicMaterialsProvider = new MostRecentProvider({ store, materialName: 'users', ttlMs: 60_000 })

  const options: EncryptedDynamoDBClientOptions = { materialsProvider: mostRecent }
  const client: DynamoDBClient = EncryptedDynamoDBClient.from(ddb, options)
  const docClient: DynamoDBDocumentClient = EncryptedDynamoDBDocumentClient.from(DynamoDBDocumentClient.from(ddb), options)
  const table = new EncryptedTable({ client: ddb, tableName: 'users', materialsProvider: kms })
  const info = new TableInfo({ tableName: 'users', partitionKey: { name: 'id', type: 'S' } })
  void client, docClient, table, info

  const read: WindowReadResult = await decryptItemInWindow(stored, config, { allowPlaintext: true, onRead: (event) => void event.outcome })
  const explanation: Explanation = await explainItem(stored, config, { maxChangedAttributes: 2 })
  const migration: MigrationConfiguration = { target: { materialsProvider: mostRecent, attributeActions: config.attributeActions }, previous: [{ name: 'old', materialsProvider: wrapped, attributeActions: config.attributeActions }] }
  void read, explanation, migration

  try {
    await decryptItem({ ...stored, n: { N: '2' } }, config)
  } catch (error) {
    if (DynamoDBEncryptionError.isInstance(error)) {
      const code: ErrorCode = error.code
      void code
    }
  }
}
