/**
 * The expression engine: one parser and evaluator for DynamoDB's update, condition, filter, key condition and
 * projection expressions, over low-level (plaintext) items. The encrypted clients use it to apply updates and
 * evaluate conditions and filters on decrypted items, and to find which attributes an expression reads or writes.
 * @internal
 */
export type { Comparator, Condition, ConditionOperand, DocumentPath, Operand, PathElement, UpdateAction, UpdateExpression, UpdateOperand } from './ast'
export { ExpressionValidationError } from './errors'
export {
  ExpressionAttributes,
  parseCondition,
  parseProjection,
  parseUpdate,
  describePath,
  conditionUses,
  updateUses,
  projectionPathsOf,
  namePlaceholders,
  type AttributeUse,
  type UpdateAttributes,
  type ExpressionKind,
} from './parser'
export { parseExpressions, attributeValueProblem, requestWithout, type ExpressionMember, type ExpressionRequest, type ParsedExpressions } from './request'
export { evaluateCondition, evaluateOperand, resolvePath } from './evaluate'
export { applyUpdate, updatedAttributes, updateTargets, UpdateProblem } from './update'
export { projectItem } from './projection'
export { isReservedWord, RESERVED_WORDS } from './reserved-words'
export { NumberProblem } from './decimal'
export { updateLocally, ConditionNotMet, type LocalUpdate, type ReturnValuesOption } from './update-request'
