import type { TransactWriteItem, TransactWriteItemsCommandInput, TransactWriteItemsCommandOutput } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, mapWithConcurrency } from '@ddb-encryption/core'
import { encryptFor } from '../item-crypto'
import { checkKey, checkUpdate, checkWriteConditions } from '../policy'
import type { ResolvedTable } from '../table-registry'
import type { Operation } from './operation'
import { decryptItemOf } from './shared'

function tableOf(entry: TransactWriteItem): string | undefined {
  const part = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck
  if (part === undefined) throw new InvalidArgumentError('A TransactWriteItems entry has none of Put, Update, Delete or ConditionCheck')
  return part.TableName
}

/**
 * TransactWriteItems: every entry checked by the policy and every Put encrypted before anything is sent (never
 * half-encrypted); the old items of a `TransactionCanceledException`'s reasons are decrypted.
 */
export const transactWriteItems: Operation<TransactWriteItemsCommandInput, TransactWriteItemsCommandOutput> = {
  name: 'TransactWriteItems',
  *writtenItems(input) {
    for (const entry of input.TransactItems ?? []) if (entry.Put !== undefined) yield { tableName: entry.Put.TableName, item: entry.Put.Item }
  },
  returnedItems: () => [],
  async prepare(input, env) {
    const entries = input.TransactItems ?? []
    const names = entries.map(tableOf)
    const tables = await env.tables.resolveAll(names)
    const tableAt = (i: number): ResolvedTable => tables.get(names[i] as string) as ResolvedTable
    entries.forEach((entry, i) => {
      const table = tableAt(i)
      if (entry.Put !== undefined) checkWriteConditions(table, entry.Put)
      if (entry.Update !== undefined) { checkKey(table, entry.Update.Key, 'Update.Key'); checkUpdate(table, entry.Update) }
      if (entry.Delete !== undefined) { checkKey(table, entry.Delete.Key, 'Delete.Key'); checkWriteConditions(table, entry.Delete) }
      if (entry.ConditionCheck !== undefined) { checkKey(table, entry.ConditionCheck.Key, 'ConditionCheck.Key'); checkWriteConditions(table, entry.ConditionCheck) }
    })
    const sent = await mapWithConcurrency(entries, env.settings.concurrency, async (entry, i): Promise<TransactWriteItem> =>
      entry.Put === undefined ? entry : { ...entry, Put: { ...entry.Put, Item: await encryptFor(tableAt(i), entry.Put.Item) } })
    return {
      input: { ...input, TransactItems: sent },
      output: (output) => Promise.resolve(output),
      async error(error) {
        if (error === null || typeof error !== 'object' || (error as { name?: unknown }).name !== 'TransactionCanceledException') return
        const reasons = (error as { CancellationReasons?: unknown }).CancellationReasons
        if (!Array.isArray(reasons)) return
        await Promise.all(reasons.map(async (reason: { Item?: unknown } | undefined, i) => {
          if (reason?.Item !== undefined && i < entries.length) await decryptItemOf(tableAt(i), reason)
        }))
      },
    }
  },
}
