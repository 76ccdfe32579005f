/**
 * Recursive-descent parser for DynamoDB's expression grammar: condition / filter / key condition expressions,
 * update expressions (SET, REMOVE, ADD, DELETE) and projection expressions. It resolves `#name` and `:value`
 * placeholders through {@link ExpressionAttributes} (which records which ones were used) and applies DynamoDB's
 * static checks: reserved words, function names and arity, operand types of literal values, overlapping paths.
 *
 * Precedence, loosest first: OR, AND, NOT, then one predicate (comparison, BETWEEN, IN or a function).
 * @internal
 */
import type { AttributeValue } from '@ddb-encryption/core'
import type { Comparator, Condition, ConditionOperand, DocumentPath, Operand, PathElement, UpdateAction, UpdateExpression, UpdateOperand } from './ast'
import { compareScalars, LONG_TYPE_NAMES, typeOf, ATTRIBUTE_TYPES, type AttributeType } from './attribute-values'
import { ExpressionValidationError } from './errors'
import { isReservedWord, KEYWORDS } from './reserved-words'
import { syntaxError, tokenize, type Token } from './tokenizer'

/** Which request parameter an expression came from; DynamoDB names it in its messages. */
export type ExpressionKind =
  | 'UpdateExpression'
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'ProjectionExpression'

/** Resolves placeholders of one request and remembers which ones its expressions used. */
export class ExpressionAttributes {
  readonly #names: Readonly<Record<string, string>>
  readonly #values: Readonly<Record<string, AttributeValue>>
  readonly usedNames = new Set<string>()
  readonly usedValues = new Set<string>()

  constructor(names?: Readonly<Record<string, string>>, values?: Readonly<Record<string, AttributeValue>>) {
    this.#names = names ?? {}
    this.#values = values ?? {}
  }

  name(placeholder: string, what: ExpressionKind): string {
    if (!Object.hasOwn(this.#names, placeholder)) {
      throw new ExpressionValidationError(
        `Invalid ${what}: An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
      )
    }
    this.usedNames.add(placeholder)
    return this.#names[placeholder] as string
  }

  value(placeholder: string, what: ExpressionKind): AttributeValue {
    if (!Object.hasOwn(this.#values, placeholder)) {
      throw new ExpressionValidationError(
        `Invalid ${what}: An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      )
    }
    this.usedValues.add(placeholder)
    return this.#values[placeholder] as AttributeValue
  }
}

const COMPARATORS = new Set<string>(['=', '<>', '<', '<=', '>', '>='])
const CONDITION_FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains'])
const UPDATE_FUNCTIONS = new Set(['if_not_exists', 'list_append'])
const ARITY: Readonly<Record<string, number>> = {
  attribute_exists: 1, attribute_not_exists: 1, attribute_type: 2, begins_with: 2, contains: 2, size: 1,
  if_not_exists: 2, list_append: 2,
}
const CLAUSES = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const
type Clause = (typeof CLAUSES)[number]

/** Largest list index DynamoDB accepts in a document path. */
const MAX_LIST_INDEX = 2 ** 31 - 1

// The parser first builds a raw tree (syntax only, placeholders resolved); `Checker` then turns it into the AST
// applying DynamoDB's static checks in DynamoDB's order: how functions are used, then overlapping update paths,
// then operand types. The order only matters for which message a request with several problems gets.
/** A path as written: names, `#name` placeholders (resolved later) and indexes. */
type RawPathElement = { readonly name: string } | { readonly placeholder: string } | { readonly index: number }
type RawPath = readonly RawPathElement[]

type RawOperand =
  | { readonly kind: 'path'; readonly path: RawPath }
  | { readonly kind: 'value'; readonly placeholder: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly RawOperand[] }
  | { readonly kind: '+' | '-'; readonly left: RawOperand; readonly right: RawOperand }

type RawCondition =
  | { readonly kind: 'compare'; readonly comparator: Comparator; readonly left: RawOperand; readonly right: RawOperand }
  | { readonly kind: 'between'; readonly operand: RawOperand; readonly lower: RawOperand; readonly upper: RawOperand }
  | { readonly kind: 'in'; readonly operand: RawOperand; readonly candidates: readonly RawOperand[] }
  | { readonly kind: 'and' | 'or'; readonly left: RawCondition; readonly right: RawCondition }
  | { readonly kind: 'not'; readonly condition: RawCondition }
  | { readonly kind: 'call'; readonly call: RawOperand & { kind: 'call' } }
  | { readonly kind: 'operand'; readonly operand: RawOperand }
  | { readonly kind: 'group'; readonly condition: RawCondition }

type RawAction =
  | { readonly kind: 'SET'; readonly path: RawPath; readonly value: RawOperand }
  | { readonly kind: 'REMOVE'; readonly path: RawPath }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: RawPath; readonly value: string }

