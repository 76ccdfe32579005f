/**
 * Errors shaped as DynamoDB's own, for the checks the encrypted client makes in DynamoDB's place (conditions and
 * updates evaluated on the plaintext): the same classes and `name`s the SDK would throw, so callers' error handling
 * (`error.name === 'ConditionalCheckFailedException'`, `instanceof ConditionalCheckFailedException`) keeps working.
 */
import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb'
import type { Item } from '@ddb-encryption/core'
import { ExpressionValidationError } from './expression'

const METADATA = Object.freeze({})

/** DynamoDB's ConditionalCheckFailedException, with the stored item when the request asked for it (ALL_OLD). */
export function conditionalCheckFailed(item: Item | undefined): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { ...METADATA },
    ...(item !== undefined ? { Item: item } : {}),
  })
}

/** A `ValidationException` with DynamoDB's message for an expression the client rejected; `cause` is our typed error. */
export function validationException(error: ExpressionValidationError): DynamoDBServiceException {
  const exception = new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', $metadata: { ...METADATA }, message: error.message })
  Object.defineProperty(exception, 'cause', { value: error, enumerable: false, configurable: true, writable: true })
  return exception
}

/**
 * A `TransactionConflictException` (DynamoDB's name for "another request changed this item meanwhile"): a
 * read-modify-write update lost the race to other writers on every try.
 */
export function updateConflict(attempts: number): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'TransactionConflictException',
    $fault: 'client',
    $metadata: { ...METADATA },
    message: `The item was changed by other writers during each of ${attempts} read-modify-write attempts; retry the update ` +
      '(or raise updateRetry.maxAttempts)',
  })
}

/** True for a ConditionalCheckFailedException from DynamoDB (by name: another copy of the SDK has its own class). */
export function isConditionalCheckFailure(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'ConditionalCheckFailedException'
}
