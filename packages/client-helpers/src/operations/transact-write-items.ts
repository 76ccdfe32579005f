import type { TransactWriteItem, TransactWriteItemsCommandInput, TransactWriteItemsCommandOutput } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, UnsupportedOperationError, type Item } from '@ddb-encryption/core'
import { encryptAll } from '../item-crypto'
import { checkKey, checkUpdate, checkWriteConditions } from '../policy'
import type { ResolvedTable } from '../table-registry'
import type { Operation } from './operation'
import { policyError, refusalWithOption } from './read-modify-write'
import { decryptItemOf } from './shared'
import { entryPart, transactReadModifyWrite } from './transact-read-modify-write'

function tableOf(entry: TransactWriteItem): string | undefined {
  const found = entryPart(entry)
  if (found === undefined) throw new InvalidArgumentError('A TransactWriteItems entry has none of Put, Update, Delete or ConditionCheck')
  return found.part.TableName
}

/** True when `entry` uses a legacy parameter (refused on encrypted attributes whatever the options). */
function usesLegacy(entry: TransactWriteItem): boolean {
  const part = entryPart(entry)?.part as { Expected?: unknown; AttributeUpdates?: unknown } | undefined
  return part?.Expected !== undefined || part?.AttributeUpdates !== undefined
}

/**
 * TransactWriteItems: every entry checked by the policy and every Put encrypted before anything is sent (never
 * half-encrypted); the old items of a `TransactionCanceledException`'s reasons are decrypted. Entries the policy
 * refuses (updates of signed / encrypted attributes, conditions reading encrypted ones) are refused, or, with the
 * `readModifyWrite` option, evaluated on the client and sent in one transaction conditioned on the signatures of
 * the items read (see transact-read-modify-write.ts).
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
    const clientSide = new Set<number>()
    entries.forEach((entry, i) => {
      const table = tableAt(i)
      // Keys first: a key carrying a non-key attribute is refused whatever the options.
      if (entry.Update !== undefined) checkKey(table, entry.Update.Key, 'Update.Key')
      if (entry.Delete !== undefined) checkKey(table, entry.Delete.Key, 'Delete.Key')
      if (entry.ConditionCheck !== undefined) checkKey(table, entry.ConditionCheck.Key, 'ConditionCheck.Key')
      try {
        if (entry.Put !== undefined) checkWriteConditions(table, entry.Put)
        if (entry.Update !== undefined) checkUpdate(table, entry.Update)
        if (entry.Delete !== undefined) checkWriteConditions(table, entry.Delete)
        if (entry.ConditionCheck !== undefined) checkWriteConditions(table, entry.ConditionCheck)
      } catch (error) {
        if (!(error instanceof UnsupportedOperationError)) throw policyError(error, env.settings.readModifyWrite)
        if (!env.settings.readModifyWrite) throw usesLegacy(entry) ? error : refusalWithOption(error, 'readModifyWrite')
        clientSide.add(i)
      }
    })
    // Every Put through core's batch API, one call per table (encryptAll).
    const puts = entries.flatMap((entry, i) => (entry.Put !== undefined ? [{ table: tableAt(i), item: entry.Put.Item }] : []))
    const items = await encryptAll(puts, env.settings.concurrency)
    let put = 0
    const sent = entries.map((entry): TransactWriteItem =>
      entry.Put === undefined ? entry : { ...entry, Put: { ...entry.Put, Item: items[put++] as Item } })
    const send = clientSide.size > 0 ? transactReadModifyWrite(input, sent, clientSide, tableAt, env) : undefined
    return {
      input: { ...input, TransactItems: sent },
      ...(send !== undefined ? { send } : {}),
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
