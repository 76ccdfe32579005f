import type { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import { DynamoDBEncryptionError, InvalidArgumentError } from '../errors'
import type { CryptographicMaterialsProvider } from '../materials/cryptographic-materials-provider'
import { hasOwn } from '../own-property'
import { ReservedAttribute } from '../wire'
import type { CryptoConfig } from './crypto-config'
import { decryptItem } from './decrypt-item'

/** One configuration items may have been written with: a provider and the attribute actions used with it. */
export interface ReadConfiguration {
  /** Name reported in {@link WindowReadEvent} and in job results (e.g. `static-2023`); default `previous[<index>]`. */
  name?: string
  /** The provider that wrote (or can read) the items. */
  materialsProvider: CryptographicMaterialsProvider
  /** The attribute actions the writer used. */
  attributeActions: AttributeActions
  /**
   * Table name the items were signed with (the signature covers it); default the table being read. Only needed for
   * items copied from another table without re-encryption.
   */
  tableName?: string
}

/** How one item was read during a migration window. */
export type WindowReadOutcome = 'current' | 'plaintext' | 'previous'

/** Reported once per item read through a window: which configuration matched. Never carries attribute values. */
export interface WindowReadEvent {
  /** `current`: the item verified under the current configuration; `plaintext`: it carried no signature and no material description; `previous`: it verified under `previous[previousIndex]`. */
  readonly outcome: WindowReadOutcome
  /** Index into {@link MigrationWindowOptions.previous} for `previous`. */
  readonly previousIndex?: number
  /** The matching configuration's name for `previous`. */
  readonly previousName?: string
  /** The table read. */
  readonly tableName: string
}

/**
 * The migration window: which items a reader accepts besides those of its current configuration. Everything is off
 * by default: without options a reader accepts exactly what `decryptItem` accepts.
 */
export interface MigrationWindowOptions {
  /** Accept items with neither signature nor material description as plaintext, unverified. Default false. */
  allowPlaintext?: boolean
  /** Configurations tried in order after the current one fails to verify an item. Default none. */
  previous?: readonly ReadConfiguration[]
  /** Called once per item with the outcome (log or meter it). Errors thrown by the callback propagate. */
  onRead?: (event: WindowReadEvent) => void
}

/** Result of {@link decryptItemInWindow}. */
export interface WindowReadResult extends WindowReadEvent {
  /** The plaintext item (reserved attributes removed). */
  readonly item: Item
  /** The configuration that read it: `'current'`, `'plaintext'`, or the matching previous configuration. */
  readonly configuration: ReadConfiguration | 'plaintext' | 'current'
}

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription

/** KMS answers meaning "this ciphertext is not for this key": the item belongs to another configuration. */
const KMS_MISMATCH = new Set(['InvalidCiphertextException', 'IncorrectKeyException'])

/** True if the item carries neither reserved attribute: it was never encrypted. */
export function isPlaintextItem(item: Item): boolean {
  return !hasOwn(item, SIGNATURE) && !hasOwn(item, DESCRIPTION)
}

/**
 * True if `error` means "this configuration does not read this item" (wrong keys, wrong actions, altered item), so
 * the next configuration may be tried. Argument errors (a broken configuration) and anything that is not ours or a
 * KMS key mismatch (outages, throttling, access denied) are not: they surface unchanged.
 *
 * For `@ddb-encryption/migrate`; not a stable API.
 */
export function isMismatch(error: unknown): boolean {
  if (DynamoDBEncryptionError.isInstance(error)) return !(error instanceof InvalidArgumentError) && (error as DynamoDBEncryptionError).code !== 'ERR_INVALID_ARGUMENT'
  const name = (error as { name?: unknown } | null)?.name
  return typeof name === 'string' && KMS_MISMATCH.has(name)
}

/**
 * Reads one stored item during a migration: under the current configuration first, then (if the current one does
 * not verify it) under each previous configuration in order; items without signature and description are returned
 * as plaintext only when `allowPlaintext` is set. The matching configuration is returned and reported to `onRead`.
 *
 * Fails closed: if nothing matches, the current configuration's error is thrown (a tampered item stays rejected);
 * an error that is not a mismatch (a KMS or DynamoDB outage, a bad configuration) is thrown at once, never taken as
 * "try the next keys".
 *
 * @example
 * const { item, outcome } = await decryptItemInWindow(stored, currentConfig, {
 *   allowPlaintext: true,
 *   previous: [{ name: 'static', materialsProvider: oldProvider, attributeActions: oldActions }],
 *   onRead: (event) => metrics.increment(`read.${event.outcome}`),
 * })
 * @throws the current configuration's error (SignatureVerificationError, DecryptionError, ...) when nothing matches.
 */
export async function decryptItemInWindow(item: Item, current: CryptoConfig, window: MigrationWindowOptions = {}): Promise<WindowReadResult> {
  return readInWindow(item, current, window, decryptItem)
}

/**
 * {@link decryptItemInWindow} with the decryption done by `decrypt` (for example on worker threads).
 * For `@ddb-encryption/migrate`; not a stable API.
 */
export async function readInWindow(
  item: Item,
  current: CryptoConfig,
  window: MigrationWindowOptions,
  decrypt: (item: Item, config: CryptoConfig, previousIndex?: number) => Promise<Item>,
): Promise<WindowReadResult> {
  const tableName = current.encryptionContext.tableName
  const report = (result: WindowReadResult): WindowReadResult => {
    window.onRead?.({
      outcome: result.outcome,
      tableName,
      ...(result.previousIndex !== undefined ? { previousIndex: result.previousIndex, previousName: result.previousName as string } : {}),
    })
    return result
  }
  if (window.allowPlaintext === true && isPlaintextItem(item)) {
    return report(Object.freeze({ outcome: 'plaintext', tableName, item: { ...item }, configuration: 'plaintext' as const }))
  }
  let currentError: unknown
  try {
    return report(Object.freeze({ outcome: 'current', tableName, item: await decrypt(item, current), configuration: 'current' as const }))
  } catch (error) {
    if (!isMismatch(error)) throw error
    currentError = error
  }
  const previous = window.previous ?? []
  for (let index = 0; index < previous.length; index++) {
    const configuration = previous[index] as ReadConfiguration
    try {
      const plaintext = await decrypt(item, configFor(configuration, current), index)
      return report(Object.freeze({
        outcome: 'previous',
        tableName,
        previousIndex: index,
        previousName: configurationName(configuration, index),
        item: plaintext,
        configuration,
      }))
    } catch (error) {
      if (!isMismatch(error)) throw error
    }
  }
  throw currentError
}

/** The name a previous configuration is reported under. (For `@ddb-encryption/migrate`; not a stable API.) */
export function configurationName(configuration: ReadConfiguration, index: number): string {
  return configuration.name ?? `previous[${index}]`
}

/**
 * The CryptoConfig of a previous configuration: the current one's key names, `writeMode` and
 * `acceptPythonRoundedNumbers`, its own table name if given. (For `@ddb-encryption/migrate`; not a stable API.)
 */
export function configFor(configuration: ReadConfiguration, current: CryptoConfig): CryptoConfig {
  return {
    materialsProvider: configuration.materialsProvider,
    attributeActions: configuration.attributeActions,
    encryptionContext: { ...current.encryptionContext, ...(configuration.tableName !== undefined ? { tableName: configuration.tableName } : {}) },
    ...(current.writeMode !== undefined ? { writeMode: current.writeMode } : {}),
    ...(current.acceptPythonRoundedNumbers !== undefined ? { acceptPythonRoundedNumbers: current.acceptPythonRoundedNumbers } : {}),
  }
}
