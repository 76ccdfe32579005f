import type { AttributeValue } from '@aws-sdk/client-dynamodb'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dict = Record<string, any>

/** Operation name of a low-level command, the way DynamoDB sees it. */
export function opName(command: Dict): string {
  return (command['schema']?.[2] as string | undefined) ?? String(command.constructor.name).replace(/Command$/, '')
}

/**
 * A minimal in-memory DynamoDB (PutItem, GetItem, DeleteItem, Query/Scan of everything, BatchWrite/BatchGet,
 * TransactWrite/Get, DescribeTable) that records every command it receives. Conditions and expressions are not
 * evaluated: unit tests look at what was sent; DynamoDB Local checks the real semantics in integration tests.
 */
export class FakeDynamoDB {
  readonly sent: { op: string; input: Dict }[] = []
  readonly tables = new Map<string, Map<string, Dict>>()
  /** Responses to return instead of the default for the next calls of an operation. */
  readonly overrides: Partial<Record<string, ((input: Dict) => Dict)[]>> = {}

  constructor(readonly schemas: Record<string, { pk: string; sk?: string; table?: Dict }>) {
    for (const name of Object.keys(schemas)) this.tables.set(name, new Map())
  }

  key(table: string, item: Dict): string {
    const s = this.schemas[table]
    if (s === undefined) throw new Error(`ResourceNotFoundException: ${table}`)
    return JSON.stringify([item[s.pk], s.sk !== undefined ? item[s.sk] : null])
  }

  async send(command: Dict): Promise<Dict> {
    const op = opName(command)
    const input = command['input'] as Dict
    this.sent.push({ op, input })
    const override = this.overrides[op]?.shift()
    if (override !== undefined) return override(input)
    const t = (name: string): Map<string, Dict> => this.tables.get(name) as Map<string, Dict>
    switch (op) {
      case 'DescribeTable': {
        const s = this.schemas[input['TableName']]
        if (s === undefined) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' })
        return {
          Table: s.table ?? {
            TableName: input['TableName'],
            KeySchema: [{ AttributeName: s.pk, KeyType: 'HASH' }, ...(s.sk ? [{ AttributeName: s.sk, KeyType: 'RANGE' }] : [])],
            AttributeDefinitions: [{ AttributeName: s.pk, AttributeType: 'S' }, ...(s.sk ? [{ AttributeName: s.sk, AttributeType: 'N' }] : [])],
          },
        }
      }
      case 'PutItem': {
        const old = t(input['TableName']).get(this.key(input['TableName'], input['Item']))
        t(input['TableName']).set(this.key(input['TableName'], input['Item']), input['Item'])
        return input['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {}
      }
      case 'GetItem': {
        const item = t(input['TableName']).get(this.key(input['TableName'], input['Key']))
        return item ? { Item: item } : {}
      }
      case 'DeleteItem': {
        const k = this.key(input['TableName'], input['Key'])
        const old = t(input['TableName']).get(k)
        t(input['TableName']).delete(k)
        return input['ReturnValues'] === 'ALL_OLD' && old ? { Attributes: old } : {}
      }
      case 'UpdateItem': {
        const item = t(input['TableName']).get(this.key(input['TableName'], input['Key']))
        return input['ReturnValues'] === 'ALL_NEW' && item ? { Attributes: item } : {}
      }
      case 'Query':
      case 'Scan': {
        if (input['Select'] === 'COUNT') return { Count: t(input['TableName']).size }
        const items = [...t(input['TableName']).values()]
        return { Items: items, Count: items.length }
      }
      case 'BatchWriteItem': {
        for (const [name, reqs] of Object.entries(input['RequestItems'] as Record<string, Dict[]>)) {
          for (const r of reqs) {
            if (r['PutRequest']) t(name).set(this.key(name, r['PutRequest']['Item']), r['PutRequest']['Item'])
            else t(name).delete(this.key(name, r['DeleteRequest']['Key']))
          }
        }
        return { UnprocessedItems: {} }
      }
      case 'BatchGetItem': {
        const responses: Dict = {}
        for (const [name, req] of Object.entries(input['RequestItems'] as Record<string, Dict>)) {
          responses[name] = (req['Keys'] as Dict[]).map((k) => t(name).get(this.key(name, k))).filter(Boolean)
        }
        return { Responses: responses, UnprocessedKeys: {} }
      }
      case 'TransactWriteItems': {
        for (const e of input['TransactItems'] as Dict[]) {
          if (e['Put']) t(e['Put']['TableName']).set(this.key(e['Put']['TableName'], e['Put']['Item']), e['Put']['Item'])
        }
        return {}
      }
      case 'TransactGetItems':
        return {
          Responses: (input['TransactItems'] as Dict[]).map((e) => {
            const item = t(e['Get']['TableName']).get(this.key(e['Get']['TableName'], e['Get']['Key']))
            return item ? { Item: item } : {}
          }),
        }
      default:
        return { passedThrough: op }
    }
  }
}

/** Shorthand for a low-level S value. */
export const S = (s: string): AttributeValue => ({ S: s })
/** Shorthand for a low-level N value. */
export const N = (n: string): AttributeValue => ({ N: n })
