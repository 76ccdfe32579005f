import { conditionUses, projectionPathsOf, projectItem, updateUses } from '../../src/expression'

describe('expression reader (the policy\'s view of the engine\'s parser)', () => {
  const names = { '#a': 'alpha', '#b': 'beta' }
  it('finds every top-level attribute a condition reads, marking existence checks', () => {
    expect(conditionUses('#a.x[1] = :v AND (size(beta) > :n OR attribute_exists(gamma)) AND NOT contains(d, :c)', names, 'ConditionExpression'))
      .toEqual([
        { attribute: 'alpha', existenceOnly: false }, { attribute: 'beta', existenceOnly: false },
        { attribute: 'gamma', existenceOnly: true }, { attribute: 'd', existenceOnly: false },
      ])
  })
  it('counts an existence check of a nested path (a.b, a[0]) as a read of the top-level value', () => {
    // Inside an encrypted attribute (one binary value on the server) no nested path exists, whatever the plaintext.
    expect(conditionUses('attribute_exists(#a.x) OR attribute_not_exists(beta[0]) OR attribute_exists(gamma)', names, 'ConditionExpression'))
      .toEqual([{ attribute: 'alpha', existenceOnly: false }, { attribute: 'beta', existenceOnly: false }, { attribute: 'gamma', existenceOnly: true }])
  })
  it('finds update targets and reads across clauses', () => {
    const u = updateUses('SET #a = if_not_exists(#a, :z) + :one, l = list_append(l, :x) REMOVE m.n[2] ADD c :one DELETE s :v', names)
    expect(u.targets).toEqual(['alpha', 'l', 'm', 'c', 's'])
    expect(u.reads.map((r) => r.attribute)).toEqual(['alpha', 'l'])
  })
  it('refuses an unknown placeholder', () => {
    expect(() => conditionUses('#nope = :v', names, 'FilterExpression')).toThrow('Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #nope')
  })
  it('projects top-level attributes and nested paths like DynamoDB', () => {
    const item = { a: { S: '1' }, m: { M: { x: { N: '1' }, y: { N: '2' } } }, l: { L: [{ S: 'p' }, { S: 'q' }, { S: 'r' }] } }
    expect(projectItem(item, projectionPathsOf('a, m.y, l[2], l[0], absent', undefined)))
      .toEqual({ a: { S: '1' }, m: { M: { y: { N: '2' } } }, l: { L: [{ S: 'p' }, { S: 'r' }] } })
  })
})
