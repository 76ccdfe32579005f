/**
 * @ddb-encryption/providers-kms: the Direct AWS KMS cryptographic materials provider (one KMS data key per item),
 * byte-compatible with the Python and Java DynamoDB Encryption Clients.
 */
export {
  DirectKmsMaterialsProvider,
  type DirectKmsMaterialsProviderOptions,
  type KmsClientLike,
} from './direct-kms-materials-provider'
export { kmsEncryptionContextFor, type KmsContextSource } from './kms-encryption-context'
