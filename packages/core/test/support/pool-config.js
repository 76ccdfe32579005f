// Config module for the EncryptorPool tests (plain CommonJS: worker threads load it without ts-jest). Builds a
// static AES-128 / HMAC-SHA256 config from key bytes passed as `data`; each thread builds its own keys.
const { threadId } = require('node:worker_threads')
const {
  AttributeActions,
  CryptoAction,
  LocalDelegatedKey,
  SignatureVerificationError,
  createDecryptionMaterials,
  createEncryptionMaterials,
} = require('@ddb-encryption/core')

exports.createCryptoConfig = (name, data) => {
  if (name === 'refused') throw new SignatureVerificationError('refused by the test config module')
  const encryptionKey = LocalDelegatedKey.fromBytes({ key: Buffer.from(data.aes, 'base64'), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
  const signingKey = LocalDelegatedKey.fromBytes({ key: Buffer.from(data.hmac, 'base64'), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  // The "threads" config records which thread encrypted each item, in its (unsigned) material description.
  const materialDescription = name === 'threads' ? { thread: String(threadId) } : {}
  const encryption = createEncryptionMaterials({ encryptionKey, signingKey, materialDescription })
  const decryption = createDecryptionMaterials({ decryptionKey: encryptionKey, verificationKey: signingKey, materialDescription })
  return {
    materialsProvider: {
      getEncryptionMaterials: async () => encryption,
      getDecryptionMaterials: async () => decryption,
      refresh: async () => undefined,
    },
    encryptionContext: { tableName: 'PoolTable', partitionKeyName: 'pk' },
    // The "mixed" config also has a signed-only and a plain (DO_NOTHING) attribute.
    attributeActions: new AttributeActions({
      attributeActions: name === 'mixed'
        ? { pk: CryptoAction.SIGN_ONLY, signed: CryptoAction.SIGN_ONLY, plain: CryptoAction.DO_NOTHING }
        : { pk: CryptoAction.SIGN_ONLY },
    }),
  }
}
