import { createDecryptionMaterials, createEncryptionMaterials, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider, type KMSClientLike } from '@ddb-encryption/providers-kms'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { delegatedKey, type BenchKeys } from './bench-keys'

/** Static AES-128 / HMAC-SHA256 materials (same keys on both sides). */
export function staticProvider(keys: BenchKeys): CryptographicMaterialsProvider {
  const encryptionKey = delegatedKey(keys.staticAes)
  const signingKey = delegatedKey(keys.hmac)
  return new StaticMaterialsProvider({
    encryptionMaterials: createEncryptionMaterials({ encryptionKey, signingKey, materialDescription: {} }),
    decryptionMaterials: createDecryptionMaterials({ decryptionKey: encryptionKey, verificationKey: signingKey, materialDescription: {} }),
  })
}

/** Wrapped provider: a new AES-256 content key per item, wrapped with AESWrap under an AES-256 key; HMAC-SHA256. */
export function wrappedAesProvider(keys: BenchKeys): WrappedMaterialsProvider {
  const wrappingKey = delegatedKey(keys.wrappingAes)
  return new WrappedMaterialsProvider({ wrappingKey, unwrappingKey: wrappingKey, signingKey: delegatedKey(keys.hmac) })
}

/** Wrapped provider: content key wrapped with RSA-2048 OAEP (SHA-256), items signed with SHA256withRSA. */
export function wrappedRsaProvider(keys: BenchKeys): WrappedMaterialsProvider {
  return new WrappedMaterialsProvider({
    wrappingKey: delegatedKey(keys.rsaWrapPublic),
    unwrappingKey: delegatedKey(keys.rsaWrapPrivate),
    signingKey: delegatedKey(keys.rsaSignPrivate),
  })
}

/** Direct KMS provider on the given (counted) client. */
export function directKmsProvider(keyArn: string, kmsClient: KMSClientLike): DirectKMSMaterialsProvider {
  return new DirectKMSMaterialsProvider({ keyId: keyArn, kmsClient })
}

/** MostRecentProvider (ttl 60 s) over a MetaStore protected by the wrapped AES provider. */
export function mostRecentProvider(
  keys: BenchKeys,
  storeClient: Pick<DynamoDBClient, 'send'>,
  metaTableName: string,
  materialName: string,
): MostRecentProvider {
  const store = new MetaStore({ client: storeClient, tableName: metaTableName, materialsProvider: wrappedAesProvider(keys) })
  return new MostRecentProvider({ store, materialName, ttlMs: 60_000 })
}