class SyntaxFailure extends Error {
  constructor(readonly position: number, readonly error: ExpressionValidationError) {
    super(error.message)
  }
}

class Parser {
  #pos = 0
  readonly #tokens: readonly Token[]

  constructor(
    readonly expression: string,
    readonly what: ExpressionKind,
  ) {
    this.#tokens = tokenize(expression)
  }

  peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#pos + offset, this.#tokens.length - 1)] as Token
  }

  next(): Token {
    const t = this.peek()
    if (this.#pos < this.#tokens.length - 1) this.#pos++
    return t
  }

  isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset)
    return t.kind === 'punct' && t.text === text
  }

  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset)
    return t.kind === 'name' && t.text.toUpperCase() === word
  }

  fail(): never {
    throw new SyntaxFailure(this.#pos, syntaxError(this.what, this.expression, this.#tokens, this.#pos))
  }

  expectPunct(text: string): void {
    if (!this.isPunct(text)) this.fail()
    this.next()
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') this.fail()
  }

  error(message: string): ExpressionValidationError {
    return new ExpressionValidationError(`Invalid ${this.what}: ${message}`)
  }

  /** Runs `parse`; on a syntax error rewinds and returns it instead (for the one ambiguity: a leading "("). */
  attempt<T>(parse: () => T): T | SyntaxFailure {
    const saved = this.#pos
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof SyntaxFailure)) throw error
      this.#pos = saved
      return error
    }
  }

  pathName(): RawPathElement {
    const t = this.peek()
    if (t.kind === 'namePlaceholder') {
      this.next()
      return { placeholder: t.text }
    }
    if (t.kind !== 'name' || KEYWORDS.has(t.text.toUpperCase())) this.fail()
    this.next()
    return { name: t.text }
  }

  path(): RawPath {
    const path: RawPathElement[] = [this.pathName()]
    for (;;) {
      if (this.isPunct('.')) {
        this.next()
        path.push(this.pathName())
      } else if (this.isPunct('[')) {
        this.next()
        const t = this.peek()
        if (t.kind !== 'integer') this.fail()
        this.next()
        this.expectPunct(']')
        const index = Number(t.text)
        if (!(index <= MAX_LIST_INDEX)) throw this.error(`List index is not within the allowable range; index: [${t.text}]`)
        path.push({ index })
      } else {
        return path
      }
    }
  }

  /** A path, a `:value`, a function call or a parenthesized operand. */
  operand(): RawOperand {
    const t = this.peek()
    if (t.kind === 'valuePlaceholder') {
      this.next()
      return { kind: 'value', placeholder: t.text }
    }
    if (t.kind === 'name' && this.isPunct('(', 1)) {
      this.next()
      this.next()
      const args: RawOperand[] = []
      if (!this.isPunct(')')) {
        args.push(this.operand())
        while (this.isPunct(',')) {
          this.next()
          args.push(this.operand())
        }
      }
      this.expectPunct(')')
      return { kind: 'call', name: t.text, args }
    }
    if (this.isPunct('(')) {
      this.next()
      const inner = this.operand()
      this.expectPunct(')')
      return inner
    }
    return { kind: 'path', path: this.path() }
  }

  condition(): RawCondition {
    let left = this.conjunction()
    while (this.isKeyword('OR')) {
      this.next()
      left = { kind: 'or', left, right: this.conjunction() }
    }
    return left
  }

  conjunction(): RawCondition {
    let left = this.negation()
    while (this.isKeyword('AND')) {
      this.next()
      left = { kind: 'and', left, right: this.negation() }
    }
    return left
  }

  negation(): RawCondition {
    if (this.isKeyword('NOT')) {
      this.next()
      return { kind: 'not', condition: this.negation() }
    }
    return this.predicate()
  }

  predicate(): RawCondition {
    if (this.isPunct('(')) {
      // "(" opens a parenthesized condition or a parenthesized operand: try the condition first.
      const grouped = this.attempt((): RawCondition => {
        this.next()
        const inner = this.condition()
        this.expectPunct(')')
        return { kind: 'group', condition: inner }
      })
      if (!(grouped instanceof SyntaxFailure)) return grouped
      const compared = this.attempt(() => this.comparison(this.operand()))
      if (!(compared instanceof SyntaxFailure)) return compared
      throw (grouped.position >= compared.position ? grouped : compared).error
    }
    return this.comparison(this.operand())
  }

  comparison(left: RawOperand): RawCondition {
    const t = this.peek()
    if (t.kind === 'punct' && COMPARATORS.has(t.text)) {
      this.next()
      return { kind: 'compare', comparator: t.text as Comparator, left, right: this.operand() }
    }
    if (this.isKeyword('BETWEEN')) {
      this.next()
      const lower = this.operand()
      if (!this.isKeyword('AND')) this.fail()
      this.next()
      return { kind: 'between', operand: left, lower, upper: this.operand() }
    }
    if (this.isKeyword('IN')) {
      this.next()
      this.expectPunct('(')
      const candidates = [this.operand()]
      while (this.isPunct(',')) {
        this.next()
        candidates.push(this.operand())
      }
      this.expectPunct(')')
      return { kind: 'in', operand: left, candidates }
    }
    // A function call standing alone: a boolean function, or something the checker rejects.
    if (left.kind === 'call') return { kind: 'call', call: left }
    return this.fail()
  }

  update(): RawAction[] {
    const actions: RawAction[] = []
    const seen = new Set<Clause>()
    do {
      const clause = CLAUSES.find((c) => this.isKeyword(c))
      if (clause === undefined) this.fail()
      if (seen.has(clause)) throw this.error(`The "${clause}" section can only be used once in an update expression;`)
      seen.add(clause)
      this.next()
      actions.push(this.updateAction(clause))
      while (this.isPunct(',')) {
        this.next()
        actions.push(this.updateAction(clause))
      }
    } while (this.peek().kind !== 'eof')
    return actions
  }

  updateAction(clause: Clause): RawAction {
    const path = this.path()
    if (clause === 'REMOVE') return { kind: 'REMOVE', path }
    if (clause === 'SET') {
      this.expectPunct('=')
      const left = this.operand()
      if (!this.isPunct('+') && !this.isPunct('-')) return { kind: 'SET', path, value: left }
      const kind = this.next().text as '+' | '-'
      return { kind: 'SET', path, value: { kind, left, right: this.operand() } }
    }
    const t = this.peek()
    if (t.kind !== 'valuePlaceholder') this.fail()
    this.next()
    return { kind: clause, path, value: t.text }
  }

  projection(): RawPath[] {
    const paths = [this.path()]
    while (this.isPunct(',')) {
      this.next()
      paths.push(this.path())
    }
    return paths
  }
}

