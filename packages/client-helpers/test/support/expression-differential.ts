/**
 * Differential testing of the expression engine against DynamoDB Local: random items and random update /
 * condition / filter expressions (fast-check, seeded), applied by the engine to the item and by DynamoDB Local to
 * the same item in a plaintext table. Results must be identical (numbers compared by value, sets as sets) and so
 * must the outcome class: success, ConditionalCheckFailedException or ValidationException. Messages are compared
 * too, except for the kinds listed in TOLERATED_MESSAGES (see there why).
 */
import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type ReturnValue,
} from '@aws-sdk/client-dynamodb'
import * as fc from 'fast-check'
import {
  applyUpdate,
  ConditionNotMet,
  evaluateCondition,
  ExpressionValidationError,
  parseExpressions,
  updateLocally,
} from '../../src/expression'
import { normalizeNumber, type AttributeValue } from '@ddb-encryption/core'

type Item = Record<string, AttributeValue>

// ---------------------------------------------------------------------------------------------------------------
// Random values, items and expressions
// ---------------------------------------------------------------------------------------------------------------

/** Top-level names: plain ones, a reserved word and names that need a placeholder. */
const TOP_NAMES = ['a', 'b', 'c', 'd', 'status', 'my attr']
const INNER_NAMES = ['x', 'y', 'size', 'name', 'z.w']
const NUMBERS = [
  '0', '1', '-1', '2', '1.5', '-0.25', '10', '100', '1E+2', '0.001', '3.14159', '-7', '42', '1000000',
  '99999999999999999999999999999999999999', '-99999999999999999999999999999999999999',
  '9.9999999999999999999999999999999999999E+125', '-9.9999999999999999999999999999999999999E+125',
  '1E-130', '-1E-130', '1.0000000000000000000000000000000000001', '0.1', '12345678901234567890.123456789',
  '5E+125', '1E+125', '1.5E-129',
]
const STRINGS = ['', 'a', 'ab', 'abc', 'b', 'ba', 'é', 'é😀', '😀', '\uffff', 'A', 'a b', 'x']
const BYTES = [[], [0], [1], [0, 1], [1, 0], [255], [0x7f], [0x80], [1, 2, 3]]

const number = fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -1000, max: 1000 }).map(String))
const string = fc.constantFrom(...STRINGS)
const bytes = fc.constantFrom(...BYTES).map((b) => Uint8Array.from(b))

function uniqueBy<T>(values: T[], key: (v: T) => string): T[] {
  const seen = new Set<string>()
  return values.filter((v) => {
    const k = key(v)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  { weight: 4, arbitrary: number.map((n) => ({ N: n })) },
  { weight: 3, arbitrary: string.map((s) => ({ S: s })) },
  { weight: 1, arbitrary: bytes.map((b) => ({ B: b })) },
  { weight: 1, arbitrary: fc.boolean().map((b) => ({ BOOL: b })) },
  { weight: 1, arbitrary: fc.constant({ NULL: true }) },
  {
    weight: 1,
    arbitrary: fc.array(string, { minLength: 1, maxLength: 3 }).map((s) => ({ SS: uniqueBy(s, (x) => x) })),
  },
  {
    weight: 2,
    arbitrary: fc.array(number, { minLength: 1, maxLength: 3 }).map((n) => ({ NS: uniqueBy(n, normalizeNumber) })),
  },
  {
    weight: 1,
    arbitrary: fc.array(bytes, { minLength: 1, maxLength: 3 }).map((b) => ({ BS: uniqueBy(b, (x) => x.join(',')) })),
  },
)

const value: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((l) => ({ L: l })) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...INNER_NAMES), tie('value')), { maxLength: 3 })
        .map((entries) => ({ M: Object.fromEntries(entries) })),
    },
  ),
})).value

const item: fc.Arbitrary<Item> = fc
  .array(fc.tuple(fc.constantFrom(...TOP_NAMES), value), { maxLength: 5 })
  .map((entries) => Object.fromEntries(entries))

type PathStep = { name: string } | { index: number }

const path: fc.Arbitrary<PathStep[]> = fc.tuple(
  fc.constantFrom(...TOP_NAMES),
  fc.array(fc.oneof(fc.constantFrom(...INNER_NAMES).map((name) => ({ name })), fc.integer({ min: 0, max: 3 }).map((index) => ({ index }))), { maxLength: 2 }),
).map(([top, rest]) => [{ name: top }, ...rest])

