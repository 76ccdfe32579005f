import type { DeleteItemCommandInput, DeleteItemCommandOutput } from '@aws-sdk/client-dynamodb'
import type { Item } from '@ddb-encryption/core'
import { checkKey } from '../policy'
import { placed, type Operation } from './operation'
import { conditionalWrite, needsClientSideCondition } from './read-modify-write'
import { decryptConditionFailure, withAttributes } from './shared'

/**
 * DeleteItem: sent as is once the key and conditions pass the policy; `ALL_OLD` attributes are decrypted. A
 * condition on encrypted attributes is refused, or, with `readModifyWrite`, evaluated on the decrypted stored item.
 */
export const deleteItem: Operation<DeleteItemCommandInput, DeleteItemCommandOutput> = {
  name: 'DeleteItem',
  writtenItems: () => [],
  returnedItems: (output, input) => placed(input.TableName, output.Attributes),
  async prepare(input, env) {
    const table = await env.tables.resolve(input.TableName)
    checkKey(table, input.Key, 'Key')
    const clientSide = needsClientSideCondition(table, input, env)
    const exchange = {
      input: { ...input },
      output: (output: DeleteItemCommandOutput) => withAttributes(table, output),
      error: (error: unknown) => decryptConditionFailure(table, error),
    }
    return clientSide ? { ...exchange, ...conditionalWrite(table, exchange.input, input.Key as Item, env) } : exchange
  },
}
