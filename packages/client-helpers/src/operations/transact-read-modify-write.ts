/**
 * TransactWriteItems by read-modify-write: a transaction some of whose entries DynamoDB cannot evaluate on
 * ciphertext (an `Update` that writes signed or encrypted attributes or reads encrypted ones; a condition of a
 * `Put`, `Delete`, `Update` or `ConditionCheck` that reads encrypted attributes). With the `readModifyWrite` option:
 *
 * 1. Read the item of every such entry with a consistent GetItem, verify its signature and decrypt it.
 * 2. Evaluate each entry's condition and apply each update on the plaintext (the expression engine).
 * 3. If a condition is false, throw a `TransactionCanceledException` shaped as DynamoDB's (one reason per entry,
 *    `ConditionalCheckFailed` where a condition failed, with the plaintext old item under
 *    `ReturnValuesOnConditionCheckFailure: ALL_OLD`); nothing is sent. The conditions of the other entries are then
 *    evaluated here too (one more consistent read each), so every reason is the one DynamoDB would have given.
 * 4. Otherwise send ONE TransactWriteItems with the same entries in the same order, where each entry done on the
 *    client carries, instead of the caller's condition, the condition that its item is unchanged since it was read
 *    (same signature, or still absent): a `Put` of the new encrypted item for an `Update` or `Put`, a `Delete`, or a
 *    `ConditionCheck`. Entries DynamoDB can evaluate are sent as the caller wrote them (Puts encrypted).
 * 5. If DynamoDB cancels the transaction only because items read in step 1 changed (our conditions failed, or a
 *    transaction conflict on them), start again after a jittered backoff, up to `updateRetry.maxAttempts`; then a
 *    `TransactionConflictException`.
 *
 * No plaintext of an encrypted attribute is ever sent: the caller's conditions and update expressions on them stay
 * on the client. Cost: one extra consistent read per entry done on the client.
 * @internal
 */
import {
  TransactionCanceledException,
  type CancellationReason,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
  type TransactWriteItemsCommandOutput,
} from '@aws-sdk/client-dynamodb'
import { backoffDelayMs, mapWithConcurrency, sleep, UnsupportedOperationError, type Item } from '@ddb-encryption/core'
import { updateConflict, validationException } from '../dynamodb-errors'
import { ConditionNotMet, evaluateCondition, ExpressionValidationError, parseExpressions, updateLocally, type ParsedExpressions } from '../expression'
import { decryptFor, encryptFor, keyOf } from '../item-crypto'
import type { ResolvedTable } from '../table-registry'
import type { OperationEnv } from './operation'
import { asDynamoDBError, readStored, unchangedCondition } from './read-modify-write'
import { keyString } from './shared'

/** The kind of a TransactWriteItems entry. */
export type EntryKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck'

/** The one member of a TransactWriteItems entry, whatever its kind. */
interface EntryPart {
  readonly TableName?: string | undefined
  readonly Key?: Record<string, unknown> | undefined
  readonly Item?: Record<string, unknown> | undefined
  readonly ConditionExpression?: string | undefined
  readonly UpdateExpression?: string | undefined
  readonly ExpressionAttributeNames?: Record<string, string> | undefined
  readonly ExpressionAttributeValues?: Record<string, unknown> | undefined
  readonly ReturnValuesOnConditionCheckFailure?: string | undefined
}

/** The kind and member of `entry` (DynamoDB requires exactly one). */
export function entryPart(entry: TransactWriteItem): { kind: EntryKind; part: EntryPart } | undefined {
  for (const kind of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const) {
    const part = entry[kind] as EntryPart | undefined
    if (part !== undefined) return { kind, part }
  }
  return undefined
}

/** An entry the client evaluates, parsed once. */
interface ClientEntry {
  readonly index: number
  readonly kind: EntryKind
  readonly table: ResolvedTable
  readonly key: Item
  readonly parsed: ParsedExpressions
  readonly returnOld: boolean
  /** The encrypted item of a Put. */
  readonly item?: Item
}

/** DynamoDB's message for a failed condition in a cancellation reason (ConditionCheck entries end with a period). */
function conditionMessage(kind: EntryKind): string {
  return kind === 'ConditionCheck' ? 'The conditional request failed.' : 'The conditional request failed'
}

