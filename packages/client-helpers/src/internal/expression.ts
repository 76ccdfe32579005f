/**
 * A small reader for DynamoDB expressions (condition, key condition, filter, update and projection expressions).
 * It only needs to find which attributes an expression reads or writes, so it tokenizes, resolves `#name`
 * placeholders and walks document paths; DynamoDB itself still validates the full grammar.
 * @internal
 */
import { InvalidArgumentError } from '@ddb-encryption/core'
import { hasOwn } from './own-property'

/** One step of a document path: an attribute/map key name or a list index. */
export type PathElement = { readonly name: string } | { readonly index: number }
/** A resolved document path, e.g. `a.b[2]` = [{name:'a'},{name:'b'},{index:2}]. */
export type DocumentPath = readonly PathElement[]

/** How an expression uses an attribute. */
export interface AttributeUse {
  /** Top-level attribute name (placeholders resolved). */
  readonly attribute: string
  /** True when the only use is `attribute_exists` / `attribute_not_exists`, which does not look at the value. */
  readonly existenceOnly: boolean
}

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'placeholder'; text: string }
  | { kind: 'value'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: string }

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE'])
const EXISTENCE_FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists'])

function tokenize(expression: string, what: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < expression.length) {
    const c = expression[i] as string
    if (/\s/.test(c)) { i++; continue }
    const rest = expression.slice(i)
    let m: RegExpMatchArray | null
    if ((m = rest.match(/^#[A-Za-z0-9_]+/))) tokens.push({ kind: 'placeholder', text: m[0] })
    else if ((m = rest.match(/^:[A-Za-z0-9_]+/))) tokens.push({ kind: 'value', text: m[0] })
    else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) tokens.push({ kind: 'name', text: m[0] })
    else if ((m = rest.match(/^[0-9]+/))) tokens.push({ kind: 'number', text: m[0] })
    else if ((m = rest.match(/^(<>|<=|>=|[.[\](),=<>+-])/))) tokens.push({ kind: 'punct', text: m[0] })
    else throw new InvalidArgumentError(`${what} has an unexpected character at position ${i}; check its syntax`)
    i += (m[0] as string).length
  }
  return tokens
}

function resolveName(token: Token, names: Readonly<Record<string, string>> | undefined, what: string): string {
  if (token.kind === 'placeholder') {
    // Own properties only: "#constructor" must not resolve to Object.prototype.constructor.
    const resolved = names !== undefined && names !== null && hasOwn(names, token.text) ? names[token.text] : undefined
    if (typeof resolved !== 'string') {
      throw new InvalidArgumentError(`${what} uses ${token.text}, which is not in ExpressionAttributeNames; add it`)
    }
    return resolved
  }
  return token.text
}

/** Reads a path starting at tokens[start]; returns the path and the index after it. */
function readPath(tokens: Token[], start: number, names: Readonly<Record<string, string>> | undefined, what: string): [DocumentPath, number] {
  const first = tokens[start]
  if (first === undefined || (first.kind !== 'name' && first.kind !== 'placeholder')) {
    throw new InvalidArgumentError(`${what} is missing an attribute name where one is expected; check its syntax`)
  }
  const path: PathElement[] = [{ name: resolveName(first, names, what) }]
  let i = start + 1
  for (;;) {
    const t = tokens[i]
    if (t?.kind === 'punct' && t.text === '.') {
      const n = tokens[i + 1]
      if (n === undefined || (n.kind !== 'name' && n.kind !== 'placeholder')) {
        throw new InvalidArgumentError(`${what} has a "." not followed by a name; check its syntax`)
      }
      path.push({ name: resolveName(n, names, what) })
      i += 2
    } else if (t?.kind === 'punct' && t.text === '[') {
      const n = tokens[i + 1]
      const close = tokens[i + 2]
      if (n?.kind !== 'number' || close?.kind !== 'punct' || close.text !== ']') {
        throw new InvalidArgumentError(`${what} has a list index that is not a number; check its syntax`)
      }
      path.push({ index: Number(n.text) })
      i += 3
    } else {
      return [path, i]
    }
  }
}

function isPathStart(tokens: Token[], i: number): boolean {
  const t = tokens[i]
  if (t === undefined) return false
  if (t.kind === 'placeholder') return true
  if (t.kind !== 'name') return false
  if (KEYWORDS.has(t.text.toUpperCase())) return false
  const next = tokens[i + 1]
  return !(next?.kind === 'punct' && next.text === '(') // a function name
}

/** Every document path read by a condition / filter / key condition expression (or by a slice of tokens). */
function usesInTokens(tokens: Token[], names: Readonly<Record<string, string>> | undefined, what: string): AttributeUse[] {
  const uses: AttributeUse[] = []
  for (let i = 0; i < tokens.length;) {
    if (isPathStart(tokens, i)) {
      const prev = tokens[i - 1]
      const fn = tokens[i - 2]
      const existenceOnly = prev?.kind === 'punct' && prev.text === '(' && fn?.kind === 'name' && EXISTENCE_FUNCTIONS.has(fn.text)
      const [path, end] = readPath(tokens, i, names, what)
      uses.push({ attribute: (path[0] as { name: string }).name, existenceOnly })
      i = end
    } else {
      i++
    }
  }
  return uses
}

/**
 * Top-level attributes read by a condition, filter or key condition expression.
 * @throws {InvalidArgumentError} for an unknown `#name` placeholder or malformed path.
 */
export function conditionAttributeUses(expression: string, names: Readonly<Record<string, string>> | undefined, what: string): AttributeUse[] {
  return usesInTokens(tokenize(expression, what), names, what)
}

/** Attributes an update expression writes (targets) and reads (operands). */
export interface UpdateAttributes {
  readonly targets: readonly string[]
  readonly reads: readonly AttributeUse[]
}

function splitTopLevel(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [[]]
  let depth = 0
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++
    if (t.kind === 'punct' && t.text === ')') depth--
    if (depth === 0 && t.kind === 'punct' && t.text === separator) parts.push([])
    else (parts[parts.length - 1] as Token[]).push(t)
  }
  return parts.filter((p) => p.length > 0)
}

