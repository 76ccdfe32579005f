import type { TransactGetItemsCommandInput, TransactGetItemsCommandOutput } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError } from '@ddb-encryption/core'
import { decryptMany } from '../item-crypto'
import { checkKey, planRead } from '../policy'
import type { ResolvedTable } from '../table-registry'
import type { Operation } from './operation'
import { widenRead } from './shared'

/** TransactGetItems: every key checked, whole items read, each verified and decrypted (a failure throws). */
export const transactGetItems: Operation<TransactGetItemsCommandInput, TransactGetItemsCommandOutput> = {
  name: 'TransactGetItems',
  writtenItems: () => [],
  *returnedItems(output, input) {
    for (const [i, response] of (output.Responses ?? []).entries()) {
      if (response.Item !== undefined) yield { tableName: input.TransactItems?.[i]?.Get?.TableName, item: response.Item }
    }
  },
  async prepare(input, env) {
    const entries = input.TransactItems ?? []
    const gets = entries.map((entry) => {
      if (entry.Get === undefined) throw new InvalidArgumentError('A TransactGetItems entry has no Get')
      return entry.Get
    })
    const tables = await env.tables.resolveAll(gets.map((g) => g.TableName))
    const tableAt = (i: number): ResolvedTable => tables.get(gets[i]?.TableName as string) as ResolvedTable
    const plans = gets.map((get, i) => {
      checkKey(tableAt(i), get.Key, 'Get.Key')
      return planRead(tableAt(i), get, 'item')
    })
    return {
      input: { ...input, TransactItems: entries.map((entry, i) => ({ ...entry, Get: widenRead(gets[i] as NonNullable<typeof entry.Get>, plans[i] as ReturnType<typeof planRead>) })) },
      async output(output) {
        const responses = output.Responses
        if (responses === undefined) return output
        const at = responses.flatMap((r, i) => (r.Item !== undefined ? [i] : []))
        const { items } = await decryptMany(at.map((i) => ({ table: tableAt(i), item: responses[i]?.Item ?? {}, paths: plans[i]?.paths })), env.settings.concurrency, false)
        const out = responses.map((r) => ({ ...r }))
        at.forEach((i, k) => { (out[i] as { Item?: unknown }).Item = items[k] })
        return { ...output, Responses: out }
      },
    }
  },
}
