/**
 * Applies a parsed update expression to a plaintext item the way DynamoDB does:
 * - every right-hand side, ADD and DELETE reads the item as it was before the update;
 * - list indexes refer to the list as it was: `SET a[1] = :x REMOVE a[0]` sets the old second element and removes
 *   the old first one; a SET beyond the end appends, in index order;
 * - `+` and `-` are exact decimal arithmetic, checked against DynamoDB's 38 digits and range;
 * - a DELETE that empties a set removes the attribute.
 * The caller's item is never modified.
 * @internal
 */
import { setOwn, type AttributeValue, type Item } from '@ddb-encryption/core'
import type { DocumentPath, PathElement, UpdateExpression, UpdateOperand } from './ast'
import { setDifference, setUnion, typeOf } from './attribute-values'
import { addDecimals, formatDecimal, parseDecimal, storageProblem, subtractDecimals, type Decimal } from './decimal'
import { ExpressionValidationError } from './errors'
import { resolvePath } from './evaluate'

/** DynamoDB's messages for updates that cannot be applied to this item. */
export const UpdateProblem = {
  IncorrectType: 'An operand in the update expression has an incorrect data type',
  MissingAttribute: 'The provided expression refers to an attribute that does not exist in the item',
  InvalidPath: 'The document path provided in the update expression is invalid for update',
} as const

type MutableValue = AttributeValue
type Container = Record<string, AttributeValue> | AttributeValue[]

function fail(message: string): never {
  throw new ExpressionValidationError(message)
}

function decimal(value: AttributeValue): Decimal {
  if (!('N' in value)) fail(UpdateProblem.IncorrectType)
  const d = parseDecimal(value.N)
  if (d === undefined) fail(UpdateProblem.IncorrectType)
  return d
}

function checkedNumber(d: Decimal): AttributeValue {
  const problem = storageProblem(d)
  if (problem !== undefined) fail(problem)
  return { N: formatDecimal(d) }
}

/** The value of a SET right-hand side, read from the item before the update. */
function evaluateSetOperand(operand: UpdateOperand, item: Item): AttributeValue {
  switch (operand.kind) {
    case 'path': {
      const value = resolvePath(item, operand.path)
      return value ?? fail(UpdateProblem.MissingAttribute)
    }
    case 'value':
      return operand.value
    case 'if_not_exists': {
      // DynamoDB evaluates the fallback even when the path exists: a fallback path that is absent is an error.
      const fallback = evaluateSetOperand(operand.fallback, item)
      return resolvePath(item, operand.path) ?? fallback
    }
    case 'list_append': {
      // Each operand is evaluated and type-checked before the next one, as DynamoDB does.
      const first = evaluateSetOperand(operand.first, item)
      if (!('L' in first)) fail(UpdateProblem.IncorrectType)
      const second = evaluateSetOperand(operand.second, item)
      if (!('L' in second)) fail(UpdateProblem.IncorrectType)
      return { L: [...first.L, ...second.L] }
    }
    case '+':
    case '-': {
      const left = decimal(evaluateSetOperand(operand.left, item))
      const right = decimal(evaluateSetOperand(operand.right, item))
      return checkedNumber(operand.kind === '+' ? addDecimals(left, right) : subtractDecimals(left, right))
    }
  }
}

/** What ADD makes of the current value (undefined when absent) and the operand. */
function added(current: AttributeValue | undefined, operand: AttributeValue): AttributeValue {
  if (current === undefined) return operand
  if ('N' in operand) return checkedNumber(addDecimals(decimal(current), decimal(operand)))
  const type = typeOf(operand) as 'SS' | 'NS' | 'BS'
  if (typeOf(current) !== type) fail(UpdateProblem.IncorrectType)
  const union = setUnion(type, (current as Record<string, (string | Uint8Array)[]>)[type] ?? [], (operand as Record<string, (string | Uint8Array)[]>)[type] ?? [])
  return { [type]: union } as AttributeValue
}

/** What DELETE makes of the current value; undefined when the set becomes empty. */
function deleted(current: AttributeValue, operand: AttributeValue): AttributeValue | undefined {
  const type = typeOf(operand) as 'SS' | 'NS' | 'BS'
  if (typeOf(current) !== type) fail(UpdateProblem.IncorrectType)
  const rest = setDifference(type, (current as Record<string, (string | Uint8Array)[]>)[type] ?? [], (operand as Record<string, (string | Uint8Array)[]>)[type] ?? [])
  return rest.length === 0 ? undefined : ({ [type]: rest } as AttributeValue)
}

/** True if the parent of `path` is in `item` and is a map (for a name) or a list (for an index). */
function parentIsValid(item: Item, path: DocumentPath): boolean {
  if (path.length === 1) return true
  const parent = resolvePath(item, path.slice(0, -1))
  const last = path[path.length - 1] as PathElement
  return parent !== undefined && ('name' in last ? 'M' in parent : 'L' in parent)
}

