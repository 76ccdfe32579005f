/**
 * An UpdateItem request applied to a plaintext item the way DynamoDB applies it: condition first (on the stored
 * item, or on nothing for a new one), then the update, then the `ReturnValues` DynamoDB would return.
 * @internal
 */
import type { AttributeValue, Item } from '@ddb-encryption/core'
import type { ParsedExpressions } from './request'
import { evaluateCondition } from './evaluate'
import { ExpressionValidationError } from './errors'
import { applyUpdate, updatedAttributes } from './update'

export type ReturnValuesOption = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW'

/** The request's condition does not hold for the stored item (DynamoDB's ConditionalCheckFailedException). */
export class ConditionNotMet extends Error {
  constructor(readonly item: Item | undefined) {
    super('The conditional request failed')
    this.name = 'ConditionNotMet'
  }
}

export interface LocalUpdate {
  /** The item after the update (key attributes included). */
  readonly item: Item
  /** What DynamoDB returns as `Attributes` for the request's ReturnValues; undefined when it returns none. */
  readonly attributes: Record<string, AttributeValue> | undefined
}

/**
 * Applies a parsed UpdateItem request to `stored` (undefined when there is no item under `key`).
 * @throws {ConditionNotMet} when the ConditionExpression is false.
 * @throws {ExpressionValidationError} with DynamoDB's message for an update of a key attribute or an update that
 *   cannot be applied to this item.
 */
export function updateLocally(
  parsed: ParsedExpressions,
  stored: Item | undefined,
  key: Item,
  returnValues: ReturnValuesOption | undefined,
): LocalUpdate {
  // UpdateItem without an UpdateExpression only makes sure the item exists.
  const update = parsed.update ?? { actions: [] }
  for (const action of update.actions) {
    const name = (action.path[0] as { name: string }).name
    if (Object.hasOwn(key, name)) {
      throw new ExpressionValidationError(`One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`)
    }
  }
  if (parsed.condition !== undefined && !evaluateCondition(parsed.condition, stored)) throw new ConditionNotMet(stored)
  const item = applyUpdate(update, stored ?? key)
  const nonEmpty = (a: Record<string, AttributeValue>): Record<string, AttributeValue> | undefined => (Object.keys(a).length > 0 ? a : undefined)
  let attributes: Record<string, AttributeValue> | undefined
  switch (returnValues ?? 'NONE') {
    case 'ALL_NEW': attributes = { ...item }; break
    case 'ALL_OLD': attributes = stored === undefined ? undefined : { ...stored }; break
    case 'UPDATED_NEW': attributes = nonEmpty(updatedAttributes(update, item)); break
    case 'UPDATED_OLD': attributes = stored === undefined ? undefined : nonEmpty(updatedAttributes(update, stored)); break
    default: attributes = undefined
  }
  return { item, attributes }
}
