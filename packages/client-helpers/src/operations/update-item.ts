import type { UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { checkKey, checkUpdate } from '../policy'
import { placed, type Operation } from './operation'
import { decryptConditionFailure, withAttributes } from './shared'

/**
 * UpdateItem: only DO_NOTHING attributes may be written in place (see the policy). `ALL_OLD` / `ALL_NEW` return
 * whole signed items and are decrypted; `UPDATED_*` return only the DO_NOTHING attributes written.
 */
export const updateItem: Operation<UpdateItemCommandInput, UpdateItemCommandOutput> = {
  name: 'UpdateItem',
  writtenItems: () => [],
  returnedItems: (output, input) => (input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW' ? placed(input.TableName, output.Attributes) : []),
  async prepare(input, { tables }) {
    const table = await tables.resolve(input.TableName)
    checkKey(table, input.Key, 'Key')
    checkUpdate(table, input)
    const whole = input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW'
    return {
      input: { ...input },
      output: (output) => (whole ? withAttributes(table, output) : Promise.resolve(output)),
      error: (error) => decryptConditionFailure(table, error),
    }
  },
}
