/**
 * Read-modify-write: how the encrypted client performs an update that DynamoDB cannot do on ciphertext (it writes
 * a signed or encrypted attribute, or reads an encrypted one), and a PutItem / DeleteItem whose condition reads an
 * encrypted attribute.
 *
 * 1. Read the stored item with a consistent read, verify its signature and decrypt it.
 * 2. Evaluate the ConditionExpression and apply the UpdateExpression on the plaintext (the expression engine,
 *    DynamoDB's semantics and errors).
 * 3. Encrypt and sign the new item, and write it with one UpdateItem that replaces every attribute, on condition
 *    that the stored signature is still the one read (or, for a new item, that there still is none).
 * 4. If another writer won in between, start again after a jittered backoff, up to `updateRetry.maxAttempts`.
 * Cost: one extra (consistent) read per update.
 * @internal
 */
import { GetItemCommand, type AttributeValue, type UpdateItemCommandInput, type UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { ReservedAttribute, UnsupportedOperationError, type Item, backoffDelayMs, hasOwn, sleep } from '@ddb-encryption/core'
import { conditionalCheckFailed, isConditionalCheckFailure, updateConflict, validationException } from '../dynamodb-errors'
import { ConditionNotMet, evaluateCondition, ExpressionValidationError, parseExpressions, requestWithout, updateLocally, type LocalUpdate, type ParsedExpressions } from '../expression'
import { checkWriteConditions, type WriteConditions } from '../policy'
import { decryptFor, encryptFor } from '../item-crypto'
import type { ResolvedTable } from '../table-registry'
import type { Exchange, OperationEnv } from './operation'

/** Errors of the expression engine become DynamoDB's; anything else passes unchanged. */
export function asDynamoDBError(error: unknown, returnOld: boolean): unknown {
  if (error instanceof ConditionNotMet) return conditionalCheckFailed(returnOld ? error.item : undefined)
  if (error instanceof ExpressionValidationError) return validationException(error)
  return error
}

/** The stored item under `key`, read with a consistent read through the caller's own client (still encrypted). */
export async function readStored(env: OperationEnv, table: ResolvedTable, key: Item): Promise<Item | undefined> {
  const output = (await env.client.send(new GetItemCommand({ TableName: table.info.tableName, Key: key, ConsistentRead: true }))) as { Item?: Item }
  return output.Item
}

/**
 * The UpdateItem that makes the stored item `encrypted`: every non-key attribute set, every other stored attribute
 * removed, on condition that the stored item is still the one read (same signature, or still absent).
 */
function replacement(input: UpdateItemCommandInput, key: Item, encrypted: Item, stored: Item | undefined): UpdateItemCommandInput {
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  const set: string[] = []
  const remove: string[] = []
  let n = 0
  for (const name of Object.keys(encrypted)) {
    if (hasOwn(key, name)) continue
    names[`#a${n}`] = name
    values[`:a${n}`] = encrypted[name] as AttributeValue
    set.push(`#a${n} = :a${n}`)
    n++
  }
  for (const name of Object.keys(stored ?? {})) {
    if (hasOwn(key, name) || hasOwn(encrypted, name)) continue
    names[`#a${n}`] = name
    remove.push(`#a${n}`)
    n++
  }
  const unchanged = unchangedCondition(key, stored)
  Object.assign(names, unchanged.names)
  Object.assign(values, unchanged.values)
  const condition = unchanged.condition
  return {
    TableName: input.TableName,
    Key: key,
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'NONE',
    ...(input.ReturnConsumedCapacity !== undefined ? { ReturnConsumedCapacity: input.ReturnConsumedCapacity } : {}),
    ...(input.ReturnItemCollectionMetrics !== undefined ? { ReturnItemCollectionMetrics: input.ReturnItemCollectionMetrics } : {}),
  }
}

/**
 * Reads and decrypts the stored item, lets `attempt` build the write from it, sends it, and starts again (after a
 * jittered backoff) when DynamoDB says the stored item changed in between: the write's only condition is ours.
 */
async function withOptimisticRetry<O>(
  env: OperationEnv,
  table: ResolvedTable,
  key: Item,
  attempt: (stored: Item | undefined, plain: Item | undefined) => Promise<object>,
  sendOnce: (input: object) => Promise<O>,
): Promise<O> {
  const retry = env.settings.updateRetry
  for (let n = 1; ; n++) {
    const stored = await readStored(env, table, key)
    const plain = stored === undefined ? undefined : await decryptFor(table, stored)
    const write = await attempt(stored, plain)
    try {
      return await sendOnce(write)
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error
      if (n >= retry.maxAttempts) throw updateConflict(n)
      await sleep(backoffDelayMs(n, { ...retry, jitter: true }))
    }
  }
}

/** The condition that the stored item is still `stored` (same signature), or that there still is none. */
export function unchangedCondition(key: Item, stored: Item | undefined): { condition: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
  if (stored === undefined) return { condition: 'attribute_not_exists(#k)', names: { '#k': Object.keys(key)[0] as string }, values: {} }
  if (!hasOwn(stored, ReservedAttribute.Signature)) {
    // Only read under a migration window's allowPlaintext: there is no signature to condition the write on.
    throw new UnsupportedOperationError(
      'Read-modify-write found an item that is not encrypted yet (read under migrationWindow.allowPlaintext), so its write ' +
      'cannot be conditioned on its signature; encrypt the item first (e.g. with @ddb-encryption/migrate), then retry',
    )
  }
  return {
    condition: '#s = :s',
    names: { '#s': ReservedAttribute.Signature },
    values: { ':s': stored[ReservedAttribute.Signature] as AttributeValue },
  }
}

/** The client options that move refused work to the client. */
export type ClientSideOption = 'readModifyWrite' | 'clientSideFilters'

const OPTION_EFFECT: Readonly<Record<ClientSideOption, string>> = {
  readModifyWrite: 'to have the encrypted client read the item, evaluate and apply this on the plaintext and write it back ' +
    'conditioned on its signature (one extra consistent read per item), set the client option "readModifyWrite: true"',
  clientSideFilters: 'to have the encrypted client evaluate this filter after decryption (the filtered-out items are still ' +
    'read), set the client option "clientSideFilters: true"',
}

/**
 * The policy's refusal `error` (an {@link UnsupportedOperationError}) with the option that would enable the request
 * named in its message; any other error unchanged. The message still names attributes only, never values.
 */
export function refusalWithOption(error: unknown, option: ClientSideOption): unknown {
  if (!(error instanceof UnsupportedOperationError) || error.message.includes(`"${option}: true"`)) return error
  return new UnsupportedOperationError(`${error.message}; or, ${OPTION_EFFECT[option]}`, { cause: error })
}

/**
 * With `option` on, the client answers for DynamoDB on these requests, so an expression the policy could not parse
 * (an {@link ExpressionValidationError}, DynamoDB's message) becomes DynamoDB's `ValidationException` (typed error as
 * `cause`), as DynamoDB would have answered. Without it, the policy's `InvalidArgumentError` stands (README).
 */
export function policyError(error: unknown, enabled: boolean): unknown {
  return enabled && error instanceof ExpressionValidationError ? validationException(error) : error
}

/**
 * True when a write's condition must be evaluated on the client: the policy refuses it (it reads an encrypted
 * attribute) and the client is configured with `readModifyWrite`. Otherwise the policy's refusal is thrown, or
 * false is returned (DynamoDB evaluates the condition).
 */
export function needsClientSideCondition(table: ResolvedTable, input: WriteConditions, env: OperationEnv): boolean {
  try {
    checkWriteConditions(table, input)
    return false
  } catch (error) {
    if (!(error instanceof UnsupportedOperationError)) throw policyError(error, env.settings.readModifyWrite)
    // The legacy Expected parameter is refused whatever the options: no hint for it.
    if (!env.settings.readModifyWrite) throw input.Expected !== undefined ? error : refusalWithOption(error, 'readModifyWrite')
    return true
  }
}

/** The request members a conditional PutItem / DeleteItem needs here. */
interface ConditionalWriteInput {
  readonly TableName?: string | undefined
  readonly ConditionExpression?: string | undefined
  readonly ExpressionAttributeNames?: Record<string, string> | undefined
  readonly ExpressionAttributeValues?: Record<string, AttributeValue> | undefined
  readonly Expected?: unknown
  readonly ReturnValuesOnConditionCheckFailure?: string | undefined
}

/**
 * The exchange of a PutItem or DeleteItem whose ConditionExpression reads encrypted attributes: the condition is
 * evaluated on the decrypted stored item, and the write is sent with, instead, the condition that the stored item
 * has not changed since it was read. `send` builds the request to send (the encrypted PutItem, or the DeleteItem).
 * @throws {UnsupportedOperationError} for the legacy `Expected` parameter.
 */
export function conditionalWrite<I extends ConditionalWriteInput, O>(table: ResolvedTable, input: I, key: Item, env: OperationEnv): Pick<Exchange<I, O>, 'send'> {
  if (input.Expected !== undefined) {
    throw new UnsupportedOperationError(
      `A write to table "${table.info.tableName}" with the legacy Expected parameter on an encrypted attribute cannot be ` +
      'evaluated by read-modify-write; use ConditionExpression',
    )
  }
  const returnOld = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'
  let condition: ParsedExpressions['condition']
  try {
    condition = parseExpressions(input).condition
  } catch (error) {
    throw asDynamoDBError(error, returnOld)
  }
  const rest = requestWithout(input, ['ConditionExpression'])
  return {
    send: (sendOnce) => withOptimisticRetry(env, table, key, async (stored, plain) => {
      if (condition !== undefined && !evaluateCondition(condition, plain)) throw conditionalCheckFailed(returnOld ? plain : undefined)
      const ours = unchangedCondition(key, stored)
      return {
        ...rest,
        ConditionExpression: ours.condition,
        ExpressionAttributeNames: ours.names,
        ...(Object.keys(ours.values).length > 0 ? { ExpressionAttributeValues: ours.values } : {}),
      }
    }, sendOnce as (input: object) => Promise<O>) as Promise<O>,
  }
}

/**
 * The exchange of an UpdateItem performed by read-modify-write (see the module comment). Its `Attributes` are the
 * plaintext DynamoDB would have returned for the caller's ReturnValues.
 * @throws {UnsupportedOperationError} for the legacy `AttributeUpdates` / `Expected` parameters.
 */
export function readModifyWrite(table: ResolvedTable, input: UpdateItemCommandInput, env: OperationEnv): Exchange<UpdateItemCommandInput, UpdateItemCommandOutput> {
  if (input.AttributeUpdates !== undefined || input.Expected !== undefined) {
    throw new UnsupportedOperationError(
      `An update of table "${table.info.tableName}" that uses the legacy AttributeUpdates / Expected parameters cannot be ` +
      'applied by read-modify-write; use UpdateExpression and ConditionExpression',
    )
  }
  const returnOld = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'
  let parsed: ParsedExpressions
  try {
    parsed = parseExpressions(input)
  } catch (error) {
    throw asDynamoDBError(error, returnOld)
  }
  const key = input.Key as Item
  let local: LocalUpdate | undefined
  return {
    input: { ...input },
    send: (sendOnce) => withOptimisticRetry(env, table, key, async (stored, plain) => {
      try {
        local = updateLocally(parsed, plain, key, input.ReturnValues)
      } catch (error) {
        throw asDynamoDBError(error, returnOld)
      }
      return replacement(input, key, await encryptFor(table, local.item), stored)
    }, sendOnce as (input: object) => Promise<UpdateItemCommandOutput>),
    async output(output) {
      const { Attributes: _ignored, ...rest } = output
      return local?.attributes !== undefined ? { ...rest, Attributes: local.attributes } : rest
    },
  }
}
