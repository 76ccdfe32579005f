// Round trips between one of our providers and a reference bridge (Python helper or Java bridge) on many items:
// sampling with a logged seed, batching, and the mismatch report shared by the interop suites.
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  encryptItem,
  ReservedAttribute,
  stringToSign,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
  type SerializeOptions,
} from '@ddb-encryption/core'
import { mapWithConcurrency } from '@ddb-encryption/core'
import fc from 'fast-check'

import {
  canonicalItem,
  interopCase,
  itemFromJson,
  itemToJson,
  type BridgeItemEntry,
  type BridgeItemResult,
  type InteropCase,
  type ReferenceBridge,
} from '../../src'
import { b64, ourSignature, pythonActions, recording } from './provider-pairs'

/** Items per provider and direction (the requirement is at least 500). */
export const ITEMS = Number(process.env.DDB_ENCRYPTION_INTEROP_ITEMS ?? 500)
/** fast-check seed; set DDB_ENCRYPTION_INTEROP_SEED to replay a failure. */
export const SEED = Number(process.env.DDB_ENCRYPTION_INTEROP_SEED ?? Math.floor(Math.random() * 0x7fffffff))
/** Items per bridge request. */
const BATCH = 100
/** Our concurrent encrypt/decrypt calls (each may call KMS or DynamoDB Local). */
const CONCURRENCY = 8
/** Signed into every item; non-ASCII and non-BMP on purpose. */
export const TABLE_NAME = 'interop-tåble-\u{1F600}'

const SIGNATURE = ReservedAttribute.Signature

/** Deterministic, distinct sub-seeds per test so each sample is reproducible on its own. */
export function seedFor(label: string): number {
  let hash = SEED
  for (const char of label) hash = (Math.imul(hash ^ (char.codePointAt(0) as number), 0x01000193) >>> 0) & 0x7fffffff
  return hash
}

export function sample(label: string, count: number, arbitrary: fc.Arbitrary<InteropCase> = interopCase()): InteropCase[] {
  return fc.sample(arbitrary, { seed: seedFor(label), numRuns: count })
}

/**
 * Our settings for a table shared with Python writers: Python's order (random items include values that the default
 * `'portable'` mode refuses) and Python's 28-digit number rounding accepted on read.
 */
export const PYTHON_PEER: Partial<CryptoConfig> = Object.freeze({ writeMode: 'python', acceptPythonRoundedNumbers: true })

/** Our settings for a table shared with Java writers: Java's UTF-16 / signed-byte order; numbers are exact. */
export const JAVA_PEER: Partial<CryptoConfig> = Object.freeze({ writeMode: 'java' })

/** Our configuration for a case; `extra` adds options such as the write mode. */
export function configFor(provider: CryptographicMaterialsProvider, c: InteropCase, extra: Partial<CryptoConfig> = {}): CryptoConfig {
  return {
    materialsProvider: provider,
    encryptionContext: { tableName: TABLE_NAME, partitionKeyName: c.partitionKeyName, ...(c.sortKeyName !== undefined ? { sortKeyName: c.sortKeyName } : {}) },
    attributeActions: new AttributeActions({ defaultAction: c.defaultAction, attributeActions: c.overrides }),
    ...extra,
  }
}

export function entryFor(c: InteropCase, item: Item): BridgeItemEntry {
  return {
    item: itemToJson(item),
    actions: pythonActions(c.defaultAction, c.overrides),
    tableName: TABLE_NAME,
    partitionKeyName: c.partitionKeyName,
    ...(c.sortKeyName !== undefined ? { sortKeyName: c.sortKeyName } : {}),
  }
}

export function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size))
  return out
}

export interface Mismatch {
  readonly index: number
  readonly reason: string
  readonly c: InteropCase
}

/** Fails with the seed and the first few mismatching items as DynamoDB JSON. */
export function expectNoMismatch(label: string, mismatches: readonly Mismatch[]): void {
  if (mismatches.length === 0) return
  const shown = mismatches.slice(0, 3).map((m) =>
    `#${m.index}: ${m.reason}\n  keys: partition ${JSON.stringify(m.c.partitionKeyName)}, sort ${JSON.stringify(m.c.sortKeyName)}; ` +
    `actions: default ${m.c.defaultAction}, overrides ${JSON.stringify(m.c.overrides)}\n  item: ${JSON.stringify(itemToJson(m.c.item))}`)
  throw new Error(
    `${label}: ${mismatches.length} mismatching item(s); seed ${SEED} (label "${label}", sub-seed ${seedFor(label)}).\n${shown.join('\n')}`,
  )
}

export function describeError(result: BridgeItemResult): string {
  return result.ok ? 'ok' : `${result.error.type}: ${result.error.message}`
}

/** The item of a successful result; fails with the reference's error otherwise. */
export function okItem(result: BridgeItemResult | undefined): Item {
  if (result === undefined) throw new Error('missing result')
  if (!result.ok) throw new Error(`the reference failed: ${describeError(result)}`)
  return itemFromJson(result.item)
}

/**
 * Whether Python's (code point, unsigned bytes) and Java's (UTF-16, signed bytes) canonical forms of the item's
 * signed data agree (FORMAT.md 1.4): names, set members and map keys with non-BMP characters against U+E000..U+FFFF,
 * and binary set members differing at a byte >= 0x80, are where they do not.
 */
