/**
 * @ddb-encryption/core: client-side encryption and signing of DynamoDB items, byte-compatible with the Python
 * (`dynamodb-encryption-sdk`) and Java (`aws-dynamodb-encryption-java`) DynamoDB Encryption Clients.
 */
export type { AttributeValue, Item } from './attribute-value'
export { CryptoAction, cryptoActionName } from './crypto-action'
export { AttributeActions, type AttributeActionsOptions } from './attribute-actions'
export { type EncryptionContext, type TableEncryptionContext, checkEncryptionContext } from './encryption-context'
export * from './errors'
export * from './wire'
export { parseAlgorithmSpec, type AlgorithmSpec } from './algorithm-spec'
export {
  invalidOption,
  optionsObject,
  stringOption,
  booleanOption,
  positiveIntegerOption,
  durationOption,
  oneOfOption,
  functionOption,
  methodsOption,
  type DurationOptions,
} from './options'

export type { DelegatedKey, KeyType, KeyEncoding } from './materials/delegated-key'
export {
  type EncryptionMaterials,
  type DecryptionMaterials,
  createEncryptionMaterials,
  createDecryptionMaterials,
  /** For our own providers' per-item materials; not a stable API. */
  adoptEncryptionMaterials,
  adoptDecryptionMaterials,
} from './materials/cryptographic-materials'
export type { CryptographicMaterialsProvider } from './materials/cryptographic-materials-provider'
/** For our own providers' batch preparation (decryptItems); not a stable API. */
export { PREPARE_DECRYPTION, type PreparesDecryption } from './materials/cryptographic-materials-provider'

export { normalizeNumber } from './serialize/number'
export { serializeAttribute, deserializeAttribute } from './serialize/attribute'
export { serializeMaterialDescription, deserializeMaterialDescription } from './serialize/material-description'
export { stringToSign } from './serialize/string-to-sign'
export type { SerializeOptions, WriteMode } from './serialize/serialize-options'

export { LocalDelegatedKey, type LocalDelegatedKeyOptions } from './crypto/local-delegated-key'
/** For `@ddb-encryption/providers-wrapped`'s per-item content keys (new and unwrapped); not a stable API. */
export { wrapNewContentKey, unwrapContentKey, unwrapContentKeys, type NewWrappedKey } from './crypto/key-operations'
export { randomKeyBytes } from './crypto/random'
export { hkdfSha256 } from './crypto/hkdf'

export { encryptItem } from './encryptor/encrypt-item'
export { decryptItem } from './encryptor/decrypt-item'
export type { CryptoConfig, CryptoOptions } from './encryptor/crypto-config'
export { checkCryptoOptions } from './encryptor/crypto-config'
export {
  decryptItemInWindow,
  isPlaintextItem,
  type MigrationWindowOptions,
  type ReadConfiguration,
  type WindowReadEvent,
  type WindowReadOutcome,
  type WindowReadResult,
} from './encryptor/migration-window'
/** Building blocks of the migration window for `@ddb-encryption/migrate`; not a stable API. */
export { readInWindow, isMismatch, configFor, configurationName } from './encryptor/migration-window'
export {
  encryptDocument,
  decryptDocument,
  type DocumentOptions,
  type DocumentMarshallOptions,
  type DocumentUnmarshallOptions,
  type NativeDocument,
} from './encryptor/document-encryptor'
export { withUserAgent, USER_AGENT_NAME } from './user-agent'
export { setOwn, hasOwn, getOwn, copyOwnRecord } from './own-property'
export { retry, backoffDelayMs, sleep, type RetryOptions, type BackoffOptions } from './retry'
export { mapWithConcurrency } from './map-with-concurrency'
export { toBase64, fromBase64 } from './crypto/base64'
export { encryptItems, decryptItems, type BatchOptions } from './batch/encrypt-items'
export { EncryptorPool, type EncryptorPoolOptions } from './batch/encryptor-pool'
export type { CryptoConfigFactory } from './batch/config-module'
