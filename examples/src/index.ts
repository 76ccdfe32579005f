/**
 * @ddb-encryption/examples: runnable examples, one exported async function per scenario, each tested in
 * `test/examples.test.ts` against DynamoDB Local (and moto for KMS). `demo.ts` is the end-to-end demo.
 */
export { kmsEncryptedClient, type KmsEncryptedClientOptions, type KmsEncryptedClientResult, type SdkItem } from './kms-encrypted-client'
export {
  kmsEncryptedDocumentClient,
  type KmsEncryptedDocumentClientOptions,
  type KmsEncryptedDocumentClientResult,
} from './kms-encrypted-document-client'
export {
  libDynamoDbComposition,
  type LibDynamoDbCompositionOptions,
  type LibDynamoDbCompositionResult,
} from './lib-dynamodb-composition'
export {
  mostRecentMetaStore,
  type MostRecentMetaStoreOptions,
  type MostRecentMetaStoreResult,
  type MetaStoreWrittenItem,
} from './most-recent-meta-store'
export { wrappedSymmetric, type WrappedSymmetricOptions, type WrappedSymmetricResult } from './wrapped-symmetric'
export { wrappedRsa, type WrappedRsaOptions, type WrappedRsaResult, type RsaKeyPairPem } from './wrapped-rsa'
export {
  customProvider,
  TenantKeyMaterialsProvider,
  TENANT_DESCRIPTION_KEY,
  type CustomProviderOptions,
  type CustomProviderResult,
  type TenantKeyMaterialsProviderOptions,
} from './custom-provider'
