import {
  CryptoAction,
  decryptItem,
  deserializeMaterialDescription,
  encryptItem,
  MaterialDescriptionKey,
  ReservedAttribute,
  type AttributeActions,
  type AttributeValue,
  type CryptoConfig,
  type Item,
} from '@ddb-encryption/core'
import { attributeValuesEqual } from './attribute-equality'
import type { MigrationConfiguration } from './migration-configuration'
import { decryptItemInWindow, isMismatch, isPlaintextItem, type MigrationWindowOptions, type ReadConfiguration } from './migration-window'
import { actionsForTable, type TableSchema } from './table-schema'

/** What a stored item needs, decided without I/O (so it can run in a worker thread). */
export type ItemPlan =
  /** Verified under the target and written with its materials: nothing to do. */
  | { readonly kind: 'current' }
  /** Write `item` (encrypted under the target); the stored item matched `from`. */
  | {
      readonly kind: 'write'
      readonly item: Item
      readonly from: 'plaintext' | 'previous' | 'current'
      readonly previousName?: string
      /** Stored attributes the write must find unchanged: every attribute (plaintext) or signature, description and unsigned ones. */
      readonly expect: ExpectedState
    }
  /** Nothing reads the item (or, verifying, the target does not); `code` is the error code, never a value. */
  | { readonly kind: 'failed'; readonly code: string }

/** The stored state a conditional write requires. */
export type ExpectedState =
  /** No item with this key. */
  | { readonly kind: 'absent' }
  /** The item exactly as read: all these attributes equal, and no signature (a plaintext item). */
  | { readonly kind: 'plaintext'; readonly attributes: Item }
  /** An encrypted item: signature, description and the unsigned attributes equal. */
  | { readonly kind: 'encrypted'; readonly attributes: Item }

/** What the planner is for: migrate items, or only verify them. */
export type PlanMode = 'migrate' | 'verify'

/** Options of {@link ItemPlanner}. */
export interface ItemPlannerOptions {
  configuration: MigrationConfiguration
  /** Schema of the table read (key names and index keys; the destination has the same keys). */
  schema: TableSchema
  /** Table written; default the table read. The signature covers it. */
  destinationTableName?: string
}

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription
const PER_ITEM_DESCRIPTION_KEYS: ReadonlySet<string> = new Set([MaterialDescriptionKey.WrappedDataKey])

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown; name?: unknown } | null)?.code ?? (error as { name?: unknown } | null)?.name
  return typeof code === 'string' ? code : 'ERR_UNKNOWN'
}

/** The description entries that identify the materials (not the per-item wrapped key), as a comparable string. */
function descriptionFingerprint(item: Item): string {
  const bytes = (item[DESCRIPTION] as { B?: unknown } | undefined)?.B
  if (!(bytes instanceof Uint8Array)) return ''
  const description = deserializeMaterialDescription(bytes)
  return JSON.stringify(Object.keys(description).filter((k) => !PER_ITEM_DESCRIPTION_KEYS.has(k)).sort().map((k) => [k, description[k]]))
}

/**
 * Decides, per stored item, whether it is current, must be (re)written, or cannot be read: the CPU part of
 * `encrypt-table`, `re-encrypt` and `verify`. Holds no I/O except what the providers do (KMS, MetaStore).
 */
export class ItemPlanner {
  readonly #target: CryptoConfig
  readonly #window: MigrationWindowOptions
  readonly #previous: readonly ReadConfiguration[]
  readonly #isCurrent: ((description: Readonly<Record<string, string>>) => boolean) | undefined
  readonly #copy: boolean
  readonly #sourceTable: string
  #targetFingerprint: string | undefined

