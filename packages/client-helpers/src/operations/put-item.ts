import type { PutItemCommandInput, PutItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { encryptFor, keyOf } from '../item-crypto'
import { placed, type Operation } from './operation'
import { conditionalWrite, needsClientSideCondition } from './read-modify-write'
import { decryptConditionFailure, withAttributes } from './shared'

/**
 * PutItem: the item is encrypted and signed; `ALL_OLD` attributes and a failed condition's item are decrypted. A
 * condition on encrypted attributes is refused, or, with `readModifyWrite`, evaluated on the decrypted stored item.
 */
export const putItem: Operation<PutItemCommandInput, PutItemCommandOutput> = {
  name: 'PutItem',
  writtenItems: (input) => placed(input.TableName, input.Item),
  returnedItems: (output, input) => placed(input.TableName, output.Attributes),
  async prepare(input, env) {
    const table = await env.tables.resolve(input.TableName)
    const clientSide = needsClientSideCondition(table, input, env)
    const Item = await encryptFor(table, input.Item)
    const exchange = {
      input: { ...input, Item },
      output: (output: PutItemCommandOutput) => withAttributes(table, output),
      error: (error: unknown) => decryptConditionFailure(table, error),
    }
    // A condition on encrypted attributes: evaluated on the decrypted stored item (see read-modify-write.ts).
    return clientSide ? { ...exchange, ...conditionalWrite(table, exchange.input, keyOf(table, Item), env) } : exchange
  },
}