/** Every path written in a raw operand / condition / action, in expression order. */
function operandPaths(raw: RawOperand, out: RawPath[]): RawPath[] {
  if (raw.kind === 'path') out.push(raw.path)
  else if (raw.kind === 'call') for (const arg of raw.args) operandPaths(arg, out)
  else if (raw.kind === '+' || raw.kind === '-') {
    operandPaths(raw.left, out)
    operandPaths(raw.right, out)
  }
  return out
}

function conditionPaths(raw: RawCondition, out: RawPath[]): RawPath[] {
  switch (raw.kind) {
    case 'and':
    case 'or':
      conditionPaths(raw.left, out)
      conditionPaths(raw.right, out)
      break
    case 'not':
    case 'group':
      conditionPaths(raw.condition, out)
      break
    case 'call':
      operandPaths(raw.call, out)
      break
    case 'operand':
      operandPaths(raw.operand, out)
      break
    case 'compare':
      operandPaths(raw.left, out)
      operandPaths(raw.right, out)
      break
    case 'between':
      for (const o of [raw.operand, raw.lower, raw.upper]) operandPaths(o, out)
      break
    case 'in':
      for (const o of [raw.operand, ...raw.candidates]) operandPaths(o, out)
      break
  }
  return out
}

function samePath(a: DocumentPath, b: DocumentPath): boolean {
  return a.length === b.length && a.every((e, i) => {
    const f = b[i] as PathElement
    return 'name' in e ? 'name' in f && f.name === e.name : 'index' in f && f.index === e.index
  })
}

/**
 * The static checks, in DynamoDB's order (which decides the message when a request has several problems):
 * 1. structure: redundant parentheses and where list_append may stand, reserved words, function names and arity,
 *    where each function may be used, document paths where required;
 * 2. (updates) the paths the actions write, placeholders resolved, must not overlap or conflict;
 * 3. one walk in expression order that resolves placeholders and checks the types of literal operands.
 */
class Checker {
  constructor(readonly what: ExpressionKind, readonly attributes: ExpressionAttributes) {}

  error(message: string): ExpressionValidationError {
    return new ExpressionValidationError(`Invalid ${this.what}: ${message}`)
  }

  // --- phase 1: structure ---

  redundantParentheses(raw: RawCondition): void {
    switch (raw.kind) {
      case 'and':
      case 'or':
        this.redundantParentheses(raw.left)
        this.redundantParentheses(raw.right)
        return
      case 'not':
        this.redundantParentheses(raw.condition)
        return
      case 'group':
        if (raw.condition.kind === 'group') throw this.error('The expression has redundant parentheses;')
        this.redundantParentheses(raw.condition)
        return
      default:
        return
    }
  }