/** An expression tree before rendering: paths and values are still structured. */
type Operand = { path: PathStep[] } | { value: AttributeValue } | { size: Operand }
type Cond =
  | { cmp: string; left: Operand; right: Operand }
  | { between: Operand; lower: Operand; upper: Operand }
  | { in: Operand; list: Operand[] }
  | { fn: 'attribute_exists' | 'attribute_not_exists'; path: PathStep[] }
  | { fn: 'attribute_type'; path: PathStep[]; type: string }
  | { fn: 'begins_with' | 'contains'; first: Operand; second: Operand }
  | { and: [Cond, Cond] } | { or: [Cond, Cond] } | { not: Cond } | { paren: Cond }

/** Every document path of an item (up to three levels), to aim expressions at what is there. */
function pathsOf(item: Item): PathStep[][] {
  const out: PathStep[][] = []
  const walk = (v: AttributeValue, at: PathStep[]): void => {
    out.push(at)
    if (at.length >= 3) return
    if ('M' in v) for (const [k, child] of Object.entries(v.M)) walk(child, [...at, { name: k }])
    if ('L' in v) v.L.forEach((child, i) => walk(child, [...at, { index: i }]))
  }
  for (const [k, v] of Object.entries(item)) walk(v, [{ name: k }])
  return out
}

/** Paths of the items half of the time, one step below them sometimes, anything otherwise. */
function pathsFor(items: Item[]): fc.Arbitrary<PathStep[]> {
  const existing = items.flatMap(pathsOf)
  if (existing.length === 0) return path
  const step = fc.oneof(fc.constantFrom(...INNER_NAMES).map((name): PathStep => ({ name })), fc.integer({ min: 0, max: 3 }).map((index): PathStep => ({ index })))
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...existing) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...existing), step).map(([p, s]) => [...p, s]) },
    { weight: 2, arbitrary: fc.constantFrom(...TOP_NAMES).map((name): PathStep[] => [{ name }]) },
    { weight: 1, arbitrary: path },
  )
}

const literal: fc.Arbitrary<Operand> = value.map((v) => ({ value: v }))
const operandWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<Operand> => fc.oneof(
  { weight: 4, arbitrary: path.map((p) => ({ path: p })) },
  { weight: 3, arbitrary: literal },
  { weight: 1, arbitrary: path.map((p) => ({ size: { path: p } })) },
)

const conditionWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<Cond> => {
  const operand = operandWith(path)
  return fc.letrec<{ cond: Cond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.record({ cmp: fc.constantFrom('=', '<>', '<', '<=', '>', '>='), left: operand, right: operand }) },
    { weight: 1, arbitrary: fc.record({ between: operand, lower: operand, upper: operand }) },
    { weight: 1, arbitrary: fc.record({ in: operand, list: fc.array(operand, { minLength: 1, maxLength: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constantFrom('attribute_exists' as const, 'attribute_not_exists' as const), path }) },
    { weight: 1, arbitrary: fc.record({ fn: fc.constant('attribute_type' as const), path, type: fc.constantFrom('S', 'N', 'B', 'SS', 'NS', 'BS', 'BOOL', 'NULL', 'L', 'M') }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constantFrom('begins_with' as const, 'contains' as const), first: operand, second: operand }) },
    { weight: 1, arbitrary: fc.tuple(tie('cond'), tie('cond')).map((c) => ({ and: c })) },
    { weight: 1, arbitrary: fc.tuple(tie('cond'), tie('cond')).map((c) => ({ or: c })) },
    { weight: 1, arbitrary: tie('cond').map((c) => ({ not: c })) },
    { weight: 1, arbitrary: tie('cond').map((c) => ({ paren: c })) },
  ),
  })).cond
}

type SetOperand = Operand | { ifNotExists: PathStep[]; fallback: SetOperand } | { listAppend: [SetOperand, SetOperand] }
type SetValue = SetOperand | { arith: '+' | '-'; left: SetOperand; right: SetOperand }

type Action =
  | { set: PathStep[]; value: SetValue }
  | { remove: PathStep[] }
  | { add: PathStep[]; value: AttributeValue }
  | { delete: PathStep[]; value: AttributeValue }

