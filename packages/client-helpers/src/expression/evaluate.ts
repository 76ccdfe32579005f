/**
 * Evaluates parsed conditions (condition, filter and key condition expressions) on a plaintext item, with
 * DynamoDB's semantics: a path that is not in the item makes comparisons false (and `<>` true), values of different
 * types are never equal or ordered, `size()` of a number, boolean or null is no value at all.
 * @internal
 */
import type { AttributeValue, Item } from '@ddb-encryption/core'
import type { Condition, ConditionOperand, DocumentPath } from './ast'
import { beginsWith, compareScalars, containsValue, sizeOf, typeOf, valuesEqual } from './attribute-values'

/** The value at `path` in `item`, or undefined when the item has nothing there. */
export function resolvePath(item: Item, path: DocumentPath): AttributeValue | undefined {
  let current: AttributeValue | undefined
  for (const [i, element] of path.entries()) {
    if ('name' in element) {
      const container: Readonly<Record<string, AttributeValue>> | undefined =
        i === 0 ? item : current !== undefined && 'M' in current ? current.M : undefined
      if (container === undefined || !Object.hasOwn(container, element.name)) return undefined
      current = container[element.name]
    } else {
      if (current === undefined || !('L' in current)) return undefined
      current = current.L[element.index]
    }
    if (current === undefined) return undefined
  }
  return current
}

/** The value of a condition operand; undefined for a missing path or the size of a value that has none. */
export function evaluateOperand(operand: ConditionOperand, item: Item): AttributeValue | undefined {
  switch (operand.kind) {
    case 'path':
      return resolvePath(item, operand.path)
    case 'value':
      return operand.value
    case 'size': {
      const value = evaluateOperand(operand.operand, item)
      const size = value === undefined ? undefined : sizeOf(value)
      return size === undefined ? undefined : { N: String(size) }
    }
  }
}

function ordered(a: AttributeValue | undefined, b: AttributeValue | undefined): -1 | 0 | 1 | undefined {
  return a === undefined || b === undefined ? undefined : compareScalars(a, b)
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return a !== undefined && b !== undefined && valuesEqual(a, b)
}

/** True if `item` satisfies `condition`. An absent item is evaluated as an empty one, as DynamoDB does. */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  const target = item ?? {}
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, target) && evaluateCondition(condition.right, target)
    case 'or':
      return evaluateCondition(condition.left, target) || evaluateCondition(condition.right, target)
    case 'not':
      return !evaluateCondition(condition.condition, target)
    case 'attribute_exists':
      return resolvePath(target, condition.path) !== undefined
    case 'attribute_not_exists':
      return resolvePath(target, condition.path) === undefined
    case 'attribute_type': {
      const value = evaluateOperand(condition.operand, target)
      return value !== undefined && typeOf(value) === condition.type
    }
    case 'begins_with':
    case 'contains': {
      const first = evaluateOperand(condition.first, target)
      const second = evaluateOperand(condition.second, target)
      if (first === undefined || second === undefined) return false
      return condition.kind === 'begins_with' ? beginsWith(first, second) : containsValue(first, second)
    }
    case 'in': {
      const value = evaluateOperand(condition.operand, target)
      return condition.candidates.some((c) => equal(value, evaluateOperand(c, target)))
    }
    case 'between': {
      const value = evaluateOperand(condition.operand, target)
      const low = ordered(evaluateOperand(condition.lower, target), value)
      const high = ordered(value, evaluateOperand(condition.upper, target))
      return low !== undefined && high !== undefined && low <= 0 && high <= 0
    }
    case 'compare': {
      const left = evaluateOperand(condition.left, target)
      const right = evaluateOperand(condition.right, target)
      switch (condition.comparator) {
        case '=': return equal(left, right)
        case '<>': return !equal(left, right)
        default: {
          const order = ordered(left, right)
          if (order === undefined) return false
          if (condition.comparator === '<') return order < 0
          if (condition.comparator === '<=') return order <= 0
          if (condition.comparator === '>') return order > 0
          return order >= 0
        }
      }
    }
  }
}