function cloneValue(value: AttributeValue): MutableValue {
  if ('L' in value) return { L: value.L.map(cloneValue) }
  if ('M' in value) return { M: cloneRecord(value.M) }
  return value
}

function cloneRecord(record: Readonly<Record<string, AttributeValue>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const key of Object.keys(record)) setOwn(out, key, cloneValue(record[key] as AttributeValue))
  return out
}

/** The container (map record or list array) holding the last element of `path`, in the working copy. */
function parentContainer(root: Record<string, AttributeValue>, path: DocumentPath): Container {
  if (path.length === 1) return root
  const parent = resolvePath(root, path.slice(0, -1)) as AttributeValue
  return 'M' in parent ? parent.M : (parent as { L: AttributeValue[] }).L
}

function write(root: Record<string, AttributeValue>, path: DocumentPath, value: AttributeValue): void {
  const container = parentContainer(root, path)
  const last = path[path.length - 1] as PathElement
  if ('name' in last) {
    setOwn(container as Record<string, AttributeValue>, last.name, value)
  } else {
    const list = container as AttributeValue[]
    if (last.index < list.length) list[last.index] = value
    else list.push(value)
  }
}

function remove(root: Record<string, AttributeValue>, path: DocumentPath): void {
  const container = parentContainer(root, path)
  const last = path[path.length - 1] as PathElement
  if ('name' in last) delete (container as Record<string, AttributeValue>)[last.name]
  else (container as AttributeValue[]).splice(last.index, 1)
}

/** Orders paths element by element (indexes numerically), so writes into one list happen in index order. */
function comparePaths(a: DocumentPath, b: DocumentPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as PathElement
    const y = b[i] as PathElement
    if ('index' in x && 'index' in y) {
      if (x.index !== y.index) return x.index - y.index
    } else if ('name' in x && 'name' in y) {
      if (x.name !== y.name) return x.name < y.name ? -1 : 1
    }
  }
  return a.length - b.length
}

/**
 * Applies `update` to `item` (the stored item, or only its key attributes for an item that does not exist yet) and
 * returns the new item.
 * @throws {ExpressionValidationError} with DynamoDB's message when the update cannot be applied to this item: an
 *   operand of the wrong type, a path read but absent, a path whose parent is absent or of the wrong type, a
 *   number DynamoDB cannot store.
 */
export function applyUpdate(update: UpdateExpression, item: Item): Item {
  const writes: { path: DocumentPath; value: AttributeValue }[] = []
  const removals: DocumentPath[] = []
  // DynamoDB's order of checks: each SET's path then its value, then ADD / DELETE operands, then the other paths.
  for (const action of update.actions) {
    if (action.kind !== 'SET') continue
    if (!parentIsValid(item, action.path)) fail(UpdateProblem.InvalidPath)
    writes.push({ path: action.path, value: evaluateSetOperand(action.value, item) })
  }
  for (const action of update.actions) {
    if (action.kind === 'ADD') {
      writes.push({ path: action.path, value: added(resolvePath(item, action.path), action.value) })
    } else if (action.kind === 'DELETE') {
      const current = resolvePath(item, action.path)
      const rest = current === undefined ? current : deleted(current, action.value)
      if (rest !== undefined) writes.push({ path: action.path, value: rest })
      else if (current !== undefined) removals.push(action.path)
    } else if (action.kind === 'REMOVE' && resolvePath(item, action.path) !== undefined) {
      removals.push(action.path)
    }
  }
  for (const action of update.actions) {
    if (!parentIsValid(item, action.path)) fail(UpdateProblem.InvalidPath)
  }
  const root = cloneRecord(item)
  writes.sort((a, b) => comparePaths(a.path, b.path))
  for (const { path, value } of writes) write(root, path, value)
  // Last first, so removing one list element does not move the others still to be removed.
  removals.sort((a, b) => comparePaths(b, a))
  for (const path of removals) remove(root, path)
  return root
}

/**
 * The top-level attributes an update touched, as they are in `item` (before the update for `UPDATED_OLD`, after
 * it for `UPDATED_NEW`): each attribute holding one of the update's paths that `item` has.
 */
export function updatedAttributes(update: UpdateExpression, item: Item): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const action of update.actions) {
    const name = (action.path[0] as { name: string }).name
    if (resolvePath(item, action.path) !== undefined) setOwn(out, name, item[name] as AttributeValue)
  }
  return out
}

/** The top-level attributes an update writes or removes (for key checks and for deciding what must be signed). */
export function updateTargets(update: UpdateExpression): string[] {
  return [...new Set(update.actions.map((a) => (a.path[0] as { name: string }).name))]
}