const numberValue = number.map((n): AttributeValue => ({ N: n }))
const setValue: fc.Arbitrary<AttributeValue> = scalar.filter((v) => 'SS' in v || 'NS' in v || 'BS' in v)
const listValue: fc.Arbitrary<AttributeValue> = fc.array(value, { maxLength: 2 }).map((l) => ({ L: l }))

const setOperandWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<SetOperand> => fc.letrec<{ op: SetOperand }>((tie) => ({
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: path.map((p) => ({ path: p })) },
    { weight: 4, arbitrary: fc.oneof(literal, numberValue.map((v) => ({ value: v })), listValue.map((v) => ({ value: v }))) },
    { weight: 2, arbitrary: fc.record({ ifNotExists: path, fallback: tie('op') }) },
    { weight: 1, arbitrary: fc.tuple(tie('op'), tie('op')).map((l) => ({ listAppend: l })) },
  ),
})).op

/** A SET value: mostly well placed (list_append only at the top), sometimes anything. */
const setValueWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<SetValue> => {
  const any = setOperandWith(path)
  const simple: fc.Arbitrary<SetOperand> = fc.oneof(
    { weight: 3, arbitrary: path.map((p) => ({ path: p })) },
    { weight: 3, arbitrary: fc.oneof(literal, numberValue.map((v) => ({ value: v })), listValue.map((v) => ({ value: v }))) },
    { weight: 2, arbitrary: fc.record({ ifNotExists: path, fallback: fc.oneof(literal, numberValue.map((v): SetOperand => ({ value: v })), listValue.map((v): SetOperand => ({ value: v }))) }) },
  )
  const numeric: fc.Arbitrary<SetOperand> = fc.oneof(
    { weight: 3, arbitrary: path.map((p) => ({ path: p })) },
    { weight: 3, arbitrary: numberValue.map((v) => ({ value: v })) },
    { weight: 2, arbitrary: fc.record({ ifNotExists: path, fallback: numberValue.map((v): SetOperand => ({ value: v })) }) },
    { weight: 1, arbitrary: simple },
  )
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 3, arbitrary: fc.record({ arith: fc.constantFrom('+' as const, '-' as const), left: numeric, right: numeric }) },
    { weight: 2, arbitrary: fc.tuple(simple, simple).map((l): SetValue => ({ listAppend: l })) },
    { weight: 1, arbitrary: any },
    { weight: 1, arbitrary: fc.record({ arith: fc.constantFrom('+' as const, '-' as const), left: any, right: any }) },
  )
}

const actionWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<Action> => fc.oneof(
  { weight: 5, arbitrary: fc.record({ set: path, value: setValueWith(path) }) },
  { weight: 2, arbitrary: fc.record({ remove: path }) },
  { weight: 2, arbitrary: fc.record({ add: path, value: fc.oneof({ weight: 3, arbitrary: numberValue }, { weight: 2, arbitrary: setValue }, { weight: 1, arbitrary: scalar }) }) },
  { weight: 1, arbitrary: fc.record({ delete: path, value: fc.oneof({ weight: 4, arbitrary: setValue }, { weight: 1, arbitrary: scalar }) }) },
)

/** Actions on distinct top-level attributes most of the time (overlapping paths are a validation error). */
const actionsWith = (path: fc.Arbitrary<PathStep[]>): fc.Arbitrary<Action[]> =>
  fc.tuple(fc.array(actionWith(path), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 9 })).map(([actions, dice]) => {
    if (dice === 0) return actions
    const seen = new Set<string>()
    return actions.filter((a) => {
      const top = JSON.stringify(('set' in a ? a.set : 'remove' in a ? a.remove : 'add' in a ? a.add : a.delete)[0])
      if (seen.has(top)) return false
      seen.add(top)
      return true
    })
  })

/** Ways a generated request is made invalid on purpose (most requests are left intact). */
type Mutation = 'none' | 'unusedName' | 'unusedValue' | 'undefinedName' | 'undefinedValue' | 'dropToken' | 'lowercaseKeyword'
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 20, arbitrary: fc.constant('none' as const) },
  { weight: 1, arbitrary: fc.constantFrom('unusedName' as const, 'unusedValue' as const, 'undefinedName' as const, 'undefinedValue' as const, 'dropToken' as const, 'lowercaseKeyword' as const) },
)

