import type { ScanCommandInput, ScanCommandOutput } from '@aws-sdk/client-dynamodb'
import type { DecryptFailureReport } from '../item-decryption-error'
import { checkKey, checkLegacyConditions } from '../policy'
import type { Operation } from './operation'
import { clientSideFilter, readPage, pageItems } from './page'

/** Scan: filters checked by the policy, whole items read, each page verified and decrypted. */
export const scan: Operation<ScanCommandInput, ScanCommandOutput & DecryptFailureReport> = {
  name: 'Scan',
  writtenItems: () => [],
  returnedItems: pageItems,
  async prepare(input, env) {
    const table = await env.tables.resolve(input.TableName)
    const filter = clientSideFilter(table, input, env)
    checkLegacyConditions(table, input.ScanFilter, 'ScanFilter')
    checkKey(table, input.ExclusiveStartKey, 'ExclusiveStartKey', input.IndexName)
    return readPage(table, input, env, filter)
  },
}
