import type { AttributeValue, Item } from '@ddb-encryption/core'
import { deepFreeze } from '@ddb-encryption/testing'
import { applyUpdate, ConditionNotMet, ExpressionValidationError, parseExpressions, updatedAttributes, updateLocally, UpdateProblem } from '../../../src/expression'

function update(item: Item, expression: string, values: Record<string, AttributeValue> = {}): Item {
  const parsed = parseExpressions({
    UpdateExpression: expression,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  })
  return applyUpdate(parsed.update!, deepFreeze(item))
}

function failure(item: Item, expression: string, values: Record<string, AttributeValue> = {}): string {
  try {
    update(item, expression, values)
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionValidationError)
    return (error as Error).message
  }
  throw new Error('expected the update to fail')
}

const N = (n: string): AttributeValue => ({ N: n })

describe('applyUpdate', () => {
  it('SET with + and - in exact decimal arithmetic, results normalized', () => {
    expect(update({ n: N('0.1') }, 'SET n = n + :v, m = :big - :one', { ':v': N('0.2'), ':big': N('99999999999999999999999999999999999999'), ':one': N('-1') }))
      .toEqual({ n: N('0.3'), m: N('100000000000000000000000000000000000000') })
  })

  it('rejects results DynamoDB cannot store', () => {
    expect(failure({}, 'SET a = :v + :w', { ':v': N('9999999999999999999999999999999999999.9'), ':w': N('0.01') })).toBe('DynamoDB only supports precision up to 38 digits')
    expect(failure({}, 'SET a = :v + :v', { ':v': N('9E125') })).toBe('Number overflow. Attempting to store a number with magnitude larger than supported range')
  })

  it('SET if_not_exists and list_append (every right-hand side reads the item before the update)', () => {
    expect(update({ l: { L: [N('1')] }, c: N('5') }, 'SET c = if_not_exists(c, :z) + :one, d = if_not_exists(d, :z), l = list_append(l, :more), was = c', {
      ':z': N('0'), ':one': N('1'), ':more': { L: [N('2')] },
    })).toEqual({ l: { L: [N('1'), N('2')] }, c: N('6'), d: N('0'), was: N('5') })
  })

  it('SET nested paths; an index beyond the end appends, in index order', () => {
    expect(update({ m: { M: {} }, l: { L: [N('1')] } }, 'SET m.k = :v, l[7] = :seven, l[5] = :five', { ':v': N('9'), ':seven': N('7'), ':five': N('5') }))
      .toEqual({ m: { M: { k: N('9') } }, l: { L: [N('1'), N('5'), N('7')] } })
  })

  it('REMOVE list elements by their index before the update', () => {
    expect(update({ l: { L: [N('1'), N('2'), N('3')] } }, 'SET l[1] = :v REMOVE l[0], l[9]', { ':v': N('9') })).toEqual({ l: { L: [N('9'), N('3')] } })
    expect(update({ l: { L: [N('1'), N('2')] } }, 'SET l[5] = :v REMOVE l[2]', { ':v': N('9') })).toEqual({ l: { L: [N('1'), N('2'), N('9')] } })
    expect(update({ a: N('1') }, 'REMOVE a, absent')).toEqual({})
  })

  it('ADD to numbers and sets, DELETE from sets (an emptied set is removed)', () => {
    expect(update({ n: N('1.5'), s: { SS: ['a'] } }, 'ADD n :v, s :s, fresh :v', { ':v': N('1E3'), ':s': { SS: ['a', 'b'] } }))
      .toEqual({ n: N('1001.5'), s: { SS: ['a', 'b'] }, fresh: N('1E3') })
    expect(update({ s: { NS: ['1', '2'] }, t: { SS: ['x'] } }, 'DELETE s :a, t :b', { ':a': { NS: ['2.0'] }, ':b': { SS: ['x'] } }))
      .toEqual({ s: { NS: ['1'] } })
  })

  it('fails as DynamoDB does when the item does not fit the update', () => {
    expect(failure({ s: { S: 'x' } }, 'SET n = s + :v', { ':v': N('1') })).toBe(UpdateProblem.IncorrectType)
    expect(failure({}, 'SET n = absent + :v', { ':v': N('1') })).toBe(UpdateProblem.MissingAttribute)
    expect(failure({}, 'SET a.b = :v', { ':v': N('1') })).toBe(UpdateProblem.InvalidPath)
    expect(failure({ a: { M: {} } }, 'SET a[0] = :v', { ':v': N('1') })).toBe(UpdateProblem.InvalidPath)
    expect(failure({}, 'REMOVE a.b')).toBe(UpdateProblem.InvalidPath)
    expect(failure({ s: { SS: ['x'] } }, 'ADD s :v', { ':v': { NS: ['1'] } })).toBe(UpdateProblem.IncorrectType)
    // DynamoDB evaluates the fallback of if_not_exists even when the attribute exists.
    expect(failure({ a: N('1') }, 'SET x = if_not_exists(a, absent)')).toBe(UpdateProblem.MissingAttribute)
  })

  it('never modifies the caller item and keeps __proto__ an own attribute', () => {
    const before: Item = { l: { L: [N('1')] }, m: { M: { k: N('1') } } }
    const after = update(before, 'SET l[0] = :v, m.k = :v', { ':v': N('2') })
    expect(before).toEqual({ l: { L: [N('1')] }, m: { M: { k: N('1') } } })
    const parsed = parseExpressions({ UpdateExpression: 'SET #p = :v', ExpressionAttributeNames: { '#p': '__proto__' }, ExpressionAttributeValues: { ':v': N('2') } })
    const out = applyUpdate(parsed.update!, deepFreeze({ a: N('1') }))
    expect(Object.keys(out)).toEqual(['a', '__proto__'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(after.l).toEqual({ L: [N('2')] })
  })
})

describe('updatedAttributes', () => {
  it('returns each top-level attribute holding an updated path that the item has', () => {
    const parsed = parseExpressions({ UpdateExpression: 'SET m.b = :v, l[5] = :v REMOVE gone', ExpressionAttributeValues: { ':v': N('5') } })
    const old: Item = { m: { M: { b: N('1'), c: N('2') } }, l: { L: [N('1')] }, gone: N('0'), other: N('7') }
    const next = applyUpdate(parsed.update!, old)
    expect(updatedAttributes(parsed.update!, old)).toEqual({ m: old.m, gone: N('0') })
    expect(updatedAttributes(parsed.update!, next)).toEqual({ m: { M: { b: N('5'), c: N('2') } } })
  })
})

describe('updateLocally', () => {
  const key: Item = { pk: { S: 'k' } }
  const parse = (UpdateExpression: string, ConditionExpression?: string): ReturnType<typeof parseExpressions> =>
    parseExpressions({
      UpdateExpression,
      ...(ConditionExpression ? { ConditionExpression } : {}),
      ...(`${UpdateExpression} ${ConditionExpression ?? ''}`.includes(':one') ? { ExpressionAttributeValues: { ':one': N('1') } } : {}),
    })

  it('checks the condition on the stored item (or on nothing), then updates and returns what DynamoDB returns', () => {
    const stored: Item = { ...key, n: N('1'), other: N('5') }
    expect(updateLocally(parse('ADD n :one', 'n = :one'), stored, key, 'UPDATED_NEW').attributes).toEqual({ n: N('2') })
    expect(updateLocally(parse('ADD n :one'), stored, key, 'ALL_OLD').attributes).toEqual(stored)
    expect(updateLocally(parse('ADD n :one'), undefined, key, 'ALL_NEW')).toEqual({ item: { ...key, n: N('1') }, attributes: { ...key, n: N('1') } })
    expect(updateLocally(parse('ADD n :one'), undefined, key, 'UPDATED_OLD').attributes).toBeUndefined()
    expect(updateLocally(parse('REMOVE absent'), stored, key, 'UPDATED_NEW').attributes).toBeUndefined()
    expect(() => updateLocally(parse('ADD n :one', 'n <> :one'), stored, key, 'NONE')).toThrow(ConditionNotMet)
    expect(() => updateLocally(parse('ADD n :one', 'attribute_exists(n)'), undefined, key, 'NONE')).toThrow(ConditionNotMet)
  })

  it('refuses to update a key attribute, as DynamoDB does', () => {
    expect(() => updateLocally(parse('SET pk = :one'), undefined, key, 'NONE'))
      .toThrow('One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key')
  })
})
