import {
  AttributeActions,
  CryptoAction,
  deserializeMaterialDescription,
  DynamoDBEncryptionError,
  ReservedAttribute,
  serializeMaterialDescription,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type Item,
} from '@ddb-encryption/core'

/** Item-level test helpers shared by the unwrap-failure, base64 and tamper tests of this package. */

export const TABLE = 'orders'

/** Key attributes sign-only, everything else encrypted and signed (the helpers' default). */
export const KEY_ACTIONS = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY } })

/** A config with default options (writeMode 'portable', exact numbers): what the tests must hold under. */
export function configFor(provider: CryptographicMaterialsProvider, actions: AttributeActions = KEY_ACTIONS, tableName = TABLE): CryptoConfig {
  return { materialsProvider: provider, attributeActions: actions, encryptionContext: { tableName, partitionKeyName: 'pk', sortKeyName: 'sk' } }
}

/** Parsed material description of a stored item. */
export function descriptionOf(item: Item): Record<string, string> {
  return deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
}

/** The item with its (unsigned) material description replaced. */
export function withDescription(item: Item, md: Record<string, string>): Item {
  return { ...item, [ReservedAttribute.MaterialDescription]: { B: serializeMaterialDescription(md) } }
}

/** What a failure looks like to a caller: class, code, message. */
export interface Failure {
  readonly name: string
  readonly code: string
  readonly message: string
}

/**
 * Runs `promise` and returns the caller-visible shape of its rejection; fails if it resolved or threw anything but
 * one of our typed errors.
 */
export async function failureOf(promise: Promise<unknown>): Promise<Failure & { readonly error: DynamoDBEncryptionError }> {
  let error: unknown
  try {
    await promise
  } catch (caught) {
    error = caught
  }
  if (error === undefined) throw new Error('expected a rejection, but the promise resolved')
  if (!DynamoDBEncryptionError.isInstance(error)) throw new Error(`expected a typed error, got ${String(error)}`)
  return { name: error.constructor.name, code: error.code, message: error.message, error }
}

/** A DelegatedKey that forwards to `key` and records every content key it is asked to wrap. */
export function recordingWrapper(key: DelegatedKey, wrapped: Uint8Array[]): DelegatedKey {
  return {
    algorithm: key.algorithm,
    allowedForRawMaterials: key.allowedForRawMaterials,
    encrypt: (t, n, p) => key.encrypt(t, n, p),
    decrypt: (t, n, c) => key.decrypt(t, n, c),
    wrap: (t, k) => {
      wrapped.push(k.slice())
      return key.wrap(t, k)
    },
    unwrap: (t, k, a, ty) => key.unwrap(t, k, a, ty),
    sign: (a, d) => key.sign(a, d),
    verify: (a, s, d) => key.verify(a, s, d),
  }
}