  arity(call: RawOperand & { kind: 'call' }): void {
    const known = ARITY[call.name]
    if (known === undefined) throw this.error(`Invalid function name; function: ${call.name}`)
    if (call.args.length !== known) {
      throw this.error(`Incorrect number of operands for operator or function; operator or function: ${call.name}, number of operands: ${call.args.length}`)
    }
  }

  requirePath(operand: RawOperand, fn: string): void {
    if (operand.kind !== 'path') throw this.error(`Operator or function requires a document path; operator or function: ${fn}`)
  }

  notThisWay(name: string): ExpressionValidationError {
    return this.error(`The function is not allowed to be used this way in an expression; function: ${name}`)
  }

  conditionStructure(raw: RawCondition): void {
    switch (raw.kind) {
      case 'and':
      case 'or':
        this.conditionStructure(raw.left)
        this.conditionStructure(raw.right)
        return
      case 'not':
        this.conditionStructure(raw.condition)
        return
      case 'group':
        this.conditionStructure(raw.condition)
        return
      case 'operand':
        this.conditionOperandStructure(raw.operand)
        throw this.error('The expression is not a condition')
      case 'call': {
        const call = raw.call
        if (UPDATE_FUNCTIONS.has(call.name)) throw this.error(`The function is not allowed in a condition expression; function: ${call.name}`)
        this.arity(call)
        if (!CONDITION_FUNCTIONS.has(call.name)) throw this.notThisWay(call.name)
        for (const arg of call.args) this.conditionOperandStructure(arg)
        if (call.name === 'attribute_exists' || call.name === 'attribute_not_exists') this.requirePath(call.args[0] as RawOperand, call.name)
        return
      }
      case 'compare':
        this.conditionOperandStructure(raw.left)
        this.conditionOperandStructure(raw.right)
        return
      case 'between':
        for (const o of [raw.operand, raw.lower, raw.upper]) this.conditionOperandStructure(o)
        return
      case 'in':
        for (const o of [raw.operand, ...raw.candidates]) this.conditionOperandStructure(o)
        return
    }
  }

  conditionOperandStructure(raw: RawOperand): void {
    if (raw.kind === '+' || raw.kind === '-') throw this.error(`The operator is not allowed in a condition expression; operator: ${raw.kind}`)
    if (raw.kind !== 'call') return
    if (UPDATE_FUNCTIONS.has(raw.name)) throw this.error(`The function is not allowed in a condition expression; function: ${raw.name}`)
    this.arity(raw)
    if (raw.name !== 'size') throw this.notThisWay(raw.name)
    this.conditionOperandStructure(raw.args[0] as RawOperand)
  }

  /** Plain names in paths must not be reserved words (placeholders may name anything). */
  reservedWords(paths: readonly RawPath[]): void {
    for (const path of paths) {
      for (const element of path) {
        if ('name' in element && isReservedWord(element.name)) {
          throw this.error(`Attribute name is a reserved keyword; reserved keyword: ${element.name}`)
        }
      }
    }
  }

  /**
   * One walk in expression order over an update's paths and SET values: reserved words, and list_append standing
   * anywhere but at the top of a SET value.
   */
  updateNamesAndPlacement(actions: readonly RawAction[]): void {
    const walk = (raw: RawOperand, top: boolean): void => {
      if (raw.kind === 'path') this.reservedWords([raw.path])
      else if (raw.kind === '+' || raw.kind === '-') {
        walk(raw.left, false)
        walk(raw.right, false)
      } else if (raw.kind === 'call') {
        if (raw.name === 'list_append' && !top) throw this.notThisWay('list_append')
        for (const arg of raw.args) walk(arg, false)
      }
    }
    for (const action of actions) {
      this.reservedWords([action.path])
      if (action.kind === 'SET') walk(action.value, true)
    }
  }

  /** Function names, arity and use in a SET value. */
  setStructure(raw: RawOperand): void {
    if (raw.kind === '+' || raw.kind === '-') {
      this.setStructure(raw.left)
      this.setStructure(raw.right)
      return
    }
    if (raw.kind !== 'call') return
    if (!UPDATE_FUNCTIONS.has(raw.name)) {
      if (ARITY[raw.name] === undefined) throw this.error(`Invalid function name; function: ${raw.name}`)
      throw this.error(`The function is not allowed in an update expression; function: ${raw.name}`)
    }
    this.arity(raw)
    if (raw.name === 'if_not_exists') this.requirePath(raw.args[0] as RawOperand, raw.name)
    for (const arg of raw.args) this.setStructure(arg)
  }

  // --- phase 3: resolution and types ---

  path(raw: RawPath): DocumentPath {
    return raw.map((e): PathElement => ('placeholder' in e ? { name: this.attributes.name(e.placeholder, this.what) } : e))
  }

