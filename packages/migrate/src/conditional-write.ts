import {
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, ReservedAttribute, type AttributeValue, type Item } from '@ddb-encryption/core'
import type { ExpectedState } from './item-planner'
import { primaryKeyOf, type TableSchema } from './table-schema'

/** DynamoDB's limit on the length of a condition expression (bytes). */
const MAX_EXPRESSION_LENGTH = 4096

/**
 * The PutItem request that writes `item` only if the stored item is still in the `expect` state: for a plaintext
 * item every attribute equal and no signature; for an encrypted item its signature, description and unsigned
 * attributes equal (any change to a signed attribute changes the signature). ALL_OLD is returned on success (to
 * detect attributes added between read and write) and on a failed condition (the item now stored).
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the condition exceeds DynamoDB's 4 KB expression limit
 * (an item with several hundred attributes); such items must be migrated by the application.
 */
export function conditionalPutInput(tableName: string, item: Item, expect: ExpectedState, schema: TableSchema): PutItemCommandInput {
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  const clauses: string[] = []
  if (expect.kind === 'absent') {
    names['#k'] = schema.partitionKeyName
    clauses.push('attribute_not_exists(#k)')
  } else {
    if (expect.kind === 'plaintext') {
      names['#s'] = ReservedAttribute.Signature
      clauses.push('attribute_not_exists(#s)')
    }
    let i = 0
    for (const [name, value] of Object.entries(expect.attributes)) {
      names[`#${i}`] = name
      values[`:${i}`] = value
      clauses.push(`#${i}=:${i}`)
      i++
    }
  }
  const condition = clauses.join(' AND ')
  if (condition.length > MAX_EXPRESSION_LENGTH) {
    throw new InvalidArgumentError(`The item has too many attributes for a conditional write (${clauses.length} conditions); migrate it from the application`)
  }
  return {
    TableName: tableName,
    Item: item as PutItemCommandInput['Item'],
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values as PutItemCommandInput['ExpressionAttributeValues'] } : {}),
    ReturnValues: 'ALL_OLD',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    ReturnConsumedCapacity: 'TOTAL',
  }
}

/** The result of {@link conditionalPut}. */
export type PutOutcome =
  /** Written; `replaced` is the item that was replaced (ALL_OLD). */
  | { readonly kind: 'written'; readonly replaced: Item | undefined; readonly capacity: number }
  /** The condition failed: the item changed; `current` is what is stored now (undefined: deleted). */
  | { readonly kind: 'conflict'; readonly current: Item | undefined; readonly capacity: number }

/** Sends a conditional put; a failed condition is an outcome, every other error passes through unchanged. */
export async function conditionalPut(
  client: Pick<DynamoDBClient, 'send'>,
  input: PutItemCommandInput,
  schema: TableSchema,
): Promise<PutOutcome> {
  try {
    const output = await client.send(new PutItemCommand(input))
    return { kind: 'written', replaced: output.Attributes as Item | undefined, capacity: output.ConsumedCapacity?.CapacityUnits ?? 1 }
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'ConditionalCheckFailedException') throw error
    let current = (error as { Item?: Item }).Item
    let capacity = 1
    if (current === undefined) {
      // Older DynamoDB Local versions do not return the item with the failure: read it (strongly consistent).
      const key = primaryKeyOf(input.Item as Item, schema)
      const read = await client.send(new GetItemCommand({ TableName: input.TableName, Key: key as never, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }))
      current = read.Item as Item | undefined
      capacity += read.ConsumedCapacity?.CapacityUnits ?? 1
    }
    return { kind: 'conflict', current, capacity }
  }
}

/** Names in `replaced` that were not in the item read: attributes added between read and write. */
export function addedAttributes(read: Item, replaced: Item | undefined): string[] {
  if (replaced === undefined) return []
  return Object.keys(replaced).filter((name) => !Object.prototype.hasOwnProperty.call(read, name))
}
