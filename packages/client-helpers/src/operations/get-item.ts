import type { GetItemCommandInput, GetItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { decryptFor } from '../item-crypto'
import { checkKey, planRead } from '../policy'
import { placed, type Operation } from './operation'
import { widenRead } from './shared'

/** GetItem: the whole item is read, verified and decrypted, then projected as the caller asked. */
export const getItem: Operation<GetItemCommandInput, GetItemCommandOutput> = {
  name: 'GetItem',
  writtenItems: () => [],
  returnedItems: (output, input) => placed(input.TableName, output.Item),
  async prepare(input, { tables }) {
    const table = await tables.resolve(input.TableName)
    checkKey(table, input.Key, 'Key')
    const plan = planRead(table, input, 'item')
    return {
      input: widenRead(input, plan),
      output: async (output) => (output.Item === undefined ? output : { ...output, Item: await decryptFor(table, output.Item, plan.paths) }),
    }
  },
}
