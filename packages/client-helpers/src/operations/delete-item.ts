import type { DeleteItemCommandInput, DeleteItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { checkKey, checkWriteConditions } from '../policy'
import { placed, type Operation } from './operation'
import { decryptConditionFailure, withAttributes } from './shared'

/** DeleteItem: sent as is once the key and conditions pass the policy; `ALL_OLD` attributes are decrypted. */
export const deleteItem: Operation<DeleteItemCommandInput, DeleteItemCommandOutput> = {
  name: 'DeleteItem',
  writtenItems: () => [],
  returnedItems: (output, input) => placed(input.TableName, output.Attributes),
  async prepare(input, { tables }) {
    const table = await tables.resolve(input.TableName)
    checkKey(table, input.Key, 'Key')
    checkWriteConditions(table, input)
    return {
      input: { ...input },
      output: (output) => withAttributes(table, output),
      error: (error) => decryptConditionFailure(table, error),
    }
  },
}
