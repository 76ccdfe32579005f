import type { QueryCommandInput, QueryCommandOutput } from '@aws-sdk/client-dynamodb'
import type { DecryptFailureReport } from '../item-decryption-error'
import { checkCondition, checkKey, checkLegacyConditions } from '../policy'
import type { Operation } from './operation'
import { clientSideFilter, readPage, pageItems } from './page'

/** Query: conditions checked by the policy, whole items read, each page verified and decrypted. */
export const query: Operation<QueryCommandInput, QueryCommandOutput & DecryptFailureReport> = {
  name: 'Query',
  writtenItems: () => [],
  returnedItems: pageItems,
  async prepare(input, env) {
    const table = await env.tables.resolve(input.TableName)
    const names = input.ExpressionAttributeNames
    checkCondition(table, input.KeyConditionExpression, names, 'KeyConditionExpression')
    const filter = clientSideFilter(table, input, env)
    checkLegacyConditions(table, input.KeyConditions, 'KeyConditions')
    checkLegacyConditions(table, input.QueryFilter, 'QueryFilter')
    checkKey(table, input.ExclusiveStartKey, 'ExclusiveStartKey', input.IndexName)
    return readPage(table, input, env, filter)
  },
}
