/**
 * @ddb-encryption/client-helpers: drop-in encrypted DynamoDB clients (low-level and document), EncryptedTable and
 * TableInfo, on top of @ddb-encryption/core.
 */
export {
  EncryptedDynamoDBClient,
  type EncryptedClientOptions,
  type TableEncryptionOptions,
  type BatchWriteRetryOptions,
  type CommandLike,
  type DynamoDBClientLike,
  type DecryptFailureReport,
} from './encrypted-dynamodb-client'
export {
  EncryptedDynamoDBDocumentClient,
  type EncryptedDocumentClientOptions,
  type DocumentDecryptFailureReport,
} from './encrypted-dynamodb-document-client'
export {
  EncryptedTable,
  type EncryptedTableOptions,
  type EncryptedTablePage,
  type BatchWriteResult,
  type NativeItem,
} from './encrypted-table'
export {
  TableInfo,
  type TableInfoOptions,
  type KeyAttribute,
  type IndexInfo,
  type TableDescriptionLike,
  type DescribeTableClient,
  type TableEncryptionContext,
} from './table-info'
export { ItemDecryptionError, type FailedItem } from './item-decryption-error'
export { mapWithConcurrency } from './map-with-concurrency'
