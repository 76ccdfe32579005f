import type { PutItemCommandInput, PutItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { encryptFor } from '../item-crypto'
import { checkWriteConditions } from '../policy'
import { placed, type Operation } from './operation'
import { decryptConditionFailure, withAttributes } from './shared'

/** PutItem: the item is encrypted and signed; `ALL_OLD` attributes and a failed condition's item are decrypted. */
export const putItem: Operation<PutItemCommandInput, PutItemCommandOutput> = {
  name: 'PutItem',
  writtenItems: (input) => placed(input.TableName, input.Item),
  returnedItems: (output, input) => placed(input.TableName, output.Attributes),
  async prepare(input, { tables }) {
    const table = await tables.resolve(input.TableName)
    checkWriteConditions(table, input)
    const Item = await encryptFor(table, input.Item)
    return {
      input: { ...input, Item },
      output: (output) => withAttributes(table, output),
      error: (error) => decryptConditionFailure(table, error),
    }
  },
}
