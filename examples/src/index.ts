/**
 * @ddb-encryption/examples: runnable examples, one exported async function per scenario, each tested in
 * `test/examples.test.ts` against DynamoDB Local (and moto for KMS). `demo.ts` is the end-to-end demo.
 */
export { kmsEncryptedClient, type KMSEncryptedClientOptions, type KMSEncryptedClientResult, type SdkItem } from './kms-encrypted-client'
export {
  kmsEncryptedDocumentClient,
  type KMSEncryptedDocumentClientOptions,
  type KMSEncryptedDocumentClientResult,
} from './kms-encrypted-document-client'
export {
  libDynamoDBComposition,
  type LibDynamoDBCompositionOptions,
  type LibDynamoDBCompositionResult,
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
export { createStreamHandler, type StreamHandlerOptions, type DecryptedChange } from './stream-handler'
