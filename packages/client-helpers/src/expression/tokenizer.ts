/**
 * Splits a DynamoDB expression into tokens. Names start with a letter; `#name` and `:value` placeholders take
 * letters, digits and `_`; list indexes are `0` or a digit 1-9 followed by digits (so `01` is two tokens, which the
 * parser then rejects, as DynamoDB does).
 * @internal
 */
import { ExpressionValidationError } from './errors'

export type TokenKind = 'name' | 'namePlaceholder' | 'valuePlaceholder' | 'integer' | 'punct' | 'unknown' | 'eof'

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly start: number
  readonly end: number
}

const PATTERNS: readonly [TokenKind, RegExp][] = [
  ['name', /[A-Za-z][A-Za-z0-9_]*/y],
  ['namePlaceholder', /#[A-Za-z0-9_]+/y],
  ['valuePlaceholder', /:[A-Za-z0-9_]+/y],
  ['integer', /0|[1-9][0-9]*/y],
  ['punct', /<>|<=|>=|[()[\],.=<>+-]/y],
]
const WHITESPACE = /[ \t\r\n]+/y

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < expression.length) {
    WHITESPACE.lastIndex = i
    if (WHITESPACE.exec(expression) !== null) {
      i = WHITESPACE.lastIndex
      continue
    }
    let matched = false
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = i
      const m = pattern.exec(expression)
      if (m !== null) {
        tokens.push({ kind, text: m[0], start: i, end: i + m[0].length })
        i += m[0].length
        matched = true
        break
      }
    }
    if (!matched) {
      const end = i + ((expression.codePointAt(i) ?? 0) > 0xffff ? 2 : 1)
      tokens.push({ kind: 'unknown', text: expression.slice(i, end), start: i, end })
      i = end
    }
  }
  tokens.push({ kind: 'eof', text: '<EOF>', start: expression.length, end: expression.length })
  return tokens
}

/** DynamoDB's syntax error: the offending token and the text from the token before it to the token after it. */
export function syntaxError(what: string, expression: string, tokens: readonly Token[], index: number): ExpressionValidationError {
  const token = tokens[index] as Token
  const before = tokens[index - 1]
  const after = tokens[index + 1]
  const start = before?.start ?? 0
  const end = after !== undefined && after.kind !== 'eof' ? after.end : token.end
  return new ExpressionValidationError(`Invalid ${what}: Syntax error; token: "${token.text}", near: "${expression.slice(start, end)}"`)
}
