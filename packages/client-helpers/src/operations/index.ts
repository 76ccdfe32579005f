/**
 * The operations the encrypted clients handle, by DynamoDB operation name. Adding an operation means adding its
 * module here; any other command goes to the policy's `checkUnknownCommand`.
 */
import { batchGetItem } from './batch-get-item'
import { batchWriteItem } from './batch-write-item'
import { deleteItem } from './delete-item'
import { getItem } from './get-item'
import type { AnyOperation } from './operation'
import { putItem } from './put-item'
import { query } from './query'
import { scan } from './scan'
import { transactGetItems } from './transact-get-items'
import { transactWriteItems } from './transact-write-items'
import { updateItem } from './update-item'

export const OPERATIONS: ReadonlyMap<string, AnyOperation> = new Map<string, AnyOperation>(
  [putItem, getItem, deleteItem, updateItem, query, scan, batchGetItem, batchWriteItem, transactWriteItems, transactGetItems]
    .map((op: AnyOperation) => [op.name, op]),
)
