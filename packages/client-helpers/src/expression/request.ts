/**
 * Parses every expression of one DynamoDB request together, as DynamoDB validates them: the placeholder maps
 * must not be empty, their keys must be well formed, every `:value` must be a value DynamoDB accepts, each
 * expression must parse, and every placeholder must be used by at least one of the request's expressions.
 * @internal
 */
import type { AttributeValue } from '@ddb-encryption/core'
import type { Condition, DocumentPath, UpdateExpression } from './ast'
import { ATTRIBUTE_TYPES, setHasDuplicates, typeOf, type AttributeType } from './attribute-values'
import { numberTextProblem } from './decimal'
import { ExpressionValidationError } from './errors'
import { ExpressionAttributes, parseCondition, parseProjection, parseUpdate } from './parser'

/** The expression parameters of a request (any operation), low-level attribute values. */
export interface ExpressionRequest {
  readonly UpdateExpression?: string | undefined
  readonly ConditionExpression?: string | undefined
  readonly FilterExpression?: string | undefined
  readonly KeyConditionExpression?: string | undefined
  readonly ProjectionExpression?: string | undefined
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>> | undefined
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>> | undefined
}

/** The parsed expressions of a request; absent where the request has none. */
export interface ParsedExpressions {
  readonly update?: UpdateExpression
  readonly condition?: Condition
  readonly filter?: Condition
  readonly keyCondition?: Condition
  readonly projection?: readonly DocumentPath[]
}

const NAME_KEY = /^#[A-Za-z0-9_]+$/
const VALUE_KEY = /^:[A-Za-z0-9_]+$/
const SET_NAMES = { SS: 'string', NS: 'number', BS: 'binary' } as const

const EMPTY_VALUE = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'

/** What each type's member must hold in JavaScript, checked before the value is used. */
const MEMBER_SHAPES: Readonly<Record<AttributeType, readonly [(member: unknown) => boolean, string]>> = {
  S: [(m) => typeof m === 'string', 'a string'],
  N: [(m) => typeof m === 'string', 'a string of decimal digits'],
  B: [(m) => m instanceof Uint8Array, 'a Uint8Array'],
  SS: [(m) => Array.isArray(m) && m.every((e) => typeof e === 'string'), 'an array of strings'],
  NS: [(m) => Array.isArray(m) && m.every((e) => typeof e === 'string'), 'an array of number strings'],
  BS: [(m) => Array.isArray(m) && m.every((e) => e instanceof Uint8Array), 'an array of Uint8Arrays'],
  BOOL: [(m) => typeof m === 'boolean', 'a boolean'],
  NULL: [(m) => typeof m === 'boolean', 'true'],
  L: [(m) => Array.isArray(m), 'an array of attribute values'],
  M: [(m) => typeof m === 'object' && m !== null && !Array.isArray(m), 'an object of attribute values'],
}

/**
 * Why DynamoDB refuses `value` (anywhere in an item or an expression value), or undefined. Anything that is not an
 * attribute value (not an object, no or several known type members, a member of the wrong JavaScript type) is
 * refused here, so nothing later meets a value it cannot read.
 */
export function attributeValueProblem(value: AttributeValue): string | undefined {
  const record: unknown = value
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return EMPTY_VALUE
  const tags = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined)
  const tag = tags[0]
  if (tags.length !== 1 || !(ATTRIBUTE_TYPES as readonly string[]).includes(tag as string)) return EMPTY_VALUE
  const type = typeOf(value)
  const [fits, what] = MEMBER_SHAPES[type]
  if (!fits((value as Record<string, unknown>)[type])) {
    return `One or more parameter values were invalid: the ${type} member of an AttributeValue must be ${what}`
  }
  switch (type) {
    case 'N':
      return numberTextProblem((value as { N: string }).N)
    case 'NULL':
      return (value as { NULL: boolean }).NULL === true
        ? undefined
        : 'One or more parameter values were invalid: Null attribute value types must have the value of true'
    case 'SS': case 'NS': case 'BS': {
      const set = (value as Record<string, (string | Uint8Array)[]>)[type] as (string | Uint8Array)[]
      if (set.length === 0) return `One or more parameter values were invalid: An ${SET_NAMES[type]} set  may not be empty`
      if (type === 'NS') {
        for (const n of set as string[]) {
          const problem = numberTextProblem(n)
          if (problem !== undefined) return problem
        }
      }
      return setHasDuplicates(type, set) ? 'Input collection contains duplicates' : undefined
    }
    case 'L':
      for (const element of (value as { L: AttributeValue[] }).L) {
        const problem = attributeValueProblem(element)
        if (problem !== undefined) return problem
      }
      return undefined
    case 'M': {
      const map = (value as { M: Record<string, AttributeValue> }).M
      for (const key of Object.keys(map)) {
        const problem = attributeValueProblem(map[key] as AttributeValue)
        if (problem !== undefined) return problem
      }
      return undefined
    }
    default:
      return undefined
  }
}