export function portable(item: Item, actions: AttributeActions, tableName = TABLE_NAME): boolean {
  // An encrypted attribute is signed as its ciphertext, whose bytes do not depend on the order: only its name counts.
  const signed: Record<string, Item[string]> = {}
  for (const name of Object.keys(item)) {
    const value = actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? { B: new Uint8Array(0) } : item[name]
    Object.defineProperty(signed, name, { value, enumerable: true, writable: true, configurable: true })
  }
  const codePoint = Buffer.from(stringToSign(signed, tableName, actions))
  return codePoint.equals(Buffer.from(stringToSign(signed, tableName, actions, { ordering: 'utf16' })))
}

/** {@link portable} for a generated case. */
export function portableCase(c: InteropCase): boolean {
  return portable(c.item, new AttributeActions({ defaultAction: c.defaultAction, attributeActions: c.overrides }))
}

export function sameCanonical(a: Item, b: Item): boolean {
  return JSON.stringify(canonicalItem(a)) === JSON.stringify(canonicalItem(b))
}

/** How one round trip is checked. */
export interface RoundTripOptions {
  /** Name of the reference in failure messages. */
  readonly name: string
  /** Our extra configuration (write mode, ...). */
  readonly ours?: Partial<CryptoConfig>
  /**
   * Ours → reference: also compare the signature the reference recomputes (`resign`, Python only). Java needs no
   * such step: its verification recomputes our string to sign and compares (HMAC) or verifies (deterministic RSA).
   */
  readonly resign?: boolean
  /** Reference → ours: the canonical form in which our recomputed signature must equal the reference's. */
  readonly signatureForm?: SerializeOptions
}

/**
 * Ours encrypts every case; the reference decrypts it (verifying our signature) and must return exactly the
 * plaintext (and, with `resign`, compute byte for byte the signature we wrote).
 */
export async function oursToReference(
  bridge: ReferenceBridge,
  label: string,
  ours: CryptographicMaterialsProvider,
  provider: string,
  cases: readonly InteropCase[],
  options: RoundTripOptions,
): Promise<Item[]> {
  const encrypted = await mapWithConcurrency(cases, CONCURRENCY, (c) => encryptItem(c.item, configFor(ours, c, options.ours)))
  const indexes = cases.map((_, i) => i)
  const results = (await Promise.all(
    chunks(indexes, BATCH).map((batch) =>
      bridge.decryptItems(provider, {}, batch.map((i) => entryFor(cases[i] as InteropCase, encrypted[i] as Item)), { resign: options.resign ?? false })),
  )).flat()
  const mismatches: Mismatch[] = []
  results.forEach((result, i) => {
    const c = cases[i] as InteropCase
    if (!result.ok) return void mismatches.push({ index: i, c, reason: `${options.name} could not decrypt ours: ${describeError(result)}` })
    if (!sameCanonical(itemFromJson(result.item), c.item)) {
      return void mismatches.push({ index: i, c, reason: `${options.name} decrypted a different item: ${JSON.stringify(result.item)}` })
    }
    if (options.resign !== true) return
    const ourSig = b64(((encrypted[i] as Item)[SIGNATURE] as { B: Uint8Array }).B)
    if (result.signature !== ourSig) mismatches.push({ index: i, c, reason: `signature differs: ours ${ourSig}, ${options.name} ${result.signature}` })
  })
  expect(results).toHaveLength(cases.length)
  expectNoMismatch(label, mismatches)
  return encrypted
}

/**
 * The reference encrypts every case; ours decrypts it, must return exactly the plaintext, and must compute byte for
 * byte the reference's signature over the stored item with the key that verified it (in `signatureForm`, no fallback).
 */
export async function referenceToOurs(
  bridge: ReferenceBridge,
  label: string,
  ours: CryptographicMaterialsProvider,
  provider: string,
  cases: readonly InteropCase[],
  options: RoundTripOptions,
): Promise<Item[]> {
  const mismatches: Mismatch[] = []
  const stored: Item[] = new Array(cases.length)
  const indexes = cases.map((_, i) => i)
  await Promise.all(chunks(indexes, BATCH).map(async (batch) => {
    const results = await bridge.encryptItems(provider, {}, batch.map((i) => entryFor(cases[i] as InteropCase, (cases[i] as InteropCase).item)))
    expect(results).toHaveLength(batch.length)
    await mapWithConcurrency(batch, CONCURRENCY, async (i, position) => {
      const c = cases[i] as InteropCase
      const result = results[position] as BridgeItemResult
      if (!result.ok) return void mismatches.push({ index: i, c, reason: `${options.name} could not encrypt: ${describeError(result)}` })
      const item = itemFromJson(result.item)
      stored[i] = item
      const provider = recording(ours)
      const config = { ...configFor(ours, c, options.ours), materialsProvider: provider }
      let plaintext: Item
      try {
        plaintext = await decryptItem(item, config)
      } catch (error) {
        return void mismatches.push({ index: i, c, reason: `ours could not decrypt ${options.name}'s item: ${String(error)} (cause: ${String((error as Error).cause)})` })
      }
      if (!sameCanonical(plaintext, c.item)) {
        return void mismatches.push({ index: i, c, reason: `ours decrypted a different item: ${JSON.stringify(itemToJson(plaintext))}` })
      }
      const theirs = b64((item[SIGNATURE] as { B: Uint8Array }).B)
      const materials = provider.materials as NonNullable<typeof provider.materials>
      const mine = b64(await ourSignature(materials, item, TABLE_NAME, config.attributeActions, options.signatureForm))
      if (mine !== theirs) mismatches.push({ index: i, c, reason: `signature differs: ${options.name} ${theirs}, ours ${mine}` })
    })
  }))
  expectNoMismatch(label, mismatches)
  return stored
}
