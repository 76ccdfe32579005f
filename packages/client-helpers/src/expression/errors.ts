import { InvalidArgumentError } from '@ddb-encryption/core'

/**
 * An expression or its ExpressionAttributeNames / ExpressionAttributeValues is invalid, or an update cannot be
 * applied to the item: what DynamoDB answers with a `ValidationException`. The message is DynamoDB's, except that it
 * never repeats attribute values (DynamoDB's BETWEEN messages do).
 */
export class ExpressionValidationError extends InvalidArgumentError {
  /** The error name DynamoDB uses for the same failure. */
  readonly dynamoDBErrorName = 'ValidationException'
}