  /** Resolves every placeholder of an operand, in expression order (for the undefined-placeholder errors). */
  resolveAll(raw: RawOperand): void {
    if (raw.kind === 'path') this.path(raw.path)
    else if (raw.kind === 'value') this.attributes.value(raw.placeholder, this.what)
    else if (raw.kind === 'call') for (const arg of raw.args) this.resolveAll(arg)
    else {
      this.resolveAll(raw.left)
      this.resolveAll(raw.right)
    }
  }

  /** DynamoDB refuses `a = a`, `begins_with(a, a)`, `if_not_exists(a, a)`: the same path first and again later. */
  distinct(operator: string, first: Operand, rest: readonly Operand[]): void {
    if (first.kind !== 'path') return
    if (rest.some((o) => o.kind === 'path' && samePath(o.path, first.path))) {
      throw this.error(
        'The first operand must be distinct from the remaining operands for this operator or function; ' +
          `operator: ${operator}, first operand: ${describePath(first.path)}`,
      )
    }
  }

  /** The type an operand is known to have before evaluation: a literal's type, N for size(); undefined for paths. */
  staticType(operand: Operand): AttributeType | undefined {
    if (operand.kind === 'value') return typeOf(operand.value)
    if (operand.kind === 'size' || operand.kind === '+' || operand.kind === '-') return 'N'
    if (operand.kind === 'list_append') return 'L'
    return undefined
  }

  requireType(operand: Operand, fn: string, allowed: readonly AttributeType[]): void {
    const type = this.staticType(operand)
    if (type !== undefined && !allowed.includes(type)) {
      throw this.error(`Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`)
    }
  }

  condition(raw: RawCondition): Condition {
    switch (raw.kind) {
      case 'and':
      case 'or':
        return { kind: raw.kind, left: this.condition(raw.left), right: this.condition(raw.right) }
      case 'not':
        return { kind: 'not', condition: this.condition(raw.condition) }
      case 'group':
        return this.condition(raw.condition)
      case 'operand':
        throw this.error('The expression is not a condition')
      case 'call':
        return this.conditionFunction(raw.call)
      case 'compare': {
        const left = this.operand(raw.left)
        const right = this.operand(raw.right)
        if (raw.comparator !== '=' && raw.comparator !== '<>') {
          this.requireType(left, raw.comparator, ['S', 'N', 'B'])
          this.requireType(right, raw.comparator, ['S', 'N', 'B'])
        }
        this.distinct(raw.comparator, left, [right])
        return { kind: 'compare', comparator: raw.comparator, left, right }
      }
      case 'between': {
        const operand = this.operand(raw.operand)
        const lower = this.operand(raw.lower)
        const upper = this.operand(raw.upper)
        for (const o of [operand, lower, upper]) this.requireType(o, 'BETWEEN', ['S', 'N', 'B'])
        this.distinct('BETWEEN', operand, [lower, upper])
        if (lower.kind === 'value' && upper.kind === 'value') {
          // DynamoDB's messages for these two repeat both values; ours leave them out.
          const order = compareScalars(lower.value, upper.value)
          if (order === undefined) throw this.error('The BETWEEN operator requires same data type for lower and upper bounds')
          if (order > 0) throw this.error('The BETWEEN operator requires upper bound to be greater than or equal to lower bound')
        }
        return { kind: 'between', operand, lower, upper }
      }
      case 'in': {
        const operand = this.operand(raw.operand)
        const candidates = raw.candidates.map((c) => this.operand(c))
        this.distinct('IN', operand, candidates)
        return { kind: 'in', operand, candidates }
      }
    }
  }

  conditionFunction(call: RawOperand & { kind: 'call' }): Condition {
    const [first, second] = call.args as [RawOperand, RawOperand]
    switch (call.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        return { kind: call.name, path: this.path((first as { path: RawPath }).path) }
      case 'attribute_type': {
        const operand = this.operand(first)
        if (second.kind !== 'value') {
          this.operand(second)
          throw this.error('Incorrect operand type for operator or function; operator or function: attribute_type, operand type: path')
        }
        const type = this.attributes.value(second.placeholder, this.what)
        if (!('S' in type)) {
          throw this.error(`Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${typeOf(type)}`)
        }
        if (!(ATTRIBUTE_TYPES as readonly string[]).includes(type.S)) {
          throw this.error(`Invalid attribute type name found; type: ${type.S}, valid types: {${ATTRIBUTE_TYPES.join(',')}}`)
        }
        return { kind: 'attribute_type', operand, type: type.S }
      }
      default: {
        const name = call.name as 'begins_with' | 'contains'
        const a = this.operand(first)
        const b = this.operand(second)
        if (name === 'begins_with') {
          this.requireType(a, name, ['S', 'B'])
          this.requireType(b, name, ['S', 'B'])
        }
        this.distinct(name, a, [b])
        return { kind: name, first: a, second: b }
      }
    }
  }

