import {
  CryptoAction,
  decryptItem,
  decryptItems,
  deserializeMaterialDescription,
  encryptItem,
  encryptItems,
  MaterialDescriptionKey,
  ReservedAttribute,
  type AttributeActions,
  type AttributeValue,
  type CryptoConfig,
  type Item,
  mapWithConcurrency,
} from '@ddb-encryption/core'
import { attributeValuesEqual } from './attribute-equality'
import { isMismatch, isPlaintextItem, readInWindow } from '@ddb-encryption/core'
import type { PlannerConfigs } from './planner-configs'

/** What a stored item needs. */
export type ItemPlan =
  /** Verified under the target and written with its materials: nothing to do. */
  | { readonly kind: 'current' }
  /** Write `item` (encrypted under the target); the stored item matched `from`. */
  | {
      readonly kind: 'write'
      readonly item: Item
      readonly from: 'plaintext' | 'previous' | 'current'
      readonly previousName?: string
      /** The stored state the write requires. */
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
  /** An encrypted item: these attributes (signature, description, unsigned ones) equal. */
  | { readonly kind: 'encrypted'; readonly attributes: Item }

/** What the planner is for: migrate items, or only verify them. */
export type PlanMode = 'migrate' | 'verify'

/** One item to plan: the stored item and, when copying into another table, the item there (`null`: none). */
export interface PlanTask {
  readonly stored: Item
  readonly destination?: Item | null
}

/**
 * Where the planner's cryptography runs: in this thread, or on core's EncryptorPool worker threads.
 * `which` names the config: `target`, `source` or a previous configuration's index.
 */
export interface PlannerCrypto {
  decrypt(item: Item, which: 'target' | 'source' | number): Promise<Item>
  /**
   * Decrypts a batch under one config (core's `decryptItems`): every item, or the error of the lowest-index item
   * that fails.
   */
  decryptMany(items: readonly Item[], which: 'target' | 'source'): Promise<Item[]>
  /** Encrypts under the target. */
  encrypt(item: Item): Promise<Item>
  /** Encrypts a batch under the target; rejects if any item fails. */
  encryptMany(items: readonly Item[]): Promise<Item[]>
}

/** Items in flight per planner in this thread (overlaps provider round trips such as KMS). */
const PLAN_CONCURRENCY = 16

/** Cryptography in this thread with core's encryptItem / decryptItem. @internal */
export function inThreadCrypto(configs: PlannerConfigs): PlannerCrypto {
  const pick = (which: 'target' | 'source' | number): CryptoConfig =>
    which === 'target' ? configs.target : which === 'source' ? configs.source : (configs.previous[which] as CryptoConfig)
  return {
    decrypt: (item, which) => decryptItem(item, pick(which)),
    decryptMany: (items, which) => decryptItems(items, pick(which), { concurrency: PLAN_CONCURRENCY }),
    encrypt: (item) => encryptItem(item, configs.target),
    encryptMany: (items) => encryptItems(items, configs.target, { concurrency: PLAN_CONCURRENCY }),
  }
}

/**
 * Times a failed batch of first reads is split in two before the rest of its items are read one by one: a page
 * with a few items that the first config does not read (an item still under previous keys, a tampered one) costs a
 * few more batch calls, and a page with many (a re-encryption's first pass) at most 2^3 - 1 splits.
 */
const MAX_SPLITS = 3

/** The outcome of an item's first read (under `target` in place, `source` when copying or verifying). */
type FirstRead = { readonly ok: true; readonly item: Item } | { readonly ok: false; readonly error: unknown }

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription
const PER_ITEM_DESCRIPTION_KEYS: ReadonlySet<string> = new Set([MaterialDescriptionKey.WrappedDataKey])

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code ?? (error as { name?: unknown } | null)?.name
  return typeof code === 'string' ? code : 'ERR_UNKNOWN'
}

function storedDescription(item: Item): Record<string, string> {
  const bytes = (item[DESCRIPTION] as { B?: unknown } | undefined)?.B
  return bytes instanceof Uint8Array ? deserializeMaterialDescription(bytes) : {}
}

