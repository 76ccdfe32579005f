/**
 * The parsed form of DynamoDB expressions. Placeholders are already resolved: paths hold real attribute names and
 * value operands hold the attribute value (and the placeholder it came from).
 */
import type { AttributeValue } from '@ddb-encryption/core'

/** One step of a document path: an attribute or map key name, or a list index. */
export type PathElement = { readonly name: string } | { readonly index: number }
/** A resolved document path, e.g. `a.b[2]` = `[{ name: 'a' }, { name: 'b' }, { index: 2 }]`. */
export type DocumentPath = readonly PathElement[]

/** Something that evaluates to a value (or to nothing, for a path that is not in the item). */
export type Operand =
  | { readonly kind: 'path'; readonly path: DocumentPath }
  | { readonly kind: 'value'; readonly placeholder: string; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly operand: Operand }
  | { readonly kind: 'if_not_exists'; readonly path: DocumentPath; readonly fallback: Operand }
  | { readonly kind: 'list_append'; readonly first: Operand; readonly second: Operand }
  | { readonly kind: '+' | '-'; readonly left: Operand; readonly right: Operand }

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>='

/** A condition, filter or key condition expression. */
export type Condition =
  | { readonly kind: 'compare'; readonly comparator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly operand: Operand; readonly lower: Operand; readonly upper: Operand }
  | { readonly kind: 'in'; readonly operand: Operand; readonly candidates: readonly Operand[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly path: DocumentPath }
  | { readonly kind: 'attribute_type'; readonly operand: Operand; readonly type: string }
  | { readonly kind: 'begins_with' | 'contains'; readonly first: Operand; readonly second: Operand }

/** One action of an update expression. */
export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: DocumentPath; readonly value: Operand }
  | { readonly kind: 'REMOVE'; readonly path: DocumentPath }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: DocumentPath; readonly value: AttributeValue }

/** A parsed update expression: its actions in the order written. */
export interface UpdateExpression {
  readonly actions: readonly UpdateAction[]
}