  /** A condition operand (structure already checked): a path, a value or size(). */
  operand(raw: RawOperand): ConditionOperand {
    switch (raw.kind) {
      case 'path':
      case 'value':
        return this.leaf(raw)
      case 'call': {
        const operand = this.operand(raw.args[0] as RawOperand)
        this.requireType(operand, 'size', ['S', 'B', 'SS', 'NS', 'BS', 'L', 'M'])
        return { kind: 'size', operand }
      }
      default:
        throw this.error(`The operator is not allowed in a condition expression; operator: ${raw.kind}`)
    }
  }

  action(raw: RawAction, path: DocumentPath): UpdateAction {
    switch (raw.kind) {
      case 'REMOVE':
        return { kind: 'REMOVE', path }
      case 'ADD':
      case 'DELETE': {
        const value = this.attributes.value(raw.value, this.what)
        const type = typeOf(value)
        const allowed: readonly AttributeType[] = raw.kind === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS']
        if (!allowed.includes(type)) {
          throw this.error(
            `Incorrect operand type for operator or function; operator: ${raw.kind}, operand type: ${LONG_TYPE_NAMES[type]}, ` +
              `typeSet: ALLOWED_FOR_${raw.kind}_OPERAND`,
          )
        }
        return { kind: raw.kind, path, value }
      }
      case 'SET': {
        const value = raw.value
        if (value.kind === '+' || value.kind === '-') {
          const left = this.setOperand(value.left)
          const right = this.setOperand(value.right)
          this.requireType(left, value.kind, ['N'])
          this.requireType(right, value.kind, ['N'])
          return { kind: 'SET', path, value: { kind: value.kind, left, right } }
        }
        return { kind: 'SET', path, value: this.setOperand(value) }
      }
    }
  }

  /** A path or a value operand, the leaves both conditions and updates share. */
  leaf(raw: RawOperand & { kind: 'path' | 'value' }): ConditionOperand & UpdateOperand {
    return raw.kind === 'path'
      ? { kind: 'path', path: this.path(raw.path) }
      : { kind: 'value', placeholder: raw.placeholder, value: this.attributes.value(raw.placeholder, this.what) }
  }

  setOperand(raw: RawOperand): UpdateOperand {
    switch (raw.kind) {
      case 'path':
      case 'value':
        return this.leaf(raw)
      case 'call': {
        const [first, second] = raw.args as [RawOperand, RawOperand]
        if (raw.name === 'if_not_exists') {
          const path = this.path((first as { path: RawPath }).path)
          const fallback = this.setOperand(second)
          this.distinct(raw.name, { kind: 'path', path }, [fallback])
          return { kind: 'if_not_exists', path, fallback }
        }
        const a = this.setOperand(first)
        const b = this.setOperand(second)
        this.requireType(a, raw.name, ['L'])
        this.requireType(b, raw.name, ['L'])
        return { kind: 'list_append', first: a, second: b }
      }
      default:
        // The grammar only allows arithmetic at the top of a SET value (handled in action()).
        throw this.error(`The operator is not allowed to be used this way in an expression; operator: ${raw.kind}`)
    }
  }
}

function run<T>(expression: string, what: ExpressionKind, parse: (p: Parser) => T): T {
  if (expression.length === 0) throw new ExpressionValidationError(`Invalid ${what}: The expression can not be empty;`)
  const parser = new Parser(expression, what)
  try {
    const result = parse(parser)
    parser.expectEnd()
    return result
  } catch (error) {
    if (error instanceof SyntaxFailure) throw error.error
    throw error
  }
}

/**
 * Parses a condition, filter or key condition expression.
 * @throws {ExpressionValidationError} for a syntax error, an undefined placeholder or a static type error.
 */
export function parseCondition(expression: string, what: ExpressionKind, attributes: ExpressionAttributes): Condition {
  const raw = run(expression, what, (p) => p.condition())
  const checker = new Checker(what, attributes)
  checker.redundantParentheses(raw)
  checker.reservedWords(conditionPaths(raw, []))
  checker.conditionStructure(raw)
  return checker.condition(raw)
}

/**
 * Parses an update expression and checks that no two of its paths overlap or conflict.
 * @throws {ExpressionValidationError} as {@link parseCondition}, and for overlapping paths or a repeated clause.
 */
