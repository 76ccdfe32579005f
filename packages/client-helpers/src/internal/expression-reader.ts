/**
 * The small interface through which the policy reads expressions: which attributes a condition reads, which an
 * update writes, which paths a projection names. Today backed by the tokenizer in `expression.ts`; a full
 * expression engine can replace it without touching the policy.
 */
import {
  conditionAttributeUses,
  namePlaceholders,
  projectionPaths,
  updateExpressionAttributes,
  type AttributeUse,
  type DocumentPath,
  type UpdateAttributes,
} from './expression'

export type { AttributeUse, DocumentPath, UpdateAttributes }

/** */
export interface ExpressionReader {
  /** Top-level attributes a condition, filter or key condition expression reads. */
  conditionUses(expression: string, names: Readonly<Record<string, string>> | undefined, what: string): readonly AttributeUse[]
  /** Attributes an update expression writes (top level) and reads. */
  updateAttributes(expression: string, names: Readonly<Record<string, string>> | undefined): UpdateAttributes
  /** Document paths of a projection expression. */
  projectionPaths(expression: string, names: Readonly<Record<string, string>> | undefined): DocumentPath[]
  /** The `#name` placeholders an expression uses. */
  placeholders(expression: string | undefined): string[]
}

/** */
export const expressionReader: ExpressionReader = Object.freeze({
  conditionUses: conditionAttributeUses,
  updateAttributes: updateExpressionAttributes,
  projectionPaths,
  placeholders: namePlaceholders,
})
