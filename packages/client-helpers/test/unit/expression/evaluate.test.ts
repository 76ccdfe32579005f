import type { AttributeValue, Item } from '@ddb-encryption/core'
import { evaluateCondition, parseExpressions, projectItem, resolvePath } from '../../../src/expression'

const item: Item = {
  n: { N: '10' },
  s: { S: 'hello' },
  b: { B: Uint8Array.from([1, 2, 3]) },
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '2.5'] },
  l: { L: [{ N: '1' }, { M: { k: { S: 'v' } } }] },
  m: { M: { nest: { L: [{ S: 'deep' }] }, count: { N: '3' } } },
  t: { BOOL: true },
  z: { NULL: true },
}

function holds(expression: string, values: Record<string, AttributeValue> = {}, target: Item | null = item): boolean {
  const parsed = parseExpressions({
    ConditionExpression: expression,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  })
  return evaluateCondition(parsed.condition!, target ?? undefined)
}

describe('evaluateCondition', () => {
  it('resolves nested paths and list indexes', () => {
    expect(resolvePath(item, [{ name: 'm' }, { name: 'nest' }, { index: 0 }])).toEqual({ S: 'deep' })
    expect(resolvePath(item, [{ name: 'l' }, { index: 5 }])).toBeUndefined()
    expect(resolvePath(item, [{ name: 's' }, { index: 0 }])).toBeUndefined()
    expect(resolvePath(item, [{ name: 'constructor' }])).toBeUndefined()
  })

  it('compares numbers by value, strings and binary by bytes', () => {
    expect(holds('n = :v', { ':v': { N: '1E1' } })).toBe(true)
    expect(holds('n > :v', { ':v': { N: '9.99' } })).toBe(true)
    expect(holds('s < :v', { ':v': { S: 'help' } })).toBe(true)
    expect(holds('b >= :v', { ':v': { B: Uint8Array.from([1, 2]) } })).toBe(true)
    expect(holds('n < :v', { ':v': { S: '11' } })).toBe(false)
  })

  it('treats a absent attribute as unequal to everything and unordered', () => {
    expect(holds('absent = :v', { ':v': { N: '1' } })).toBe(false)
    expect(holds('absent <> :v', { ':v': { N: '1' } })).toBe(true)
    expect(holds('absent < :v', { ':v': { N: '1' } })).toBe(false)
    expect(holds('NOT absent < :v', { ':v': { N: '1' } })).toBe(true)
    expect(holds('absent IN (:v)', { ':v': { N: '1' } })).toBe(false)
  })

  it('implements BETWEEN inclusively and IN by DynamoDB equality', () => {
    expect(holds('n BETWEEN :a AND :b', { ':a': { N: '10' }, ':b': { N: '10.0' } })).toBe(true)
    expect(holds('n BETWEEN :a AND :b', { ':a': { N: '11' }, ':b': { N: '12' } })).toBe(false)
    expect(holds('ns IN (:a, :b)', { ':a': { NS: ['1'] }, ':b': { NS: ['2.50', '1.0'] } })).toBe(true)
  })

  it('implements every function', () => {
    expect(holds('attribute_exists(m.nest[0]) AND attribute_not_exists(m.nest[1])')).toBe(true)
    expect(holds('attribute_type(z, :t) AND attribute_type(t, :u)', { ':t': { S: 'NULL' }, ':u': { S: 'BOOL' } })).toBe(true)
    expect(holds('begins_with(s, :p)', { ':p': { S: 'he' } })).toBe(true)
    expect(holds('contains(ss, :e) AND contains(s, :sub) AND contains(ns, :n)', { ':e': { S: 'y' }, ':sub': { S: 'ell' }, ':n': { N: '2.50' } })).toBe(true)
    expect(holds('contains(l, :m)', { ':m': { M: { k: { S: 'v' } } } })).toBe(true)
    expect(holds('size(s) = :five AND size(l) = :two AND size(m) = :two AND size(b) = :three', {
      ':five': { N: '5' }, ':two': { N: '2' }, ':three': { N: '3' },
    })).toBe(true)
    expect(holds('size(n) <> :v', { ':v': { N: '2' } })).toBe(true)
    expect(holds('size(n) = :v', { ':v': { N: '2' } })).toBe(false)
  })

  it('evaluates an absent item as an empty one', () => {
    expect(holds('attribute_not_exists(n)', {}, null)).toBe(true)
    expect(holds('n = :v', { ':v': { N: '10' } }, null)).toBe(false)
  })
})

describe('projectItem', () => {
  it('keeps only the requested paths, list elements in index order without gaps', () => {
    const paths = parseExpressions({ ProjectionExpression: 'n, l[1].k, l[0], m.nest, nothing' }).projection!
    expect(projectItem(item, paths)).toEqual({ n: { N: '10' }, l: { L: [{ N: '1' }, { M: { k: { S: 'v' } } }] }, m: { M: { nest: { L: [{ S: 'deep' }] } } } })
  })

  it('keeps __proto__ as an own attribute', () => {
    const proto: Item = JSON.parse('{"__proto__": {"S": "x"}, "a": {"S": "y"}}')
    const out = projectItem(proto, parseExpressions({ ProjectionExpression: '#p', ExpressionAttributeNames: { '#p': '__proto__' } }).projection!)
    expect(Object.keys(out)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
  })
})
