import type { BatchGetItemCommandInput, BatchGetItemCommandOutput, KeysAndAttributes } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, type Item, setOwn } from '@ddb-encryption/core'
import { decryptMany, type ReadEntry } from '../item-crypto'
import type { DecryptFailureReport } from '../item-decryption-error'
import { checkKey, planRead, type ReadPlan } from '../policy'
import { entriesOf, type Operation } from './operation'
import { widenRead } from './shared'

type Output = BatchGetItemCommandOutput & DecryptFailureReport

/**
 * BatchGetItem: every key checked, whole items read and decrypted per table; unprocessed keys come back in the
 * caller's own request shape (projection included), so a retry is the same call.
 */
export const batchGetItem: Operation<BatchGetItemCommandInput, Output> = {
  name: 'BatchGetItem',
  writtenItems: () => [],
  *returnedItems(output) {
    for (const [tableName, items] of entriesOf(output.Responses)) for (const item of items) yield { tableName, item }
  },
  async prepare(input, env) {
    const requests = input.RequestItems ?? {}
    const tables = await env.tables.resolveAll(Object.keys(requests))
    const plans = new Map<string, ReadPlan>()
    const sent: Record<string, KeysAndAttributes> = {}
    for (const [name, request] of entriesOf(requests)) {
      const table = tables.get(name)
      if (table === undefined) continue
      for (const key of request.Keys ?? []) checkKey(table, key, 'A key of BatchGetItem')
      const plan = planRead(table, request, 'item')
      plans.set(name, plan)
      setOwn(sent, name, widenRead(request, plan))
    }
    const report = env.settings.onDecryptFailure === 'report'
    return {
      input: { ...input, RequestItems: sent },
      async output(output) {
        const responses = output.Responses ?? {}
        const entries: (ReadEntry & { name: string })[] = []
        for (const [name, items] of entriesOf(responses)) {
          const table = tables.get(name)
          if (table === undefined) throw new InvalidArgumentError(`DynamoDB returned items for table "${name}", which the request did not name`)
          for (const item of items) entries.push({ table, item: item as Item, paths: plans.get(name)?.paths, name })
        }
        const { items, failed } = await decryptMany(entries, env.settings.concurrency, report)
        const decrypted: Record<string, Item[]> = {}
        for (const name of Object.keys(responses)) setOwn(decrypted, name, [])
        entries.forEach((entry, i) => { const item = items[i]; if (item !== undefined) decrypted[entry.name]?.push(item) })
        let unprocessed = output.UnprocessedKeys
        if (unprocessed !== undefined) {
          const own: Record<string, KeysAndAttributes> = {}
          for (const [name, request] of entriesOf(unprocessed)) setOwn(own, name, { ...requests[name], Keys: request.Keys })
          unprocessed = own
        }
        return {
          ...output,
          ...(output.Responses !== undefined ? { Responses: decrypted as Output['Responses'] } : {}),
          ...(unprocessed !== undefined ? { UnprocessedKeys: unprocessed } : {}),
          ...(report ? { FailedItems: failed } : {}),
        }
      },
    }
  },
}
