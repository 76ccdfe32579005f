/**
 * Read-modify-write: how the encrypted client performs an update that DynamoDB cannot do on ciphertext (it writes
 * a signed or encrypted attribute, or reads an encrypted one).
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
import { ReservedAttribute, UnsupportedOperationError, type Item } from '@ddb-encryption/core'
import { conditionalCheckFailed, isConditionalCheckFailure, updateConflict, validationException } from '../dynamodb-errors'
import { ConditionNotMet, ExpressionValidationError, parseExpressions, updateLocally, type LocalUpdate, type ParsedExpressions } from '../expression'
import { hasOwn } from '../internal/own-property'
import { decryptFor, encryptFor } from '../item-crypto'
import { jitteredDelayMs, sleepMs } from '../retry'
import type { ResolvedTable } from '../table-registry'
import type { Exchange, OperationEnv } from './operation'

/** Errors of the expression engine become DynamoDB's; anything else passes unchanged. */
function asDynamoDbError(error: unknown, returnOld: boolean): unknown {
  if (error instanceof ConditionNotMet) return conditionalCheckFailed(returnOld ? error.item : undefined)
  if (error instanceof ExpressionValidationError) return validationException(error)
  return error
}

/** The stored item under `key`, read with a consistent read through the caller's own client (still encrypted). */
async function readStored(env: OperationEnv, table: ResolvedTable, key: Item): Promise<Item | undefined> {
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
  let condition: string
  if (stored === undefined) {
    names['#k'] = Object.keys(key)[0] as string
    condition = 'attribute_not_exists(#k)'
  } else {
    names['#s'] = ReservedAttribute.Signature
    values[':s'] = stored[ReservedAttribute.Signature] as AttributeValue
    condition = '#s = :s'
  }
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
    throw asDynamoDbError(error, returnOld)
  }
  const key = input.Key as Item
  const retry = env.settings.updateRetry
  let local: LocalUpdate | undefined
  return {
    input: { ...input },
    async send(sendOnce) {
      for (let attempt = 1; ; attempt++) {
        const stored = await readStored(env, table, key)
        const plain = stored === undefined ? undefined : await decryptFor(table, stored)
        try {
          local = updateLocally(parsed, plain, key, input.ReturnValues)
        } catch (error) {
          throw asDynamoDbError(error, returnOld)
        }
        const encrypted = await encryptFor(table, local.item)
        try {
          return await sendOnce(replacement(input, key, encrypted, stored))
        } catch (error) {
          // Our write's only condition is on the signature: another writer changed the item after our read.
          if (!isConditionalCheckFailure(error)) throw error
          if (attempt >= retry.maxAttempts) throw updateConflict(attempt)
          await sleepMs(jitteredDelayMs(retry, attempt))
        }
      }
    },
    async output(output) {
      const { Attributes: _ignored, ...rest } = output
      return local?.attributes !== undefined ? { ...rest, Attributes: local.attributes } : rest
    },
  }
}