export function parseUpdate(expression: string, attributes: ExpressionAttributes): UpdateExpression {
  const raw = run(expression, 'UpdateExpression', (p) => p.update())
  const checker = new Checker('UpdateExpression', attributes)
  checker.updateNamesAndPlacement(raw)
  for (const action of raw) if (action.kind === 'SET') checker.setStructure(action.value)
  const paths = raw.map((action) => checker.path(action.path))
  checkDisjointPaths(paths, 'UpdateExpression')
  // Every placeholder of the values is resolved before any operand type is checked.
  for (const action of raw) {
    if (action.kind === 'SET') checker.resolveAll(action.value)
    else if (action.kind !== 'REMOVE') attributes.value(action.value, 'UpdateExpression')
  }
  // Operands are checked in the order of the paths their actions write, as DynamoDB does.
  const order = raw.map((_, i) => i).sort((i, j) => comparePathsForChecks(paths[i] as DocumentPath, paths[j] as DocumentPath))
  const actions: UpdateAction[] = new Array(raw.length)
  for (const i of order) actions[i] = checker.action(raw[i] as RawAction, paths[i] as DocumentPath)
  return { actions }
}

/**
 * Parses a projection expression and checks that no two of its paths overlap or conflict.
 * @throws {ExpressionValidationError} as {@link parseCondition}, and for overlapping paths.
 */
export function parseProjection(expression: string, attributes: ExpressionAttributes): DocumentPath[] {
  const raw = run(expression, 'ProjectionExpression', (p) => p.projection())
  const checker = new Checker('ProjectionExpression', attributes)
  checker.reservedWords(raw)
  const paths = raw.map((path) => checker.path(path))
  checkDisjointPaths(paths, 'ProjectionExpression')
  return paths
}

/** DynamoDB's rendering of a path in its messages: `[a, b, [0]]`. */
export function describePath(path: DocumentPath): string {
  return `[${path.map((e) => ('name' in e ? e.name : `[${e.index}]`)).join(', ')}]`
}

/** Orders paths element by element: names alphabetically, indexes numerically, a prefix first. */
function comparePathsForChecks(a: DocumentPath, b: DocumentPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as PathElement
    const y = b[i] as PathElement
    if ('name' in x !== 'name' in y) return 'name' in x ? -1 : 1
    if ('name' in x) {
      const n = (y as { name: string }).name
      if (x.name !== n) return x.name < n ? -1 : 1
    } else if (x.index !== (y as { index: number }).index) {
      return x.index - (y as { index: number }).index
    }
  }
  return a.length - b.length
}

/** How two paths relate: one a prefix of the other (overlap), the same element reached by name and by index. */
function relation(a: DocumentPath, b: DocumentPath): 'overlap' | 'conflict' | undefined {
  const n = Math.min(a.length, b.length)
  for (let k = 0; k < n; k++) {
    const x = a[k] as PathElement
    const y = b[k] as PathElement
    if ('name' in x !== 'name' in y) return 'conflict'
    if ('name' in x ? x.name !== (y as { name: string }).name : x.index !== (y as { index: number }).index) return undefined
  }
  return 'overlap'
}

/**
 * Update and projection paths must be disjoint: no path may be a prefix of another (or equal to it), and no
 * element may be reached once by name and once by index. Conflicts are reported before overlaps.
 */
function checkDisjointPaths(paths: readonly DocumentPath[], what: ExpressionKind): void {
  const sorted = [...paths].sort(comparePathsForChecks)
  for (const kind of ['conflict', 'overlap'] as const) {
    for (let j = 1; j < sorted.length; j++) {
      for (let i = 0; i < j; i++) {
        const a = sorted[i] as DocumentPath
        const b = sorted[j] as DocumentPath
        if (relation(a, b) !== kind) continue
        const verb = kind === 'conflict' ? 'conflict' : 'overlap'
        throw new ExpressionValidationError(
          `Invalid ${what}: Two document paths ${verb} with each other; must remove or rewrite one of these paths; ` +
            `path one: ${describePath(a)}, path two: ${describePath(b)}`,
        )
      }
    }
  }
}

// --- what an expression reads and writes (for the policy) ------------------------------------------------------

/** How an expression uses a top-level attribute. */
export interface AttributeUse {
  /** Top-level attribute name (placeholders resolved). */
  readonly attribute: string
  /**
   * True when the only use is `attribute_exists` / `attribute_not_exists` of the top-level attribute itself, which
   * does not look at the value (a nested path such as `a.b` or `a[0]` does).
   */
  readonly existenceOnly: boolean
}

/** The attributes an update expression writes (top-level names of its paths) and reads (its SET operands). */
export interface UpdateAttributes {
  readonly targets: readonly string[]
  readonly reads: readonly AttributeUse[]
}

function topName(path: RawPath, attributes: ExpressionAttributes, what: ExpressionKind): string {
  const first = path[0] as RawPathElement
  return 'placeholder' in first ? attributes.name(first.placeholder, what) : (first as { name: string }).name
}

