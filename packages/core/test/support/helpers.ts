import { storedBody } from '@ddb-encryption/testing'
import {
  AttributeActions,
  CryptoAction,
  ReservedAttribute,
  stringToSign,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type Item,
} from '../../src/index'
import type { SerializeOptions } from '../../src/serialize/serialize-options'

export const TABLE = 'TestTable'

/**
 * A config for `provider` with table {@link TABLE}, writing in `'python'` mode: the random items of these tests
 * include values the default `'portable'` mode refuses (tested on their own in portable.test.ts).
 */
export function configFor(
  provider: CryptographicMaterialsProvider,
  attributeActions: AttributeActions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } }),
  context: Partial<CryptoConfig['encryptionContext']> = {},
  options: Pick<CryptoConfig, 'writeMode' | 'acceptPythonRoundedNumbers'> = { writeMode: 'python' },
): CryptoConfig {
  return { materialsProvider: provider, attributeActions, encryptionContext: { tableName: TABLE, partitionKeyName: 'pk', ...context }, ...options }
}

/**
 * Re-signs a modified stored item with `key`, as a writer holding the keys would: lets tests reach the checks that
 * run after verification.
 */
export async function resign(
  item: Item,
  key: DelegatedKey,
  actions: AttributeActions,
  options?: SerializeOptions,
  algorithm: string = key.algorithm,
  tableName: string = TABLE,
): Promise<Item> {
  const signature = await key.sign(algorithm, stringToSign(storedBody(item), tableName, actions, options))
  return { ...item, [ReservedAttribute.Signature]: { B: signature } }
}

/** Runs `promise` and returns what it rejected with, failing if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** The error `fn` throws (fails the test if it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}
