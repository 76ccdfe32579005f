/**
 * @ddb-encryption/providers-kms: the Direct AWS KMS cryptographic materials provider (one KMS data key per item),
 * byte-compatible with the Python and Java DynamoDB Encryption Clients.
 */
export {
  DirectKMSMaterialsProvider,
  type DirectKMSMaterialsProviderOptions,
  type KMSClientLike,
} from './direct-kms-materials-provider'
export { kmsEncryptionContextFor, type KMSContextSource } from './kms-encryption-context'
