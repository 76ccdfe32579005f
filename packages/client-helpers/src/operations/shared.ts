import { normalizeNumber, type Item } from '@ddb-encryption/core'
import { decryptFor, keyOf } from '../item-crypto'
import { namesWithoutProjection, type ReadPlan } from '../policy'
import type { ResolvedTable } from '../table-registry'

/** Members of a read request that {@link widenRead} may change. */
export interface ReadMembers {
  ProjectionExpression?: string | undefined
  AttributesToGet?: string[] | undefined
  ExpressionAttributeNames?: Record<string, string> | undefined
  Select?: string | undefined
  KeyConditionExpression?: string | undefined
  FilterExpression?: string | undefined
}

/** A copy of a read request that asks for whole items as `plan` says (projection removed, unused names dropped). */
export function widenRead<T extends ReadMembers>(input: T, plan: ReadPlan): T {
  if (!plan.wholeItems) return { ...input }
  const next: T = { ...input }
  delete next.ProjectionExpression
  delete next.AttributesToGet
  if (plan.select !== undefined) next.Select = plan.select
  if (input.ExpressionAttributeNames !== undefined) {
    const names = namesWithoutProjection(next)
    if (names !== undefined) next.ExpressionAttributeNames = names
    else delete next.ExpressionAttributeNames
  }
  return next
}

/** `output` with its `Attributes` (ReturnValues: ALL_OLD / ALL_NEW) verified and decrypted. */
export async function withAttributes<O extends { Attributes?: Record<string, unknown> | undefined }>(table: ResolvedTable, output: O): Promise<O> {
  if (output.Attributes === undefined) return output
  return { ...output, Attributes: await decryptFor(table, output.Attributes as Item) }
}

/**
 * Decrypts, in place, the stored item an error carries (`ConditionalCheckFailedException.Item` or a transaction's
 * cancellation reason, with `ReturnValuesOnConditionCheckFailure: ALL_OLD`), so the caller never sees ciphertext
 * where it asked for the old item. The error object was made by the SDK for this call and keeps its class and
 * fields; an item that cannot be verified (or decrypted now) is removed rather than shown.
 */
export async function decryptItemOf(table: ResolvedTable, holder: { Item?: unknown }): Promise<void> {
  const item = holder.Item
  if (item === undefined || item === null || typeof item !== 'object') return
  try {
    holder.Item = await decryptFor(table, item as Item)
  } catch {
    delete holder.Item
  }
}

/** {@link decryptItemOf} for a `ConditionalCheckFailedException`. */
export async function decryptConditionFailure(table: ResolvedTable, error: unknown): Promise<void> {
  if (error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'ConditionalCheckFailedException') {
    await decryptItemOf(table, error as { Item?: unknown })
  }
}

/** A stable string for the primary key of `item` in `tableName` (key attributes are S, N or B and never encrypted). */
export function keyString(table: ResolvedTable, item: Item): string {
  const key = keyOf(table, item) as Record<string, Record<string, unknown>>
  return JSON.stringify([table.info.tableName, ...Object.keys(key).sort().map((name) => {
    const v = key[name] as Record<string, unknown>
    if (v['B'] instanceof Uint8Array) return [name, 'B', Buffer.from(v['B']).toString('hex')]
    if (typeof v['N'] === 'string') return [name, 'N', normalizeNumber(v['N'])]
    return [name, 'S', v['S']]
  })])
}
