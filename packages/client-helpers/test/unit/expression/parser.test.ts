import type { AttributeValue } from '@ddb-encryption/core'
import { ExpressionValidationError, parseExpressions, requestWithout, type Condition, type ExpressionRequest } from '../../../src/expression'

function condition(expression: string, values: Record<string, AttributeValue> = {}, names?: Record<string, string>): Condition {
  const request: ExpressionRequest = {
    ConditionExpression: expression,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    ...(names ? { ExpressionAttributeNames: names } : {}),
  }
  return parseExpressions(request).condition as Condition
}

function rejected(request: ExpressionRequest): string {
  try {
    parseExpressions(request)
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionValidationError)
    expect((error as ExpressionValidationError).code).toBe('ERR_INVALID_ARGUMENT')
    expect((error as ExpressionValidationError).dynamoDBErrorName).toBe('ValidationException')
    return (error as Error).message
  }
  throw new Error('expected a ValidationException')
}

const N = (n: string): AttributeValue => ({ N: n })

describe('parser: conditions', () => {
  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const c = condition('attribute_exists(a) OR NOT attribute_exists(b) AND attribute_exists(c)')
    expect(c.kind).toBe('or')
    const right = (c as { right: Condition }).right
    expect(right.kind).toBe('and')
    expect((right as { left: Condition }).left.kind).toBe('not')
  })

  it('parses comparisons, BETWEEN, IN, functions, size() and parentheses, with keywords in any case', () => {
    const c = condition('(a.b[2] <= :x and c BETWEEN :x AND :y) or d in (:x, :y) OR size(#n) > :x OR begins_with(e, :s)', {
      ':x': N('1'), ':y': N('2'), ':s': { S: 'p' },
    }, { '#n': 'name' })
    expect(c.kind).toBe('or')
    expect(JSON.stringify(c)).toContain('"path":[{"name":"a"},{"name":"b"},{"index":2}]')
    expect(JSON.stringify(c)).toContain('"kind":"size","operand":{"kind":"path","path":[{"name":"name"}]}')
  })

  it('rejects what DynamoDB rejects, with its messages', () => {
    expect(rejected({ ConditionExpression: 'a =' })).toBe('Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="')
    expect(rejected({ ConditionExpression: 'a = b = c' })).toBe('Invalid ConditionExpression: Syntax error; token: "=", near: "b = c"')
    expect(rejected({ ConditionExpression: 'attribute_exists(status)' })).toBe('Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status')
    expect(rejected({ ConditionExpression: 'ATTRIBUTE_EXISTS(a)' })).toBe('Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS')
    expect(rejected({ ConditionExpression: 'size(a)' })).toBe('Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size')
    expect(rejected({ ConditionExpression: 'if_not_exists(a, :v) = :v', ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists')
    expect(rejected({ ConditionExpression: 'attribute_exists(:v)', ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists')
    expect(rejected({ ConditionExpression: 'a < :v', ExpressionAttributeValues: { ':v': { L: [] } } }))
      .toBe('Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: L')
    expect(rejected({ ConditionExpression: 'begins_with(a, :v)', ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N')
    expect(rejected({ ConditionExpression: '#a = a', ExpressionAttributeNames: { '#a': 'a' } }))
      .toBe('Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]')
    expect(rejected({ ConditionExpression: 'NOT ((attribute_exists(a)))' })).toBe('Invalid ConditionExpression: The expression has redundant parentheses;')
    expect(rejected({ ConditionExpression: 'attribute_type(a, :t)', ExpressionAttributeValues: { ':t': { S: 'X' } } }))
      .toBe('Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: {S,N,B,SS,NS,BS,BOOL,NULL,L,M}')
    expect(rejected({ ConditionExpression: '' })).toBe('Invalid ConditionExpression: The expression can not be empty;')
  })

  it('never repeats attribute values in BETWEEN messages (DynamoDB does)', () => {
    const message = rejected({ ConditionExpression: 'a BETWEEN :hi AND :lo', ExpressionAttributeValues: { ':hi': { S: 'secret-9' }, ':lo': { S: 'secret-1' } } })
    expect(message).toBe('Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound')
    expect(message).not.toContain('secret')
  })
})

describe('parser: request placeholders', () => {
  it('rejects undefined, unused and malformed placeholders, empty maps and invalid values', () => {
    expect(rejected({ ConditionExpression: '#a = :v', ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a')
    expect(rejected({ ConditionExpression: 'a = :w', ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :w')
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': N('1'), ':w': N('2') } }))
      .toBe('Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}')
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeNames: { '#n': 'x' }, ExpressionAttributeValues: { ':v': N('1') } }))
      .toBe('Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}')
    expect(rejected({ ConditionExpression: 'attribute_exists(a)', ExpressionAttributeValues: {} })).toBe('ExpressionAttributeValues must not be empty')
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': N('1E126') } }))
      .toBe('ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a number with magnitude larger than supported range for key :v')
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { NS: ['20', '2E1'] } } }))
      .toBe('ExpressionAttributeValues contains invalid value: Input collection contains duplicates for key :v')
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { NULL: false } } }))
      .toBe('ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: Null attribute value types must have the value of true for key :v')
  })

  it('refuses, as a ValidationException, an expression value that is not an attribute value (never a TypeError)', () => {
    const empty = 'ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :v'
    for (const value of [{ FOO: 'x' }, {}, { S: undefined }, 'x', null, 7, ['S'], { S: 'a', FOO: 1 }]) {
      expect(rejected({ ConditionExpression: 'a < :v', ExpressionAttributeValues: { ':v': value as unknown as AttributeValue } })).toBe(empty)
    }
    const member = (type: string, what: string): string =>
      `ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: the ${type} member of an AttributeValue must be ${what} for key :v`
    const cases: Array<[unknown, string, string]> = [
      [{ S: 5 }, 'S', 'a string'],
      [{ N: 5 }, 'N', 'a string of decimal digits'],
      [{ B: 'AAE=' }, 'B', 'a Uint8Array'],
      [{ SS: 'ab' }, 'SS', 'an array of strings'],
      [{ NS: [1] }, 'NS', 'an array of number strings'],
      [{ BS: ['a'] }, 'BS', 'an array of Uint8Arrays'],
      [{ BOOL: 'yes' }, 'BOOL', 'a boolean'],
      [{ NULL: 'true' }, 'NULL', 'true'],
      [{ L: 'ab' }, 'L', 'an array of attribute values'],
      [{ M: null }, 'M', 'an object of attribute values'],
      [{ M: [] }, 'M', 'an object of attribute values'],
    ]
    for (const [value, type, what] of cases) {
      expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': value as AttributeValue } })).toBe(member(type, what))
    }
    // Nested values are checked the same way, and every refusal is typed the same in updates.
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { L: [{ S: 'ok' }, 'x' as unknown as AttributeValue] } } })).toBe(empty)
    expect(rejected({ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { M: { k: { X: 1 } as unknown as AttributeValue } } } })).toBe(empty)
    expect(rejected({ UpdateExpression: 'ADD a :v', ExpressionAttributeValues: { ':v': { FOO: [] } as unknown as AttributeValue } })).toBe(empty)
  })

  it('counts a placeholder used by any expression of the request', () => {
    const parsed = parseExpressions({
      UpdateExpression: 'SET #a = :v',
      ConditionExpression: 'attribute_exists(#b) AND #a <> :w',
      ExpressionAttributeNames: { '#a': 'a', '#b': 'b' },
      ExpressionAttributeValues: { ':v': N('1'), ':w': N('2') },
    })
    expect(parsed.update?.actions).toHaveLength(1)
    expect(parsed.condition?.kind).toBe('and')
  })
})