/**
 * Targets (top-level attribute names) and reads of an update expression's SET / REMOVE / ADD / DELETE clauses.
 * A nested path counts as its top-level attribute.
 * @throws {InvalidArgumentError} for an unknown placeholder or a malformed expression.
 */
export function updateExpressionAttributes(expression: string, names: Readonly<Record<string, string>> | undefined): UpdateAttributes {
  const what = 'UpdateExpression'
  const tokens = tokenize(expression, what)
  const targets: string[] = []
  const reads: AttributeUse[] = []
  let clause: string | undefined
  let current: Token[] = []
  const flush = (): void => {
    if (clause === undefined) {
      if (current.length > 0) throw new InvalidArgumentError(`${what} must start with SET, REMOVE, ADD or DELETE`)
      return
    }
    for (const action of splitTopLevel(current, ',')) {
      const [path, end] = readPath(action, 0, names, what)
      targets.push((path[0] as { name: string }).name)
      let operands = action.slice(end)
      if (clause === 'SET') {
        const eq = operands[0]
        if (eq?.kind !== 'punct' || eq.text !== '=') throw new InvalidArgumentError(`${what}: a SET action needs "path = value"`)
        operands = operands.slice(1)
      }
      reads.push(...usesInTokens(operands, names, what))
    }
    current = []
  }
  for (const t of tokens) {
    const upper = t.kind === 'name' ? t.text.toUpperCase() : ''
    if (upper === 'SET' || upper === 'REMOVE' || upper === 'ADD' || upper === 'DELETE') {
      flush()
      clause = upper
    } else {
      current.push(t)
    }
  }
  flush()
  return { targets, reads }
}

/**
 * The document paths of a projection expression, placeholders resolved.
 * @throws {InvalidArgumentError} for an unknown placeholder or a malformed path.
 */
export function projectionPaths(expression: string, names: Readonly<Record<string, string>> | undefined): DocumentPath[] {
  const what = 'ProjectionExpression'
  return splitTopLevel(tokenize(expression, what), ',').map((part) => {
    const [path, end] = readPath(part, 0, names, what)
    if (end !== part.length) throw new InvalidArgumentError(`${what} has something other than a path between commas; check its syntax`)
    return path
  })
}

/** The `#name` placeholders an expression uses (to drop those that only a removed projection used). */
export function namePlaceholders(expression: string | undefined): string[] {
  if (expression === undefined) return []
  return tokenize(expression, 'expression').filter((t) => t.kind === 'placeholder').map((t) => t.text)
}
