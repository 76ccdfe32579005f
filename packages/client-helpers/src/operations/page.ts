import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { decryptMany } from '../item-crypto'
import type { DecryptFailureReport } from '../item-decryption-error'
import { planRead } from '../policy'
import type { ResolvedTable } from '../table-registry'
import type { Exchange, OperationEnv, PlacedItem } from './operation'
import { widenRead, type ReadMembers } from './shared'

interface PageInput extends ReadMembers {
  TableName?: string | undefined
  IndexName?: string | undefined
}
interface PageOutput extends DecryptFailureReport {
  Items?: Record<string, AttributeValue>[] | undefined
}

/** The items of a Query or Scan page. */
export function* pageItems(output: PageOutput, input: PageInput): Iterable<PlacedItem> {
  for (const item of output.Items ?? []) yield { tableName: input.TableName, item }
}

/** The shared exchange of Query and Scan: whole items read, verified and decrypted with bounded concurrency. */
export function readPage<I extends PageInput, O extends PageOutput>(table: ResolvedTable, input: I, env: OperationEnv): Exchange<I, O> {
  const plan = planRead(table, input, 'query')
  const report = env.settings.onDecryptFailure === 'report'
  return {
    input: widenRead(input, plan),
    async output(output) {
      if (output.Items === undefined) return output
      const { items, failed } = await decryptMany(output.Items.map((item) => ({ table, item, paths: plan.paths })), env.settings.concurrency, report)
      return { ...output, Items: items.filter((i) => i !== undefined), ...(report ? { FailedItems: failed } : {}) }
    },
  }
}