describe('parser: update expressions', () => {
  it('parses every clause in any order, once each, keywords in any case', () => {
    const parsed = parseExpressions({
      UpdateExpression: 'remove r add n :one delete s :set set a = if_not_exists(a, :zero) + :one, l = list_append(l, :list)',
      ExpressionAttributeValues: { ':one': N('1'), ':zero': N('0'), ':set': { SS: ['x'] }, ':list': { L: [] } },
    })
    expect(parsed.update?.actions.map((a) => a.kind)).toEqual(['REMOVE', 'ADD', 'DELETE', 'SET', 'SET'])
  })

  it('rejects overlapping and conflicting paths, repeated clauses, misplaced functions and wrong literal types', () => {
    const v = { ':v': N('1') }
    expect(rejected({ UpdateExpression: 'SET a = :v REMOVE a', ExpressionAttributeValues: v }))
      .toBe('Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]')
    expect(rejected({ UpdateExpression: 'SET a.b = :v, a[0] = :v', ExpressionAttributeValues: v }))
      .toMatch(/^Invalid UpdateExpression: Two document paths conflict with each other/)
    expect(rejected({ UpdateExpression: 'SET a = :v SET b = :v', ExpressionAttributeValues: v }))
      .toBe('Invalid UpdateExpression: The "SET" section can only be used once in an update expression;')
    expect(rejected({ UpdateExpression: 'SET a = list_append(:l, :l) + :v', ExpressionAttributeValues: { ...v, ':l': { L: [] } } }))
      .toBe('Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append')
    expect(rejected({ UpdateExpression: 'SET a = :s + :v', ExpressionAttributeValues: { ...v, ':s': { S: 'x' } } }))
      .toBe('Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S')
    expect(rejected({ UpdateExpression: 'ADD a :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }))
      .toBe('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND')
    expect(rejected({ UpdateExpression: 'DELETE a :v', ExpressionAttributeValues: v }))
      .toBe('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND')
    expect(rejected({ UpdateExpression: 'SET a = if_not_exists(:v, :v)', ExpressionAttributeValues: v }))
      .toBe('Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists')
    expect(rejected({ UpdateExpression: 'SET a[2147483648] = :v', ExpressionAttributeValues: v }))
      .toBe('Invalid UpdateExpression: List index is not within the allowable range; index: [2147483648]')
    expect(rejected({ UpdateExpression: 'SET a[01] = :v', ExpressionAttributeValues: v })).toMatch(/Syntax error; token: "1"/)
    expect(rejected({ UpdateExpression: 'SET a = :v + :v + :v', ExpressionAttributeValues: v })).toMatch(/Syntax error; token: "\+"/)
    expect(rejected({ UpdateExpression: 'SET and = :v', ExpressionAttributeValues: v })).toMatch(/Syntax error; token: "and"/)
  })
})

describe('parser: projections', () => {
  it('parses paths and rejects overlapping ones', () => {
    expect(parseExpressions({ ProjectionExpression: 'a, #b.c[1]', ExpressionAttributeNames: { '#b': 'b' } }).projection)
      .toEqual([[{ name: 'a' }], [{ name: 'b' }, { name: 'c' }, { index: 1 }]])
    expect(rejected({ ProjectionExpression: 'a, a.b' })).toMatch(/^Invalid ProjectionExpression: Two document paths overlap/)
  })
})

describe('requestWithout', () => {
  it('drops expressions and exactly the placeholders only they used', () => {
    const request = {
      TableName: 't',
      KeyConditionExpression: '#pk = :pk',
      FilterExpression: '#secret = :s AND #pk <> :other',
      ExpressionAttributeNames: { '#pk': 'pk', '#secret': 'secret' },
      ExpressionAttributeValues: { ':pk': { S: 'p' }, ':s': { S: 'x' }, ':other': { S: 'y' } },
    }
    expect(requestWithout(request, ['FilterExpression'])).toEqual({
      TableName: 't',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': { S: 'p' } },
    })
    expect(requestWithout({ TableName: 't', ConditionExpression: '#a = :v', ExpressionAttributeNames: { '#a': 'a' }, ExpressionAttributeValues: { ':v': { N: '1' } } }, ['ConditionExpression']))
      .toEqual({ TableName: 't' })
  })
})