function checkPlaceholderMaps(request: ExpressionRequest, hasExpressions: boolean): void {
  const names = request.ExpressionAttributeNames
  const values = request.ExpressionAttributeValues
  for (const [label, map, keyPattern] of [
    ['ExpressionAttributeNames', names, NAME_KEY],
    ['ExpressionAttributeValues', values, VALUE_KEY],
  ] as const) {
    if (map === undefined) continue
    if (!hasExpressions) throw new ExpressionValidationError(`${label} can only be specified when using expressions`)
    const keys = Object.keys(map)
    if (keys.length === 0) throw new ExpressionValidationError(`${label} must not be empty`)
    for (const key of keys) {
      if (!keyPattern.test(key)) throw new ExpressionValidationError(`${label} contains invalid key: Syntax error; key: "${key}"`)
    }
  }
  if (values !== undefined) {
    for (const key of Object.keys(values)) {
      const problem = attributeValueProblem(values[key] as AttributeValue)
      if (problem !== undefined) {
        throw new ExpressionValidationError(`ExpressionAttributeValues contains invalid value: ${problem} for key ${key}`)
      }
    }
  }
}

function checkAllUsed(label: string, map: Readonly<Record<string, unknown>> | undefined, used: ReadonlySet<string>): void {
  if (map === undefined) return
  const unused = Object.keys(map).filter((k) => !used.has(k))
  if (unused.length > 0) {
    throw new ExpressionValidationError(`Value provided in ${label} unused in expressions: keys: {${unused.join(', ')}}`)
  }
}

/**
 * Parses and validates all expressions of a request.
 * @throws {ExpressionValidationError} with DynamoDB's message for anything DynamoDB would reject before looking at
 *   the item.
 */
export function parseExpressions(request: ExpressionRequest): ParsedExpressions {
  const hasExpressions = [
    request.UpdateExpression, request.ConditionExpression, request.FilterExpression,
    request.KeyConditionExpression, request.ProjectionExpression,
  ].some((e) => e !== undefined)
  checkPlaceholderMaps(request, hasExpressions)
  const attributes = new ExpressionAttributes(request.ExpressionAttributeNames, request.ExpressionAttributeValues)
  const parsed: {
    update?: UpdateExpression
    condition?: Condition
    filter?: Condition
    keyCondition?: Condition
    projection?: readonly DocumentPath[]
  } = {}
  if (request.KeyConditionExpression !== undefined) {
    parsed.keyCondition = parseCondition(request.KeyConditionExpression, 'KeyConditionExpression', attributes)
  }
  if (request.UpdateExpression !== undefined) parsed.update = parseUpdate(request.UpdateExpression, attributes)
  if (request.ConditionExpression !== undefined) {
    parsed.condition = parseCondition(request.ConditionExpression, 'ConditionExpression', attributes)
  }
  if (request.FilterExpression !== undefined) {
    parsed.filter = parseCondition(request.FilterExpression, 'FilterExpression', attributes)
  }
  if (request.ProjectionExpression !== undefined) parsed.projection = parseProjection(request.ProjectionExpression, attributes)
  checkAllUsed('ExpressionAttributeNames', request.ExpressionAttributeNames, attributes.usedNames)
  checkAllUsed('ExpressionAttributeValues', request.ExpressionAttributeValues, attributes.usedValues)
  return parsed
}

/** The expression members of a request. */
export type ExpressionMember = 'UpdateExpression' | 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression' | 'ProjectionExpression'

/**
 * A copy of `request` without the expressions in `drop`, and with only the placeholders the remaining expressions
 * use (maps left out when they become empty, as DynamoDB refuses empty or unused placeholders). For a request whose
 * dropped expressions the client evaluates itself (a filter or condition on encrypted attributes).
 * @throws {ExpressionValidationError} when a remaining expression does not parse.
 */
export function requestWithout<R extends ExpressionRequest>(request: R, drop: readonly ExpressionMember[]): R {
  const out = { ...request } as Record<string, unknown>
  for (const member of drop) delete out[member]
  const attributes = new ExpressionAttributes(request.ExpressionAttributeNames, request.ExpressionAttributeValues)
  const kept = out as ExpressionRequest
  if (kept.KeyConditionExpression !== undefined) parseCondition(kept.KeyConditionExpression, 'KeyConditionExpression', attributes)
  if (kept.UpdateExpression !== undefined) parseUpdate(kept.UpdateExpression, attributes)
  if (kept.ConditionExpression !== undefined) parseCondition(kept.ConditionExpression, 'ConditionExpression', attributes)
  if (kept.FilterExpression !== undefined) parseCondition(kept.FilterExpression, 'FilterExpression', attributes)
  if (kept.ProjectionExpression !== undefined) parseProjection(kept.ProjectionExpression, attributes)
  const prune = <T>(map: Readonly<Record<string, T>> | undefined, used: ReadonlySet<string>): Record<string, T> | undefined => {
    if (map === undefined) return undefined
    const entries = Object.keys(map).filter((k) => used.has(k)).map((k) => [k, map[k] as T] as const)
    return entries.length === 0 ? undefined : Object.fromEntries(entries)
  }
  const names = prune(request.ExpressionAttributeNames, attributes.usedNames)
  const values = prune(request.ExpressionAttributeValues, attributes.usedValues)
  if (names === undefined) delete out['ExpressionAttributeNames']
  else out['ExpressionAttributeNames'] = names
  if (values === undefined) delete out['ExpressionAttributeValues']
  else out['ExpressionAttributeValues'] = values
  return out as R
}