/** A TransactionCanceledException with DynamoDB's message and one reason per entry. */
export function transactionCanceled(reasons: CancellationReason[]): TransactionCanceledException {
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code ?? 'None').join(', ')}]`
  return new TransactionCanceledException({ message, $metadata: {}, CancellationReasons: reasons })
}

/**
 * True when `error` cancelled the transaction only because items the client read changed in between: every reason
 * other than `None` belongs to an entry done on the client and is a failed condition (ours: "unchanged") or a
 * transaction conflict.
 */
function lostRace(error: unknown, clientSide: ReadonlySet<number>): boolean {
  if (error === null || typeof error !== 'object' || (error as { name?: unknown }).name !== 'TransactionCanceledException') return false
  const reasons = (error as { CancellationReasons?: unknown }).CancellationReasons
  if (!Array.isArray(reasons)) return false
  let any = false
  for (const [i, reason] of (reasons as (CancellationReason | undefined)[]).entries()) {
    const code = reason?.Code ?? 'None'
    if (code === 'None') continue
    if (!clientSide.has(i) || (code !== 'ConditionalCheckFailed' && code !== 'TransactionConflict')) return false
    any = true
  }
  return any
}

/** The outcome of one client entry on the item as read: the entry to send, or why the transaction is cancelled. */
type Outcome = { readonly write: TransactWriteItem } | { readonly reason: CancellationReason } | { readonly invalid: unknown }

/**
 * Evaluates one client entry on the decrypted stored item (`plain`, undefined when absent) and builds the entry to
 * send, conditioned on the stored item being unchanged.
 */
async function evaluate(entry: ClientEntry, stored: Item | undefined, plain: Item | undefined): Promise<Outcome> {
  const { table, key, parsed, kind } = entry
  const TableName = table.info.tableName
  let item: Item | undefined
  try {
    if (kind === 'Update') {
      // DynamoDB reports an update of a key attribute as this entry's ValidationError, not as a failed call.
      for (const action of parsed.update?.actions ?? []) {
        const name = (action.path[0] as { name: string }).name
        if (Object.hasOwn(key, name)) {
          return { reason: { Code: 'ValidationError', Message: `One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key` } }
        }
      }
      item = await encryptFor(table, updateLocally(parsed, plain, key, undefined).item)
    } else {
      if (parsed.condition !== undefined && !evaluateCondition(parsed.condition, plain)) throw new ConditionNotMet(plain)
      item = entry.item
    }
  } catch (error) {
    if (error instanceof ConditionNotMet) {
      return { reason: { Code: 'ConditionalCheckFailed', Message: conditionMessage(kind), ...(entry.returnOld && plain !== undefined ? { Item: plain } : {}) } }
    }
    if (error instanceof ExpressionValidationError) return { invalid: asDynamoDBError(error, false) }
    throw error
  }
  const ours = unchangedCondition(key, stored)
  const condition = {
    ConditionExpression: ours.condition,
    ExpressionAttributeNames: ours.names,
    ...(Object.keys(ours.values).length > 0 ? { ExpressionAttributeValues: ours.values } : {}),
  }
  switch (kind) {
    case 'Put':
    case 'Update':
      // An Update becomes the Put of the whole new item: the same stored result, written encrypted and signed.
      return { write: { Put: { TableName, Item: item as Item, ...condition } } }
    case 'Delete':
      return { write: { Delete: { TableName, Key: key, ...condition } } }
    default:
      return { write: { ConditionCheck: { TableName, Key: key, ...condition } } }
  }
}

/** An entry DynamoDB evaluates, with the condition to evaluate here if the transaction is cancelled on the client. */
interface DirectEntry {
  readonly kind: EntryKind
  readonly table: ResolvedTable
  readonly key: Item
  /** Undefined when the entry has no condition, or one the engine cannot evaluate (legacy `Expected`). */
  readonly condition: ParsedExpressions['condition']
  readonly returnOld: boolean
}

/**
 * An entry DynamoDB evaluates, parsed: DynamoDB validates every entry's expressions before it looks at any item, and
 * a transaction cancelled on the client is never sent, so an invalid one is reported here, as DynamoDB would.
 */
function directEntry(kind: EntryKind, part: EntryPart, table: ResolvedTable, key: Item): DirectEntry {
  let condition: ParsedExpressions['condition']
  const legacy = (part as { Expected?: unknown; AttributeUpdates?: unknown })
  if (legacy.Expected === undefined && legacy.AttributeUpdates === undefined) {
    try {
      condition = parseExpressions(part as Parameters<typeof parseExpressions>[0]).condition
    } catch (error) {
      throw asDynamoDBError(error, false)
    }
  }
  return { kind, table, key, condition, returnOld: part.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' }
}

/**
 * The cancellation reasons of the entries DynamoDB would have evaluated, for a transaction cancelled on the client
 * (it is not sent): each conditional one's item is read (consistently), verified, decrypted, and its condition
 * evaluated, so the reasons say what DynamoDB would have said. Those conditions read no encrypted attribute (or the
 * policy would have sent them to the client), so this is the same evaluation on the same values.
 */
async function directReasons(directs: readonly (DirectEntry | undefined)[], env: OperationEnv): Promise<CancellationReason[]> {
  return mapWithConcurrency(directs, env.settings.concurrency, async (entry): Promise<CancellationReason> => {
    if (entry?.condition === undefined) return { Code: 'None' }
    const stored = await readStored(env, entry.table, entry.key)
    const plain = stored === undefined ? undefined : await decryptFor(entry.table, stored)
    if (evaluateCondition(entry.condition, plain)) return { Code: 'None' }
    return { Code: 'ConditionalCheckFailed', Message: conditionMessage(entry.kind), ...(entry.returnOld && plain !== undefined ? { Item: plain } : {}) }
  })
}

/**
 * Prepares the client entries of a transaction (`clientSide`: their indexes) and returns how to send it.
 * `prepared` holds every entry as it would be sent to DynamoDB (Puts already encrypted).
 * @throws {UnsupportedOperationError} for a client entry with the legacy `Expected` / `AttributeUpdates` parameters.
 * @throws a `ValidationException` for an invalid expression or two entries on one item.
 */
export function transactReadModifyWrite(
  input: TransactWriteItemsCommandInput,
  prepared: readonly TransactWriteItem[],
  clientSide: ReadonlySet<number>,
  tableAt: (i: number) => ResolvedTable,
  env: OperationEnv,
): (sendOnce: (input: TransactWriteItemsCommandInput) => Promise<TransactWriteItemsCommandOutput>) => Promise<TransactWriteItemsCommandOutput> {
  const entries = input.TransactItems ?? []
  const seen = new Set<string>()
  const clients: ClientEntry[] = []
  const directs: (DirectEntry | undefined)[] = entries.map(() => undefined)
  for (const [index, entry] of entries.entries()) {
    const { kind, part } = entryPart(entry) as { kind: EntryKind; part: EntryPart }
    const table = tableAt(index)
    const sentPut = (prepared[index] as TransactWriteItem).Put?.Item as Item | undefined
    const key = kind === 'Put' ? keyOf(table, sentPut ?? {}) : (part.Key as Item)
    // DynamoDB would refuse this too, but only once our reads were done: refuse it first, as it does.
    const id = keyString(table, key)
    if (seen.has(id)) throw validationException(new ExpressionValidationError('Transaction request cannot include multiple operations on one item'))
    seen.add(id)
    if (!clientSide.has(index)) {
      directs[index] = directEntry(kind, part, table, key)
      continue
    }
    const legacy = part as { Expected?: unknown; AttributeUpdates?: unknown }
    if (legacy.Expected !== undefined || legacy.AttributeUpdates !== undefined) {
      throw new UnsupportedOperationError(
        `A TransactWriteItems ${kind} on table "${table.info.tableName}" uses a legacy parameter (Expected / AttributeUpdates) on a ` +
        'signed or encrypted attribute, which read-modify-write cannot evaluate; use ConditionExpression / UpdateExpression',
      )
    }
    let parsed: ParsedExpressions
    try {
      parsed = parseExpressions(part as Parameters<typeof parseExpressions>[0])
    } catch (error) {
      throw asDynamoDBError(error, false)
    }
    clients.push({
      index, kind, table, key, parsed,
      returnOld: part.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      ...(sentPut !== undefined ? { item: sentPut } : {}),
    })
  }

  return async (sendOnce) => {
    const retry = env.settings.updateRetry
    for (let n = 1; ; n++) {
      const outcomes = await mapWithConcurrency(clients, env.settings.concurrency, async (entry) => {
        const stored = await readStored(env, entry.table, entry.key)
        const plain = stored === undefined ? undefined : await decryptFor(entry.table, stored)
        return evaluate(entry, stored, plain)
      })
      // As DynamoDB: an update that cannot be applied fails the whole call, before any condition is reported.
      for (const outcome of outcomes) if ('invalid' in outcome) throw outcome.invalid
      if (outcomes.some((outcome) => 'reason' in outcome)) {
        const reasons = await directReasons(directs, env)
        clients.forEach((entry, k) => {
          const outcome = outcomes[k] as Outcome
          if ('reason' in outcome) reasons[entry.index] = outcome.reason
        })
        throw transactionCanceled(reasons)
      }
      const items = [...prepared]
      clients.forEach((entry, k) => { items[entry.index] = (outcomes[k] as { write: TransactWriteItem }).write })
      // A caller's idempotency token goes with the first try only: a retry sends other items (new signatures).
      const { ClientRequestToken, ...rest } = input
      const request: TransactWriteItemsCommandInput = { ...rest, ...(n === 1 && ClientRequestToken !== undefined ? { ClientRequestToken } : {}), TransactItems: items }
      try {
        return await sendOnce(request)
      } catch (error) {
        if (!lostRace(error, clientSide)) throw error
        if (n >= retry.maxAttempts) throw updateConflict(n)
        await sleep(backoffDelayMs(n, { ...retry, jitter: true }))
      }
    }
  }
}