  constructor(options: ItemPlannerOptions) {
    const { configuration, schema } = options
    const destination = options.destinationTableName ?? schema.tableName
    const keys = { partitionKeyName: schema.partitionKeyName, ...(schema.sortKeyName !== undefined ? { sortKeyName: schema.sortKeyName } : {}) }
    this.#copy = destination !== schema.tableName
    this.#sourceTable = schema.tableName
    this.#target = {
      materialsProvider: configuration.target.materialsProvider,
      attributeActions: actionsForTable(configuration.target.attributeActions, schema),
      encryptionContext: { tableName: destination, ...keys },
    }
    // Previous configurations read the source table (their items were signed with its name).
    this.#previous = (configuration.previous ?? []).map((p) => ({
      ...p,
      attributeActions: actionsForTable(p.attributeActions, schema),
      tableName: p.tableName ?? schema.tableName,
    }))
    this.#window = { allowPlaintext: configuration.allowPlaintext === true, previous: this.#previous }
    this.#isCurrent = configuration.target.isCurrent
  }

  /** What a write must find after this job wrote `written` itself (used to redo a write that raced with an added attribute). */
  expectWritten(written: Item): ExpectedState {
    return { kind: 'encrypted', attributes: expectedEncrypted(written, this.#target.attributeActions) }
  }

  /** The target configuration as a CryptoConfig (actions adjusted for the table's keys). */
  get target(): CryptoConfig {
    return this.#target
  }

  /**
   * Plans one stored item. In place, `destination` is omitted; when copying into another table it is the item with
   * the same key there (`null` if none).
   */
  async plan(stored: Item, mode: PlanMode, destination?: Item | null): Promise<ItemPlan> {
    if (mode === 'verify') return this.#verify(stored)
    if (this.#copy) return this.#planCopy(stored, destination ?? null)
    let read
    try {
      read = await decryptItemInWindow(stored, this.#target, this.#window)
    } catch (error) {
      if (isMismatch(error)) return { kind: 'failed', code: errorCode(error) }
      throw error
    }
    if (read.outcome === 'current' && (await this.#writtenWithTarget(stored, read.item))) return { kind: 'current' }
    const item = await this.#encrypt(read.item)
    if (read.outcome === 'plaintext') return { kind: 'write', item, from: 'plaintext', expect: { kind: 'plaintext', attributes: stored } }
    const actions = read.outcome === 'current' ? this.#target.attributeActions : (read.configuration as ReadConfiguration).attributeActions
    return {
      kind: 'write',
      item,
      from: read.outcome,
      ...(read.previousName !== undefined ? { previousName: read.previousName } : {}),
      expect: { kind: 'encrypted', attributes: expectedEncrypted(stored, actions) },
    }
  }

  async #verify(stored: Item): Promise<ItemPlan> {
    try {
      await decryptItem(stored, this.#target)
      return { kind: 'current' }
    } catch (error) {
      if (isMismatch(error)) return { kind: 'failed', code: errorCode(error) }
      throw error
    }
  }

  async #planCopy(stored: Item, destination: Item | null): Promise<ItemPlan> {
    // The source is read under the window with its own table name; the target signs with the destination's.
    const sourceTarget = { ...this.#target, encryptionContext: { ...this.#target.encryptionContext, tableName: this.#sourceTable } }
    let plaintext: Item
    try {
      plaintext = (await decryptItemInWindow(stored, sourceTarget, this.#window)).item
    } catch (error) {
      if (isMismatch(error)) return { kind: 'failed', code: errorCode(error) }
      throw error
    }
    if (destination !== null && !isPlaintextItem(destination)) {
      try {
        const existing = await decryptItem(destination, this.#target)
        if (attributeValuesEqual({ M: existing }, { M: plaintext }) && (await this.#writtenWithTarget(destination, existing))) return { kind: 'current' }
      } catch (error) {
        if (!isMismatch(error)) throw error
      }
    }
    const item = await this.#encrypt(plaintext)
    const expect: ExpectedState = destination === null
      ? { kind: 'absent' }
      : isPlaintextItem(destination)
        ? { kind: 'plaintext', attributes: destination }
        : { kind: 'encrypted', attributes: destination }
    return { kind: 'write', item, from: 'plaintext', expect }
  }

  async #encrypt(plaintext: Item): Promise<Item> {
    const encrypted = await encryptItem(plaintext, this.#target)
    this.#targetFingerprint ??= descriptionFingerprint(encrypted)
    return encrypted
  }

  /** True if an item that verified under the target was written with the target's materials. */
  async #writtenWithTarget(stored: Item, plaintext: Item): Promise<boolean> {
    const bytes = (stored[DESCRIPTION] as { B?: unknown } | undefined)?.B
    if (this.#isCurrent !== undefined) {
      return this.#isCurrent(bytes instanceof Uint8Array ? Object.freeze(deserializeMaterialDescription(bytes)) : {})
    }
    if (this.#targetFingerprint === undefined) await this.#encrypt(plaintext)
    return descriptionFingerprint(stored) === this.#targetFingerprint
  }
}

/** Signature, description and every attribute the matching actions do not sign: what the write must find unchanged. */
function expectedEncrypted(stored: Item, actions: AttributeActions): Item {
  const expected: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(stored)) {
    if (name === SIGNATURE || name === DESCRIPTION || actions.action(name) === CryptoAction.DO_NOTHING) expected[name] = value
  }
  return expected
}
