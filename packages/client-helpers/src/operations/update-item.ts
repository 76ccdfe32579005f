import type { UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { UnsupportedOperationError } from '@ddb-encryption/core'
import { checkKey, checkUpdate } from '../policy'
import { policyError, readModifyWrite, refusalWithOption } from './read-modify-write'
import { placed, type Operation } from './operation'
import { decryptConditionFailure, withAttributes } from './shared'

/**
 * UpdateItem: an update of DO_NOTHING attributes only is sent as is (`ALL_OLD` / `ALL_NEW` return whole signed items
 * and are decrypted; `UPDATED_*` return only the DO_NOTHING attributes written). Any other update is refused by
 * the policy, or, with the `readModifyWrite` option, done on the plaintext (see read-modify-write.ts).
 */
export const updateItem: Operation<UpdateItemCommandInput, UpdateItemCommandOutput> = {
  name: 'UpdateItem',
  writtenItems: () => [],
  returnedItems: (output, input) => (input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW' ? placed(input.TableName, output.Attributes) : []),
  async prepare(input, env) {
    const table = await env.tables.resolve(input.TableName)
    checkKey(table, input.Key, 'Key')
    try {
      checkUpdate(table, input)
    } catch (error) {
      // The policy's refusal, or (when the client is configured for it) the same update done on the plaintext.
      if (!(error instanceof UnsupportedOperationError)) throw policyError(error, env.settings.readModifyWrite)
      if (!env.settings.readModifyWrite) {
        // The legacy AttributeUpdates / Expected parameters are refused whatever the options: no hint for them.
        throw input.AttributeUpdates !== undefined || input.Expected !== undefined ? error : refusalWithOption(error, 'readModifyWrite')
      }
      return readModifyWrite(table, input, env)
    }
    const whole = input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW'
    return {
      input: { ...input },
      output: (output) => (whole ? withAttributes(table, output) : Promise.resolve(output)),
      error: (error) => decryptConditionFailure(table, error),
    }
  },
}