function operandUses(raw: RawOperand, existenceOnly: boolean, attributes: ExpressionAttributes, what: ExpressionKind, out: AttributeUse[]): void {
  if (raw.kind === 'path') {
    for (const element of raw.path) if ('placeholder' in element) attributes.name(element.placeholder, what)
    // Only the existence of a whole top-level attribute is the same on ciphertext: `a.b` / `a[0]` inside an
    // encrypted attribute never exist there (the attribute is one binary value), so they read its value.
    out.push({ attribute: topName(raw.path, attributes, what), existenceOnly: existenceOnly && raw.path.length === 1 })
  } else if (raw.kind === 'call') {
    const existence = raw.name === 'attribute_exists' || raw.name === 'attribute_not_exists'
    for (const arg of raw.args) operandUses(arg, existence, attributes, what, out)
  } else if (raw.kind === '+' || raw.kind === '-') {
    operandUses(raw.left, false, attributes, what, out)
    operandUses(raw.right, false, attributes, what, out)
  }
}

/**
 * The top-level attributes a condition, filter or key condition expression reads (same parser as evaluation; only
 * syntax and `#name` placeholders are checked here, DynamoDB or {@link parseCondition} check the rest).
 * @throws {ExpressionValidationError} for a syntax error or an undefined `#name` placeholder.
 */
export function conditionUses(expression: string, names: Readonly<Record<string, string>> | undefined, what: ExpressionKind): AttributeUse[] {
  const attributes = new ExpressionAttributes(names, undefined)
  const out: AttributeUse[] = []
  const walk = (raw: RawCondition): void => {
    switch (raw.kind) {
      case 'and': case 'or': walk(raw.left); walk(raw.right); return
      case 'not': case 'group': walk(raw.condition); return
      case 'call': operandUses(raw.call, false, attributes, what, out); return
      case 'operand': operandUses(raw.operand, false, attributes, what, out); return
      case 'compare': operandUses(raw.left, false, attributes, what, out); operandUses(raw.right, false, attributes, what, out); return
      case 'between': for (const o of [raw.operand, raw.lower, raw.upper]) operandUses(o, false, attributes, what, out); return
      case 'in': for (const o of [raw.operand, ...raw.candidates]) operandUses(o, false, attributes, what, out); return
    }
  }
  walk(run(expression, what, (p) => p.condition()))
  return out
}

/**
 * What an update expression writes and reads (see {@link conditionUses} for what is checked).
 * @throws {ExpressionValidationError} for a syntax error or an undefined `#name` placeholder.
 */
export function updateUses(expression: string, names: Readonly<Record<string, string>> | undefined): UpdateAttributes {
  const what: ExpressionKind = 'UpdateExpression'
  const attributes = new ExpressionAttributes(names, undefined)
  const targets: string[] = []
  const reads: AttributeUse[] = []
  for (const action of run(expression, what, (p) => p.update())) {
    for (const element of action.path) if ('placeholder' in element) attributes.name(element.placeholder, what)
    targets.push(topName(action.path, attributes, what))
    if (action.kind === 'SET') operandUses(action.value, false, attributes, what, reads)
  }
  return { targets, reads }
}

/**
 * The paths of a projection expression, `#name` placeholders resolved (see {@link conditionUses}).
 * @throws {ExpressionValidationError} for a syntax error or an undefined `#name` placeholder.
 */
export function projectionPathsOf(expression: string, names: Readonly<Record<string, string>> | undefined): DocumentPath[] {
  const checker = new Checker('ProjectionExpression', new ExpressionAttributes(names, undefined))
  return run(expression, 'ProjectionExpression', (p) => p.projection()).map((path) => checker.path(path))
}

/** The `#name` placeholders an expression's paths use, in order (an expression that does not parse has none). */
export function namePlaceholders(expression: string | undefined, what: ExpressionKind): string[] {
  if (expression === undefined || expression.length === 0) return []
  try {
    const out: string[] = []
    const fromPath = (path: RawPath): void => {
      for (const element of path) if ('placeholder' in element) out.push(element.placeholder)
    }
    const fromOperand = (raw: RawOperand): void => {
      if (raw.kind === 'path') fromPath(raw.path)
      else if (raw.kind === 'call') raw.args.forEach(fromOperand)
      else if (raw.kind === '+' || raw.kind === '-') { fromOperand(raw.left); fromOperand(raw.right) }
    }
    if (what === 'UpdateExpression') {
      for (const action of run(expression, what, (p) => p.update())) {
        fromPath(action.path)
        if (action.kind === 'SET') fromOperand(action.value)
      }
    } else if (what === 'ProjectionExpression') {
      run(expression, what, (p) => p.projection()).forEach(fromPath)
    } else {
      conditionPaths(run(expression, what, (p) => p.condition()), []).forEach(fromPath)
    }
    return out
  } catch (error) {
    if (error instanceof ExpressionValidationError) return []
    throw error
  }
}