// ---------------------------------------------------------------------------------------------------------------
// Rendering to expression text with placeholders
// ---------------------------------------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/

class Renderer {
  readonly names: Record<string, string> = {}
  readonly values: Record<string, AttributeValue> = {}
  #nameCount = 0
  #valueCount = 0
  readonly #nameFor = new Map<string, string>()

  constructor(readonly plainNames: boolean, readonly reservedPlain: boolean) {}

  name(name: string): string {
    const reserved = name === 'status' || name === 'name'
    if (IDENTIFIER.test(name) && this.plainNames && (!reserved || this.reservedPlain)) return name
    let placeholder = this.#nameFor.get(name)
    if (placeholder === undefined) {
      placeholder = `#n${this.#nameCount++}`
      this.#nameFor.set(name, placeholder)
      this.names[placeholder] = name
    }
    return placeholder
  }

  value(v: AttributeValue): string {
    const placeholder = `:v${this.#valueCount++}`
    this.values[placeholder] = v
    return placeholder
  }

  path(p: PathStep[]): string {
    return p.map((s, i) => ('name' in s ? `${i === 0 ? '' : '.'}${this.name(s.name)}` : `[${s.index}]`)).join('')
  }

  operand(o: Operand): string {
    if ('path' in o) return this.path(o.path)
    if ('value' in o) return this.value(o.value)
    return `size(${this.operand(o.size)})`
  }

  condition(c: Cond): string {
    if ('cmp' in c) return `${this.operand(c.left)} ${c.cmp} ${this.operand(c.right)}`
    if ('between' in c) return `${this.operand(c.between)} BETWEEN ${this.operand(c.lower)} AND ${this.operand(c.upper)}`
    if ('in' in c) return `${this.operand(c.in)} IN (${c.list.map((o) => this.operand(o)).join(', ')})`
    if ('and' in c) return `${this.condition(c.and[0])} AND ${this.condition(c.and[1])}`
    if ('or' in c) return `${this.condition(c.or[0])} OR ${this.condition(c.or[1])}`
    if ('not' in c) return `NOT ${this.condition(c.not)}`
    if ('paren' in c) return `(${this.condition(c.paren)})`
    if (c.fn === 'attribute_exists' || c.fn === 'attribute_not_exists') return `${c.fn}(${this.path(c.path)})`
    if (c.fn === 'attribute_type') return `attribute_type(${this.path(c.path)}, ${this.value({ S: c.type })})`
    const call = c as { fn: string; first: Operand; second: Operand }
    return `${call.fn}(${this.operand(call.first)}, ${this.operand(call.second)})`
  }

  setOperand(o: SetOperand): string {
    if ('ifNotExists' in o) return `if_not_exists(${this.path(o.ifNotExists)}, ${this.setOperand(o.fallback)})`
    if ('listAppend' in o) return `list_append(${this.setOperand(o.listAppend[0])}, ${this.setOperand(o.listAppend[1])})`
    return this.operand(o)
  }

  update(actions: Action[]): string {
    const clauses: Record<string, string[]> = { SET: [], REMOVE: [], ADD: [], DELETE: [] }
    for (const a of actions) {
      if ('set' in a) {
        const v = a.value
        const rhs = 'arith' in v ? `${this.setOperand(v.left)} ${v.arith} ${this.setOperand(v.right)}` : this.setOperand(v)
        clauses.SET!.push(`${this.path(a.set)} = ${rhs}`)
      } else if ('remove' in a) clauses.REMOVE!.push(this.path(a.remove))
      else if ('add' in a) clauses.ADD!.push(`${this.path(a.add)} ${this.value(a.value)}`)
      else clauses.DELETE!.push(`${this.path(a.delete)} ${this.value(a.value)}`)
    }
    return Object.entries(clauses)
      .filter(([, parts]) => parts.length > 0)
      .map(([clause, parts]) => `${clause} ${parts.join(', ')}`)
      .join(' ')
  }
}

/** One generated request: expressions with their placeholder maps. */
export interface GeneratedRequest {
  UpdateExpression?: string
  ConditionExpression?: string
  FilterExpression?: string
  ExpressionAttributeNames?: Record<string, string>
  ExpressionAttributeValues?: Record<string, AttributeValue>
}

