import { AttributeActions, CryptoAction, DynamoDBEncryptionError, type CryptoConfig, type CryptographicMaterialsProvider, type DelegatedKey } from '@ddb-encryption/core'
import { forwardingKey } from '@ddb-encryption/testing'

/** Item-level test helpers shared by the unwrap-failure, base64 and tamper tests of this package. */

export const TABLE = 'orders'

/** Key attributes sign-only, everything else encrypted and signed (the helpers' default). */
export const KEY_ACTIONS = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY } })

/** A config with default options (writeMode 'portable', exact numbers): what the tests must hold under. */
export function configFor(provider: CryptographicMaterialsProvider, actions: AttributeActions = KEY_ACTIONS, tableName = TABLE): CryptoConfig {
  return { materialsProvider: provider, attributeActions: actions, encryptionContext: { tableName, partitionKeyName: 'pk', sortKeyName: 'sk' } }
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
    ...forwardingKey(key),
    wrap: (algorithm, contentKey) => {
      wrapped.push(contentKey.slice())
      return key.wrap(algorithm, contentKey)
    },
  }
}
