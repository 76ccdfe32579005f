/**
 * @ddb-encryption/client-helpers: encrypted DynamoDB clients (low-level and document) as SDK v3 middleware,
 * EncryptedTable and TableInfo, on top of @ddb-encryption/core.
 */
export {
  EncryptedDynamoDBClient,
  type CommandLike,
  type DynamoDBClientLike,
  type EncryptedClientMethods,
  type EncryptedSend,
  type SendOptions,
} from './encrypted-dynamodb-client'
export {
  EncryptedDynamoDBDocumentClient,
  type EncryptedDynamoDBDocumentClientOptions,
  type EncryptedDocumentClientMethods,
  type DocumentDecryptFailureReport,
} from './encrypted-dynamodb-document-client'
export {
  EncryptedTable,
  type EncryptedTableOptions,
  type EncryptedTablePage,
  type EncryptedTablePutOptions,
  type EncryptedTableGetOptions,
  type EncryptedTableUpdateInput,
  type EncryptedTableDeleteOptions,
  type EncryptedTableTransactWriteOptions,
  type EncryptedTableBatchWriteInput,
  type EncryptedTableTransactItem,
  type BatchWriteResult,
  type NativeItem,
} from './encrypted-table'
export type {
  EncryptedDynamoDBClientOptions,
  TableEncryptionOptions,
  BatchWriteRetryOptions,
  UpdateRetryOptions,
  ForwardedCryptoOptions,
  EncryptorPoolUseOptions,
} from './settings'
export {
  TableInfo,
  type TableInfoOptions,
  type KeyAttribute,
  type IndexInfo,
  type TableDescriptionLike,
  type DescribeTableClient,
  type IndexDescriptionLike,
  type TableInfoDescribeOptions,
} from './table-info'
export {
  ItemDecryptionError,
  type ItemDecryptionFailure,
  type FailedItem,
  type DecryptFailureReport,
} from './item-decryption-error'
export {
  DynamoDBStreamDecryptor,
  type DynamoDBStreamDecryptorOptions,
  type StreamRecordLike,
  type FailedStreamRecord,
} from './dynamodb-streams'
export { MAX_ITEM_BYTES } from './policy'