function finish(request: GeneratedRequest, renderer: Renderer, m: Mutation, expressionKey: 'UpdateExpression' | 'ConditionExpression' | 'FilterExpression'): GeneratedRequest {
  const names = { ...renderer.names }
  const values = { ...renderer.values }
  let text = request[expressionKey] as string
  switch (m) {
    case 'unusedName': names['#unused'] = 'q'; break
    case 'unusedValue': values[':unused'] = { S: 'q' }; break
    case 'undefinedName': text = `${text.startsWith('SET') || text.startsWith('REMOVE') || text.startsWith('ADD') || text.startsWith('DELETE') ? `${text}${text.startsWith('SET') ? ',' : ' SET'} #missing = :v0` : `${text} AND attribute_exists(#missing)`}`; break
    case 'undefinedValue': text = `${text.startsWith('SET') ? `${text}, q = :missing` : text.startsWith('REMOVE') || text.startsWith('ADD') || text.startsWith('DELETE') ? text.replace(/ :v\d+/, ' :missing') : `${text} OR q = :missing`}`; break
    case 'dropToken': {
      const tokens = text.split(' ')
      tokens.splice(Math.floor(tokens.length / 2), 1)
      text = tokens.join(' ')
      break
    }
    case 'lowercaseKeyword': text = text.replace(/\b(AND|OR|NOT|BETWEEN|IN|SET|REMOVE|ADD|DELETE)\b/, (k) => k.toLowerCase()); break
    default: break
  }
  const out: GeneratedRequest = { ...request, [expressionKey]: text }
  if (Object.keys(names).length > 0) out.ExpressionAttributeNames = names
  if (Object.keys(values).length > 0) out.ExpressionAttributeValues = values
  return out
}

export interface UpdateCase {
  kind: 'update'
  item: Item | undefined
  request: GeneratedRequest
  returnValues: ReturnValue
  /**
   * The request cut into one request per update action (and one for the condition alone). When a request has
   * several problems, DynamoDB reports one of them; which one depends on its internal order of checks.
   */
  parts: GeneratedRequest[]
}
export interface ConditionCase {
  kind: 'condition'
  item: Item | undefined
  request: GeneratedRequest
}
export interface FilterCase {
  kind: 'filter'
  items: Item[]
  request: GeneratedRequest
}

const renderOptions = fc.record({ plainNames: fc.boolean(), reservedPlain: fc.integer({ min: 0, max: 15 }).map((n) => n === 0) })

const updateCase: fc.Arbitrary<UpdateCase> = fc
  .option(item, { freq: 8, nil: undefined })
  .chain((item) => {
    const paths = pathsFor(item === undefined ? [] : [item])
    return fc.record({
    item: fc.constant(item),
    actions: actionsWith(paths),
    condition: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: conditionWith(paths) }),
    returnValues: fc.constantFrom<ReturnValue>('ALL_NEW', 'ALL_NEW', 'ALL_OLD', 'UPDATED_NEW', 'UPDATED_OLD', 'NONE'),
    render: renderOptions,
    mutation,
    })
  })
  .map(({ item, actions, condition, returnValues, render, mutation }) => {
    const r = new Renderer(render.plainNames, render.reservedPlain)
    const request: GeneratedRequest = { UpdateExpression: r.update(actions) }
    if (condition !== undefined) request.ConditionExpression = r.condition(condition)
    const parts = actions.map((a) => {
      const p = new Renderer(render.plainNames, render.reservedPlain)
      return finish({ UpdateExpression: p.update([a]) }, p, 'none', 'UpdateExpression')
    })
    if (condition !== undefined) {
      const p = new Renderer(render.plainNames, render.reservedPlain)
      parts.push(finish({ ConditionExpression: p.condition(condition) }, p, 'none', 'ConditionExpression'))
    }
    return { kind: 'update' as const, item, request: finish(request, r, mutation, 'UpdateExpression'), returnValues, parts }
  })

const conditionCase: fc.Arbitrary<ConditionCase> = fc
  .option(item, { freq: 8, nil: undefined })
  .chain((item) => fc.record({ item: fc.constant(item), condition: conditionWith(pathsFor(item === undefined ? [] : [item])), render: renderOptions, mutation }))
  .map(({ item, condition, render, mutation }) => {
    const r = new Renderer(render.plainNames, render.reservedPlain)
    return { kind: 'condition' as const, item, request: finish({ ConditionExpression: r.condition(condition) }, r, mutation, 'ConditionExpression') }
  })

