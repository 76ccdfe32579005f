// Config module of the encryptorPool tests (plain CommonJS: core's EncryptorPool worker threads load it without
// ts-jest). `data` holds the key bytes and each table's key names and actions; every thread builds one provider per
// key set (memoized, so a client in the calling thread can be given the very provider its pool configs hold) and
// one config per table name. The name "stranger" builds a config with a provider of its own (a mismatch).
'use strict'
const { AttributeActions, LocalDelegatedKey, createDecryptionMaterials, createEncryptionMaterials } = require('@ddb-encryption/core')

const providers = new Map()

function staticProvider(data) {
  const encryptionKey = LocalDelegatedKey.fromBytes({ key: Buffer.from(data.aes, 'base64'), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
  const signingKey = LocalDelegatedKey.fromBytes({ key: Buffer.from(data.hmac, 'base64'), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  const encryption = createEncryptionMaterials({ encryptionKey, signingKey, materialDescription: {} })
  const decryption = createDecryptionMaterials({ decryptionKey: encryptionKey, verificationKey: signingKey, materialDescription: {} })
  return {
    getEncryptionMaterials: async () => encryption,
    getDecryptionMaterials: async () => decryption,
    refresh: async () => undefined,
  }
}

/** The provider of this key set in this thread (one per thread). */
function providerFor(data) {
  const key = `${data.aes}/${data.hmac}`
  if (!providers.has(key)) providers.set(key, staticProvider(data))
  return providers.get(key)
}

exports.createCryptoConfig = (name, data) => {
  const table = data.tables[name === 'stranger' ? 'users' : name]
  return {
    materialsProvider: name === 'stranger' ? staticProvider(data) : providerFor(data),
    encryptionContext: { tableName: name === 'stranger' ? 'users' : name, partitionKeyName: table.pk, ...(table.sk !== undefined ? { sortKeyName: table.sk } : {}) },
    attributeActions: new AttributeActions({ attributeActions: table.actions }),
  }
}