/** The description entries that identify the materials (not the per-item wrapped key), as a comparable string. */
function descriptionFingerprint(item: Item): string {
  const description = storedDescription(item)
  return JSON.stringify(Object.keys(description).filter((k) => !PER_ITEM_DESCRIPTION_KEYS.has(k)).sort().map((k) => [k, description[k]]))
}

/**
 * Decides, per stored item, whether it is current, must be (re)written, or cannot be read: the decisions of
 * `encrypt-table`, `re-encrypt` and `verify`. The cryptography goes through a {@link PlannerCrypto}.
 */
export class ItemPlanner {
  readonly #configs: PlannerConfigs
  readonly #crypto: PlannerCrypto
  #targetFingerprint: string | undefined

  constructor(configs: PlannerConfigs, crypto: PlannerCrypto = inThreadCrypto(configs)) {
    this.#configs = configs
    this.#crypto = crypto
  }

  /** What a write must find after this job wrote `written` itself (to redo a write that raced with an added attribute). */
  expectWritten(written: Item): ExpectedState {
    return { kind: 'encrypted', attributes: expectedEncrypted(written, this.#configs.target.attributeActions) }
  }

  /**
   * Plans a page of items. Plaintext items are encrypted as one batch (one message per chunk on worker threads);
   * the others one by one, since each may try several configurations.
   */
  async planMany(tasks: readonly PlanTask[], mode: PlanMode): Promise<ItemPlan[]> {
    const plans = new Array<ItemPlan>(tasks.length)
    const plaintext: number[] = []
    const others: number[] = []
    tasks.forEach((task, i) => {
      const batchable = mode === 'migrate' && !this.#configs.copy && this.#configs.window.allowPlaintext === true && isPlaintextItem(task.stored)
      ;(batchable ? plaintext : others).push(i)
    })
    if (plaintext.length > 0) {
      let encrypted: Item[] | undefined
      try {
        encrypted = await this.#crypto.encryptMany(plaintext.map((i) => (tasks[i] as PlanTask).stored))
      } catch (error) {
        if (!isMismatch(error)) throw error
        others.push(...plaintext) // one item failed: plan them one by one to find out which
      }
      if (encrypted !== undefined) {
        this.#targetFingerprint ??= descriptionFingerprint(encrypted[0] as Item)
        plaintext.forEach((index, j) => {
          plans[index] = { kind: 'write', item: encrypted[j] as Item, from: 'plaintext', expect: { kind: 'plaintext', attributes: (tasks[index] as PlanTask).stored } }
        })
      }
    }
    // Every item's first read is under one config (the target in place; the source when copying or verifying), so
    // those reads go through core's batch API (on the pool's threads, one message per chunk); only the reads after
    // a mismatch (previous configurations) and the items a failed batch leaves unknown are made one by one.
    const which = mode === 'verify' || this.#configs.copy ? 'source' : 'target'
    const batched = others.filter((index) => !isPlaintextItem((tasks[index] as PlanTask).stored))
    const first = new Map<number, FirstRead>()
    if (batched.length > 0) {
      const reads = await this.#firstReads(batched.map((index) => (tasks[index] as PlanTask).stored), which)
      batched.forEach((index, k) => { const read = reads[k]; if (read !== undefined) first.set(index, read) })
    }
    await mapWithConcurrency(others, PLAN_CONCURRENCY, async (index) => {
      const task = tasks[index] as PlanTask
      plans[index] = await this.#plan(task.stored, mode, task.destination, first.get(index))
    })
    return plans
  }

  /**
   * The first reads of `items` under `which` by batches: one batch call, and if an item fails with a mismatch, the
   * batch split in two (at most {@link MAX_SPLITS} times; a one-item batch's error is that item's own). Items of a
   * batch still failing after the last split are left undefined (read one by one). Other errors are thrown.
   */
  async #firstReads(items: readonly Item[], which: 'target' | 'source'): Promise<(FirstRead | undefined)[]> {
    const out = new Array<FirstRead | undefined>(items.length)
    const run = async (start: number, end: number, splits: number): Promise<void> => {
      try {
        const plain = await this.#crypto.decryptMany(items.slice(start, end), which)
        plain.forEach((item, k) => { out[start + k] = { ok: true, item } })
      } catch (error) {
        if (!isMismatch(error)) throw error
        if (end - start === 1) out[start] = { ok: false, error }
        else if (splits < MAX_SPLITS) {
          const middle = (start + end) >> 1
          await Promise.all([run(start, middle, splits + 1), run(middle, end, splits + 1)])
        }
      }
    }
    await run(0, items.length, 0)
    return out
  }

  /**
   * Plans one stored item. In place, `destination` is omitted; when copying into another table it is the item with
   * the same key there (`null` if none).
   */
  async plan(stored: Item, mode: PlanMode, destination?: Item | null): Promise<ItemPlan> {
    return this.#plan(stored, mode, destination, undefined)
  }

  /** {@link plan}, with the stored item's first read already made (`first`) when it was part of a batch. */
  async #plan(stored: Item, mode: PlanMode, destination: Item | null | undefined, first: FirstRead | undefined): Promise<ItemPlan> {
    // The first read of the stored item: the batch's outcome when there is one, else a read of its own.
    const readFirst = (which: 'target' | 'source'): Promise<Item> => first === undefined ? this.#crypto.decrypt(stored, which)
      : first.ok ? Promise.resolve(first.item) : Promise.reject(first.error)
    try {
      if (mode === 'verify') {
        await readFirst('source')
        return { kind: 'current' }
      }
      if (this.#configs.copy) return await this.#planCopy(stored, destination ?? null, readFirst)
      const read = await readInWindow(stored, this.#configs.target, this.#configs.window, (item, _config, index) =>
        index === undefined ? readFirst('target') : this.#crypto.decrypt(item, index))
      if (read.outcome === 'current' && (await this.#writtenWithTarget(stored, read.item))) return { kind: 'current' }
      const item = await this.#encrypt(read.item)
      if (read.outcome === 'plaintext') return { kind: 'write', item, from: 'plaintext', expect: { kind: 'plaintext', attributes: stored } }
      const actions = read.outcome === 'current'
        ? this.#configs.target.attributeActions
        : (this.#configs.previous[read.previousIndex as number] as CryptoConfig).attributeActions
      return {
        kind: 'write',
        item,
        from: read.outcome,
        ...(read.previousName !== undefined ? { previousName: read.previousName } : {}),
        expect: { kind: 'encrypted', attributes: expectedEncrypted(stored, actions) },
      }
    } catch (error) {
      if (isMismatch(error)) return { kind: 'failed', code: errorCode(error) }
      throw error
    }
  }

  async #planCopy(stored: Item, destination: Item | null, readFirst: (which: 'source') => Promise<Item>): Promise<ItemPlan> {
    // The source is read under the window with its own table name; the target signs with the destination's.
    const { item: plaintext } = await readInWindow(stored, this.#configs.source, this.#configs.window, (item, _config, index) =>
      index === undefined ? readFirst('source') : this.#crypto.decrypt(item, index))
    if (destination !== null && !isPlaintextItem(destination)) {
      try {
        const existing = await this.#crypto.decrypt(destination, 'target')
        if (attributeValuesEqual({ M: existing }, { M: plaintext }) && (await this.#writtenWithTarget(destination, existing))) return { kind: 'current' }
      } catch (error) {
        if (!isMismatch(error)) throw error
      }
    }
    const item = await this.#encrypt(plaintext)
    const expect: ExpectedState = destination === null
      ? { kind: 'absent' }
      : { kind: isPlaintextItem(destination) ? 'plaintext' : 'encrypted', attributes: destination }
    return { kind: 'write', item, from: 'plaintext', expect }
  }

  async #encrypt(plaintext: Item): Promise<Item> {
    const encrypted = await this.#crypto.encrypt(plaintext)
    this.#targetFingerprint ??= descriptionFingerprint(encrypted)
    return encrypted
  }

  /** True if an item that verified under the target was written with the target's materials. */
  async #writtenWithTarget(stored: Item, plaintext: Item): Promise<boolean> {
    if (this.#configs.isCurrent !== undefined) return this.#configs.isCurrent(Object.freeze(storedDescription(stored)))
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