const filterCase: fc.Arbitrary<FilterCase> = fc
  .array(item, { minLength: 5, maxLength: 25 })
  .chain((items) => fc.record({ items: fc.constant(items), condition: conditionWith(pathsFor(items)), render: renderOptions, mutation }))
  .map(({ items, condition, render, mutation }) => {
    const r = new Renderer(render.plainNames, render.reservedPlain)
    return { kind: 'filter' as const, items, request: finish({ FilterExpression: r.condition(condition) }, r, mutation, 'FilterExpression') }
  })

// ---------------------------------------------------------------------------------------------------------------
// Canonical forms for comparison
// ---------------------------------------------------------------------------------------------------------------

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** A JSON-able form equal for values DynamoDB considers identical: numbers normalized, sets sorted. */
export function canonical(v: AttributeValue): unknown {
  if ('N' in v) return { N: normalizeNumber(v.N) }
  if ('B' in v) return { B: hex(v.B) }
  if ('SS' in v) return { SS: [...v.SS].sort() }
  if ('NS' in v) return { NS: v.NS.map(normalizeNumber).sort() }
  if ('BS' in v) return { BS: v.BS.map(hex).sort() }
  if ('L' in v) return { L: v.L.map(canonical) }
  if ('M' in v) return { M: canonicalItem(v.M) }
  return v
}

