import {
  createDecryptionMaterials,
  createEncryptionMaterials,
  LocalDelegatedKey,
  type CryptographicMaterialsProvider,
  type EncryptionContext,
} from '@ddb-encryption/core'

/** A static AES-256 + HmacSHA256 provider that records the contexts it was asked for. */
export function createTestProvider(): CryptographicMaterialsProvider & { contexts: EncryptionContext[] } {
  const encryptionKey = LocalDelegatedKey.generate('AES', 256)
  const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
  const contexts: EncryptionContext[] = []
  return {
    contexts,
    async getEncryptionMaterials(context) {
      contexts.push(context)
      return createEncryptionMaterials({ materialDescription: {}, encryptionKey, signingKey })
    },
    async getDecryptionMaterials(context) {
      contexts.push(context)
      return createDecryptionMaterials({ materialDescription: context.materialDescription, decryptionKey: encryptionKey, verificationKey: signingKey })
    },
    async refresh() {},
  }
}
