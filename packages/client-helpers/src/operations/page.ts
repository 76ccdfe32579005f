import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { UnsupportedOperationError, type Item } from '@ddb-encryption/core'
import { validationException } from '../dynamodb-errors'
import { evaluateCondition, ExpressionValidationError, parseExpressions, projectItem, requestWithout, type Condition, type DocumentPath } from '../expression'
import { decryptMany } from '../item-crypto'
import type { DecryptFailureReport } from '../item-decryption-error'
import { checkCondition, planRead } from '../policy'
import type { ResolvedTable } from '../table-registry'
import type { Exchange, OperationEnv, PlacedItem } from './operation'
import { policyError, refusalWithOption } from './read-modify-write'
import { widenRead, type ReadMembers } from './shared'

interface PageInput extends ReadMembers {
  TableName?: string | undefined
  IndexName?: string | undefined
  ExpressionAttributeValues?: Record<string, AttributeValue> | undefined
}
interface PageOutput extends DecryptFailureReport {
  Items?: Record<string, AttributeValue>[] | undefined
  Count?: number | undefined
}

/** The items of a Query or Scan page. */
export function* pageItems(output: PageOutput, input: PageInput): Iterable<PlacedItem> {
  for (const item of output.Items ?? []) yield { tableName: input.TableName, item }
}

/**
 * The shared exchange of Query and Scan: whole items read, verified and decrypted with bounded concurrency.
 *
 * With `filter` (a FilterExpression on encrypted attributes, evaluated here instead of by DynamoDB), the request is
 * sent without it and each page is filtered after decryption. DynamoDB's semantics are kept: `Limit` counts the
 * items read before the filter, `ScannedCount` and `LastEvaluatedKey` are DynamoDB's, `Count` is the number of
 * items that pass the filter, so pages and paginators behave as with a server-side filter. `Select: COUNT` reads
 * the items (to filter them) and returns only the count.
 * @internal
 */
export function readPage<I extends PageInput, O extends PageOutput>(table: ResolvedTable, input: I, env: OperationEnv, filter?: Condition): Exchange<I, O> {
  const counting = filter !== undefined && input.Select === 'COUNT'
  const planned = counting ? { ...input, Select: undefined } : input
  const plan = planRead(table, planned, 'query')
  const report = env.settings.onDecryptFailure === 'report'
  let sent = widenRead(planned, plan)
  if (filter !== undefined) sent = requestWithout(sent, ['FilterExpression'])
  return {
    input: sent,
    async output(output) {
      if (output.Items === undefined) return output
      if (filter === undefined) {
        const { items, failed } = await decryptMany(output.Items.map((item) => ({ table, item, paths: plan.paths })), env.settings.concurrency, report)
        return { ...output, Items: items.filter((i) => i !== undefined), ...(report ? { FailedItems: failed } : {}) }
      }
      const { items, failed } = await decryptMany(output.Items.map((item) => ({ table, item })), env.settings.concurrency, report)
      const passed = items.filter((i): i is Item => i !== undefined && evaluateCondition(filter, i))
      const projected = plan.paths !== undefined ? passed.map((i) => projectItem(i, plan.paths as DocumentPath[])) : passed
      const { Items: _all, ...rest } = output
      return { ...rest, ...(counting ? {} : { Items: projected }), Count: passed.length, ...(report ? { FailedItems: failed } : {}) } as O
    },
  }
}

/**
 * The FilterExpression to evaluate after decryption, or undefined when DynamoDB evaluates it: the policy refuses a
 * filter that reads encrypted attributes unless the client is configured with `clientSideFilters: true`.
 * @throws {UnsupportedOperationError} the policy's refusal; a `ValidationException` for an invalid request.
 * @internal
 */
export function clientSideFilter(table: ResolvedTable, input: PageInput & { FilterExpression?: string | undefined }, env: OperationEnv): Condition | undefined {
  try {
    checkCondition(table, input.FilterExpression, input.ExpressionAttributeNames, 'FilterExpression')
    return undefined
  } catch (error) {
    if (!(error instanceof UnsupportedOperationError)) throw policyError(error, env.settings.clientSideFilters)
    if (!env.settings.clientSideFilters) throw refusalWithOption(error, 'clientSideFilters')
  }
  try {
    return parseExpressions(input).filter
  } catch (error) {
    if (error instanceof ExpressionValidationError) throw validationException(error)
    throw error
  }
}