export function canonicalItem(item: Record<string, AttributeValue> | undefined): unknown {
  if (item === undefined) return undefined
  return Object.fromEntries(Object.keys(item).sort().map((k) => [k, canonical(item[k] as AttributeValue)]))
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------------------------

export type Outcome =
  | { kind: 'ok'; result: unknown }
  | { kind: 'ConditionalCheckFailedException' }
  | { kind: 'ValidationException'; message: string }

/**
 * Validation messages we do not reproduce word for word:
 * - syntax errors: DynamoDB's "near" text comes from its own grammar's recovery;
 * - BETWEEN bounds: DynamoDB repeats the values in its message, which we never do;
 * - attribute_type with a non-literal type: DynamoDB lists internal type names;
 * - a request with several problems: which one DynamoDB reports first depends on its internal order of checks;
 *   DynamoDB's message must then be one our engine gives for one part of the request (see UpdateCase.parts), or
 *   both must report a clash of update paths (DynamoDB checks the pairs in an order of its own, and sometimes
 *   names a pair that does not clash).
 */
const TOLERATED_MESSAGES = [/Syntax error/, /BETWEEN operator/, /operator or function: attribute_type/]

function outcomeOfError(error: unknown): Outcome {
  const name = (error as { name?: string }).name
  if (name === 'ConditionalCheckFailedException') return { kind: 'ConditionalCheckFailedException' }
  if (name === 'ValidationException' || error instanceof ExpressionValidationError) {
    return { kind: 'ValidationException', message: (error as Error).message }
  }
  throw error
}

export interface Mismatch {
  case: UpdateCase | ConditionCase | FilterCase
  ours: Outcome
  dynamodb: Outcome
}

export interface DifferentialReport {
  cases: number
  /** Outcome classes seen, e.g. `update:ok`, `condition:ConditionalCheckFailedException`. */
  classes: Record<string, number>
  /** Validation messages that differed in a tolerated way. */
  toleratedMessageDifferences: number
  /** Filter evaluations (items x filter expressions) compared. */
  filterEvaluations: number
  mismatches: Mismatch[]
}

const PATH_CLASH = /Two document paths (overlap|conflict) with each other/

/** Messages our engine gives for the parts of a request taken one at a time (see UpdateCase.parts). */
function partMessages(c: UpdateCase | ConditionCase | FilterCase, key: Item): Set<string> {
  const messages = new Set<string>()
  if (c.kind !== 'update') return messages
  const old = c.item === undefined ? key : { ...c.item, ...key }
  for (const part of c.parts) {
    try {
      const parsed = parseExpressions(part)
      if (parsed.update !== undefined) applyUpdate(parsed.update, old)
    } catch (error) {
      if (error instanceof ExpressionValidationError) messages.add(error.message)
    }
  }
  return messages
}

function same(ours: Outcome, theirs: Outcome, c: UpdateCase | ConditionCase | FilterCase, key: Item): 'same' | 'tolerated' | 'different' {
  if (ours.kind !== theirs.kind) return 'different'
  if (ours.kind === 'ok') return JSON.stringify(ours.result) === JSON.stringify((theirs as { result: unknown }).result) ? 'same' : 'different'
  if (ours.kind === 'ValidationException') {
    const a = ours.message
    const b = (theirs as { message: string }).message
    if (a === b) return 'same'
    if (TOLERATED_MESSAGES.some((re) => re.test(a) || re.test(b))) return 'tolerated'
    const clashA = PATH_CLASH.exec(a)
    const clashB = PATH_CLASH.exec(b)
    if (clashA !== null && clashB !== null) return 'tolerated'
    // Several problems in one request: DynamoDB reported another one, which our engine finds in its part.
    return partMessages(c, key).has(b) ? 'tolerated' : 'different'
  }
  return 'same'
}

// ---------------------------------------------------------------------------------------------------------------
// Our engine
// ---------------------------------------------------------------------------------------------------------------

function oursUpdate(c: UpdateCase, key: Item): Outcome {
  try {
    const parsed = parseExpressions(c.request)
    const old = c.item === undefined ? undefined : { ...c.item, ...key }
    const { attributes } = updateLocally(parsed, old, key, c.returnValues)
    if (attributes !== undefined) {
      delete attributes.pk
      delete attributes.sk
    }
    const empty = attributes !== undefined && Object.keys(attributes).length === 0 && c.returnValues.startsWith('UPDATED')
    return { kind: 'ok', result: canonicalItem(empty ? undefined : attributes) }
  } catch (error) {
    if (error instanceof ConditionNotMet) return { kind: 'ConditionalCheckFailedException' }
    return outcomeOfError(error)
  }
}

function oursCondition(c: ConditionCase, key: Item): Outcome {
  try {
    const parsed = parseExpressions(c.request)
    const target = c.item === undefined ? undefined : { ...c.item, ...key }
    return evaluateCondition(parsed.condition!, target) ? { kind: 'ok', result: true } : { kind: 'ConditionalCheckFailedException' }
  } catch (error) {
    return outcomeOfError(error)
  }
}

function oursFilter(c: FilterCase): Outcome {
  try {
    const parsed = parseExpressions(c.request)
    return { kind: 'ok', result: c.items.flatMap((i, sk) => (evaluateCondition(parsed.filter!, i) ? [sk] : [])) }
  } catch (error) {
    return outcomeOfError(error)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB Local
// ---------------------------------------------------------------------------------------------------------------

let partitionCounter = 0
function freshPartition(): string {
  return `p${process.pid}-${Date.now().toString(36)}-${partitionCounter++}`
}

/** Writes items with BatchWriteItem (25 at a time), retrying unprocessed ones. */
async function putAll(ddb: DynamoDBClient, tableName: string, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending: { PutRequest: { Item: Item } }[] | undefined = items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } }))
    while (pending !== undefined && pending.length > 0) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }))
      pending = out.UnprocessedItems?.[tableName] as typeof pending
    }
  }
}

/** The item stored before the case runs (already written by the runner), under `key`. */
async function theirsUpdate(ddb: DynamoDBClient, tableName: string, c: UpdateCase, key: Item): Promise<Outcome> {
  try {
    const out = await ddb.send(new UpdateItemCommand({ TableName: tableName, Key: key, ...c.request, ReturnValues: c.returnValues }))
    const attributes = out.Attributes
    if (attributes !== undefined) {
      delete attributes.pk
      delete attributes.sk
    }
    return { kind: 'ok', result: canonicalItem(attributes !== undefined && Object.keys(attributes).length === 0 && c.returnValues.startsWith('UPDATED') ? undefined : attributes) }
  } catch (error) {
    return outcomeOfError(error)
  }
}

async function theirsCondition(ddb: DynamoDBClient, tableName: string, c: ConditionCase, key: Item): Promise<Outcome> {
  try {
    // Writing the item itself again: the condition is evaluated on it and nothing changes.
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: { ...(c.item ?? {}), ...key }, ...c.request }))
    return { kind: 'ok', result: true }
  } catch (error) {
    return outcomeOfError(error)
  }
}

