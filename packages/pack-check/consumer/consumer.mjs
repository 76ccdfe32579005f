// ESM consumer: named imports from the CommonJS packages must work in Node (cjs-module-lexer sees every export).
import assert from 'node:assert/strict'
import {
  AttributeActions, CryptoAction, DynamoDBEncryptionError, LocalDelegatedKey, decryptItem, decryptItemInWindow, encryptItem,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { DirectKMSMaterialsProvider, kmsEncryptionContextFor } from '@ddb-encryption/providers-kms'
import { MetaStore, MostRecentProvider, versionFromMaterialDescription } from '@ddb-encryption/store-meta'
import {
  EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable, ItemDecryptionError, TableInfo,
} from '@ddb-encryption/client-helpers'
import { encryptTable, explainItem } from '@ddb-encryption/migrate'

for (const value of [
  StaticMaterialsProvider, DirectKMSMaterialsProvider, kmsEncryptionContextFor, MetaStore, MostRecentProvider,
  versionFromMaterialDescription, EncryptedDynamoDBClient, EncryptedDynamoDBDocumentClient, EncryptedTable,
  ItemDecryptionError, TableInfo, decryptItemInWindow, encryptTable, explainItem,
]) {
  assert.equal(typeof value, 'function')
}

for (const specifier of ['@ddb-encryption/core/dist/serialize/attribute.js', '@ddb-encryption/store-meta/dist/index.js']) {
  await assert.rejects(import(specifier), (error) => error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    `deep import ${specifier} was not refused`)
}

const aes = LocalDelegatedKey.generate('AES', 256)
const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
const config = {
  materialsProvider: new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: hmac }),
  encryptionContext: { tableName: 'pack-check', partitionKeyName: 'id' },
  attributeActions: new AttributeActions({ attributeActions: { id: CryptoAction.SIGN_ONLY } }),
}
const item = { id: { S: 'esm' }, secret: { B: new Uint8Array([1, 2, 3]) } }
assert.deepEqual(await decryptItem(await encryptItem(item, config), config), item)
assert.throws(() => new TableInfo({ tableName: '', partitionKey: { name: 'id' } }), DynamoDBEncryptionError)
console.log('consumer.mjs: ok')
