/**
 * The parsed form of DynamoDB expressions. Placeholders are already resolved: paths hold real attribute names and
 * value operands hold the attribute value (and the placeholder it came from).
 */
import type { AttributeValue } from '@ddb-encryption/core'

/** One step of a document path: an attribute or map key name, or a list index. */
export type PathElement = { readonly name: string } | { readonly index: number }
/** A resolved document path, e.g. `a.b[2]` = `[{ name: 'a' }, { name: 'b' }, { index: 2 }]`. */
export type DocumentPath = readonly PathElement[]

/** A document path operand: the value at the path, or nothing when the item has none there. */
export type PathOperand = { readonly kind: 'path'; readonly path: DocumentPath }
/** A value from ExpressionAttributeValues (and the placeholder it came from). */
export type ValueOperand = { readonly kind: 'value'; readonly placeholder: string; readonly value: AttributeValue }

/**
 * An operand of a condition, filter or key condition: a path, a value or `size()`. The parser gives conditions only
 * these, so the evaluator has no update operand to refuse.
 */
export type ConditionOperand =
  | PathOperand
  | ValueOperand
  | { readonly kind: 'size'; readonly operand: ConditionOperand }

/** The right-hand side of a SET action: a path, a value, `if_not_exists`, `list_append`, `+` or `-` (no `size()`). */
export type UpdateOperand =
  | PathOperand
  | ValueOperand
  | { readonly kind: 'if_not_exists'; readonly path: DocumentPath; readonly fallback: UpdateOperand }
  | { readonly kind: 'list_append'; readonly first: UpdateOperand; readonly second: UpdateOperand }
  | { readonly kind: '+' | '-'; readonly left: UpdateOperand; readonly right: UpdateOperand }

/** Something that evaluates to a value (or to nothing, for a path that is not in the item). */
export type Operand = ConditionOperand | UpdateOperand

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>='

/** A condition, filter or key condition expression. */
export type Condition =
  | { readonly kind: 'compare'; readonly comparator: Comparator; readonly left: ConditionOperand; readonly right: ConditionOperand }
  | { readonly kind: 'between'; readonly operand: ConditionOperand; readonly lower: ConditionOperand; readonly upper: ConditionOperand }
  | { readonly kind: 'in'; readonly operand: ConditionOperand; readonly candidates: readonly ConditionOperand[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly path: DocumentPath }
  | { readonly kind: 'attribute_type'; readonly operand: ConditionOperand; readonly type: string }
  | { readonly kind: 'begins_with' | 'contains'; readonly first: ConditionOperand; readonly second: ConditionOperand }

/** One action of an update expression. */
export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: DocumentPath; readonly value: UpdateOperand }
  | { readonly kind: 'REMOVE'; readonly path: DocumentPath }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: DocumentPath; readonly value: AttributeValue }

/** A parsed update expression: its actions in the order written. */
export interface UpdateExpression {
  readonly actions: readonly UpdateAction[]
}