async function theirsFilter(ddb: DynamoDBClient, tableName: string, c: FilterCase): Promise<Outcome> {
  const pk = freshPartition()
  await putAll(ddb, tableName, c.items.map((item, i) => ({ ...item, pk: { S: pk }, sk: { N: String(i) } })))
  try {
    const names = { ...(c.request.ExpressionAttributeNames ?? {}), '#pk': 'pk' }
    const values = { ...(c.request.ExpressionAttributeValues ?? {}), ':pk': { S: pk } }
    const matched: number[] = []
    let start: Item | undefined
    do {
      const out = await ddb.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        FilterExpression: c.request.FilterExpression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: start,
      }))
      for (const i of out.Items ?? []) matched.push(Number((i.sk as { N: string }).N))
      start = out.LastEvaluatedKey
    } while (start !== undefined)
    return { kind: 'ok', result: matched.sort((a, b) => a - b) }
  } catch (error) {
    return outcomeOfError(error)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------------------------

export interface DifferentialOptions {
  ddb: DynamoDBClient
  /** A table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
  seed: number
  updates: number
  conditions: number
  filters: number
  /** Chunks in flight at once (each up to 25 concurrent requests); default 4. */
  concurrency?: number
}

export function generateCases(seed: number, updates: number, conditions: number, filters: number): (UpdateCase | ConditionCase | FilterCase)[] {
  return [
    ...(updates > 0 ? fc.sample(updateCase, { seed, numRuns: updates }) : []),
    ...(conditions > 0 ? fc.sample(conditionCase, { seed: seed + 1, numRuns: conditions }) : []),
    ...(filters > 0 ? fc.sample(filterCase, { seed: seed + 2, numRuns: filters }) : []),
  ]
}

/** Runs the cases against the engine and DynamoDB Local and reports every difference. */
export async function runDifferential(options: DifferentialOptions): Promise<DifferentialReport> {
  const cases = generateCases(options.seed, options.updates, options.conditions, options.filters)
  const report: DifferentialReport = { cases: cases.length, classes: {}, toleratedMessageDifferences: 0, filterEvaluations: 0, mismatches: [] }
  const record = (c: UpdateCase | ConditionCase | FilterCase, key: Item, ours: Outcome, theirs: Outcome): void => {
    const label = `${c.kind}:${theirs.kind}`
    report.classes[label] = (report.classes[label] ?? 0) + 1
    const verdict = same(ours, theirs, c, key)
    if (verdict === 'different') report.mismatches.push({ case: c, ours, dynamodb: theirs })
    else if (verdict === 'tolerated') report.toleratedMessageDifferences++
  }
  // Work in chunks: the items of up to 25 update / condition cases are written with one BatchWriteItem, then
  // their requests run concurrently. A filter case is a chunk of its own (its items share one partition).
  const chunks: (UpdateCase | ConditionCase | FilterCase)[][] = []
  for (const c of cases) {
    const last = chunks[chunks.length - 1]
    if (c.kind !== 'filter' && last !== undefined && last.length < 25 && last[0]?.kind !== 'filter') last.push(c)
    else chunks.push([c])
  }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as (UpdateCase | ConditionCase | FilterCase)[]
      const first = chunk[0] as UpdateCase | ConditionCase | FilterCase
      if (first.kind === 'filter') {
        record(first, {}, oursFilter(first), await theirsFilter(options.ddb, options.tableName, first))
        report.filterEvaluations += first.items.length
        continue
      }
      const keyed = chunk.map((c) => ({ c: c as UpdateCase | ConditionCase, key: { pk: { S: freshPartition() }, sk: { N: '0' } } as Item }))
      await putAll(options.ddb, options.tableName, keyed.flatMap(({ c, key }) => (c.item === undefined ? [] : [{ ...c.item, ...key }])))
      await Promise.all(keyed.map(async ({ c, key }) => {
        const ours = c.kind === 'update' ? oursUpdate(c, key) : oursCondition(c, key)
        const theirs = c.kind === 'update'
          ? await theirsUpdate(options.ddb, options.tableName, c, key)
          : await theirsCondition(options.ddb, options.tableName, c, key)
        record(c, key, ours, theirs)
      }))
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker))
  return report
}

/** A readable dump of a mismatch (binary as hex) for test failure output. */
export function describeMismatch(m: Mismatch, indent: number | undefined = 1): string {
  return JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? `0x${hex(v)}` : v), indent)
}
