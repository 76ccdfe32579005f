import {
  AttributeActions,
  CryptoAction,
  deserializeMaterialDescription,
  ReservedAttribute,
  serializeMaterialDescription,
  stringToSign,
  type AttributeValue,
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

/** The stored item without the two reserved attributes. */
export function body(item: Item): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const name of Object.keys(item)) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription) continue
    Object.defineProperty(out, name, { value: item[name], enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** Parsed material description of a stored item. */
export function descriptionOf(item: Item): Record<string, string> {
  const attr = item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }
  return deserializeMaterialDescription(attr.B)
}

/** The item with its material description replaced (the description is not signed, so no re-signing needed). */
export function withDescription(item: Item, md: Record<string, string>): Item {
  return { ...item, [ReservedAttribute.MaterialDescription]: { B: serializeMaterialDescription(md) } }
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
  const signature = await key.sign(algorithm, stringToSign(body(item), tableName, actions, options))
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

/**
 * A DelegatedKey that forwards every call to `key` but is not a LocalDelegatedKey, so the encryptor takes its
 * generic (promise-based, per-attribute) path instead of the LocalDelegatedKey fast path.
 */
export function forwardingKey(key: DelegatedKey): DelegatedKey {
  return {
    algorithm: key.algorithm,
    allowedForRawMaterials: key.allowedForRawMaterials,
    encrypt: (t, n, p) => key.encrypt(t, n, p),
    decrypt: (t, n, c) => key.decrypt(t, n, c),
    wrap: (t, k) => key.wrap(t, k),
    unwrap: (t, k, a, ty) => key.unwrap(t, k, a, ty),
    sign: (a, d) => key.sign(a, d),
    verify: (a, sig, d) => key.verify(a, sig, d),
  }
}
