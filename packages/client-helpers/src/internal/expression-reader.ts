/**
 * The interface through which the policy reads expressions: which attributes a condition reads, which an update
 * writes, which paths a projection names. Backed by the expression engine's parser (src/expression), the same one
 * that evaluates expressions on the client.
 * @internal
 */
import {
  conditionUses,
  namePlaceholders,
  projectionPathsOf,
  updateUses,
  type AttributeUse,
  type DocumentPath,
  type ExpressionKind,
  type UpdateAttributes,
} from '../expression'

export type { AttributeUse, DocumentPath, UpdateAttributes }

/** @internal */
export interface ExpressionReader {
  /** Top-level attributes a condition, filter or key condition expression reads. */
  conditionUses(expression: string, names: Readonly<Record<string, string>> | undefined, what: string): readonly AttributeUse[]
  /** Attributes an update expression writes (top level) and reads. */
  updateAttributes(expression: string, names: Readonly<Record<string, string>> | undefined): UpdateAttributes
  /** Document paths of a projection expression. */
  projectionPaths(expression: string, names: Readonly<Record<string, string>> | undefined): DocumentPath[]
  /** The `#name` placeholders a condition / filter / key condition expression uses. */
  placeholders(expression: string | undefined): string[]
}

/** @internal */
export const expressionReader: ExpressionReader = Object.freeze({
  conditionUses: (expression: string, names: Readonly<Record<string, string>> | undefined, what: string) =>
    conditionUses(expression, names, what as ExpressionKind),
  updateAttributes: updateUses,
  projectionPaths: projectionPathsOf,
  placeholders: (expression: string | undefined) => namePlaceholders(expression, 'ConditionExpression'),
})
