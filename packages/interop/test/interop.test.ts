// Live cross-implementation tests: this library against the Python reference dynamodb-encryption-sdk 3.3.0, for every
// materials provider and both directions, on random items (fast-check, logged seed) plus dedicated cases where the
// reference implementations disagree (FORMAT.md 11). See packages/interop/README.md for what is proven.
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  deserializeMaterialDescription,
  encryptItem,
  MaterialDescriptionKey,
  normalizeNumber,
  ReservedAttribute,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { mapWithConcurrency } from '@ddb-encryption/client-helpers'
import { DirectKmsMaterialsProvider } from '@ddb-encryption/providers-kms'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import {
  createDynamoDBClient,
  createKMSClient,
  createKmsKey,
  deleteTestTable,
  dynamoDbEndpoint,
  kmsEndpoint,
} from '@ddb-encryption/testing'
import fc from 'fast-check'

import {
  canonicalItem,
  interopCase,
  itemFromJson,
  itemToJson,
  longNumberText,
  negativeZeroText,
  PythonReference,
  type InteropCase,
  type PythonItemEntry,
  type PythonItemResult,
} from '../src'
import {
  b64,
  ourSignature,
  pythonActions,
  recording,
  staticPair,
  symmetricKey,
  wrappedAesPair,
  wrappedRsaPair,
  type ProviderPair,
} from './support/provider-pairs'

// Whole-file budget: one shared Python helper, services shared with other test files on 2 cores.
jest.setTimeout(180_000)

/** Items per provider and direction (the requirement is at least 500). */
const ITEMS = Number(process.env.DDB_ENCRYPTION_INTEROP_ITEMS ?? 500)
/** fast-check seed; set DDB_ENCRYPTION_INTEROP_SEED to replay a failure. */
const SEED = Number(process.env.DDB_ENCRYPTION_INTEROP_SEED ?? Math.floor(Math.random() * 0x7fffffff))
/** Items per helper request. */
const BATCH = 100
/** Our concurrent encrypt/decrypt calls (each may call KMS or DynamoDB Local). */
const CONCURRENCY = 8
/** Signed into every item; non-ASCII and non-BMP on purpose. */
const TABLE_NAME = 'interop-tåble-\u{1F600}'

const SIGNATURE = ReservedAttribute.Signature

let py: PythonReference
const ddb = createDynamoDBClient()
const kms = createKMSClient()
const tablesToDelete: string[] = []

beforeAll(async () => {
  process.stdout.write(`[interop] fast-check seed ${SEED} (replay with DDB_ENCRYPTION_INTEROP_SEED=${SEED}), ${ITEMS} items per provider and direction\n`)
  py = await PythonReference.start()
})

afterAll(async () => {
  await py?.close()
  for (const name of tablesToDelete) await deleteTestTable(ddb, name)
  ddb.destroy()
  kms.destroy()
})

// ------------------------------------------------------------------------------------------------ helpers

/** Deterministic, distinct sub-seeds per test so each sample is reproducible on its own. */
function seedFor(label: string): number {
  let hash = SEED
  for (const char of label) hash = (Math.imul(hash ^ (char.codePointAt(0) as number), 0x01000193) >>> 0) & 0x7fffffff
  return hash
}

function sample(label: string, count: number, arbitrary: fc.Arbitrary<InteropCase> = interopCase()): InteropCase[] {
  return fc.sample(arbitrary, { seed: seedFor(label), numRuns: count })
}

/**
 * Python-compatible settings: write in Python's order (the random items include values `'portable'` refuses) and
 * accept Python's 28-digit number rounding, as a table shared with Python writers must.
 */
function configFor(provider: CryptographicMaterialsProvider, c: InteropCase): CryptoConfig {
  return {
    writeMode: 'python',
    acceptPythonRoundedNumbers: true,
    materialsProvider: provider,
    encryptionContext: { tableName: TABLE_NAME, partitionKeyName: c.partitionKeyName, ...(c.sortKeyName !== undefined ? { sortKeyName: c.sortKeyName } : {}) },
    attributeActions: new AttributeActions({ defaultAction: c.defaultAction, attributeActions: c.overrides }),
  }
}

function entryFor(c: InteropCase, item: Item): PythonItemEntry {
  return {
    item: itemToJson(item),
    actions: pythonActions(c.defaultAction, c.overrides),
    tableName: TABLE_NAME,
    partitionKeyName: c.partitionKeyName,
    ...(c.sortKeyName !== undefined ? { sortKeyName: c.sortKeyName } : {}),
  }
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size))
  return out
}

interface Mismatch {
  readonly index: number
  readonly reason: string
  readonly c: InteropCase
}

/** Fails with the seed and the first few mismatching items as DynamoDB JSON. */
function expectNoMismatch(label: string, mismatches: readonly Mismatch[]): void {
  if (mismatches.length === 0) return
  const shown = mismatches.slice(0, 3).map((m) =>
    `#${m.index}: ${m.reason}\n  keys: partition ${JSON.stringify(m.c.partitionKeyName)}, sort ${JSON.stringify(m.c.sortKeyName)}; ` +
    `actions: default ${m.c.defaultAction}, overrides ${JSON.stringify(m.c.overrides)}\n  item: ${JSON.stringify(itemToJson(m.c.item))}`)
  throw new Error(
    `${label}: ${mismatches.length} mismatching item(s); seed ${SEED} (label "${label}", sub-seed ${seedFor(label)}).\n${shown.join('\n')}`,
  )
}

function describeError(result: PythonItemResult): string {
  return result.ok ? 'ok' : `${result.error.type}: ${result.error.message}`
}

/** The item of a successful result; fails with Python's error otherwise. */
function okItem(result: PythonItemResult | undefined): Item {
  if (result === undefined) throw new Error('missing result')
  if (!result.ok) throw new Error(`Python failed: ${describeError(result)}`)
  return itemFromJson(result.item)
}

/** The text of number attribute `name`. */
function numberOf(item: Item, name: string): string {
  return (item[name] as { N: string }).N
}

function sameCanonical(a: Item, b: Item): boolean {
  return JSON.stringify(canonicalItem(a)) === JSON.stringify(canonicalItem(b))
}

/**
 * Ours encrypts every case; Python decrypts it (verifying our signature), must return exactly the plaintext, and
 * must compute byte for byte the signature we wrote.
 */
async function oursToPython(label: string, ours: CryptographicMaterialsProvider, pythonProvider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  const encrypted = await mapWithConcurrency(cases, CONCURRENCY, (c) => encryptItem(c.item, configFor(ours, c)))
  const indexes = cases.map((_, i) => i)
  const results = (await Promise.all(
    chunks(indexes, BATCH).map((batch) =>
      py.decryptItems(pythonProvider, {}, batch.map((i) => entryFor(cases[i] as InteropCase, encrypted[i] as Item)), { resign: true })),
  )).flat()
  const mismatches: Mismatch[] = []
  results.forEach((result, i) => {
    const c = cases[i] as InteropCase
    if (!result.ok) return void mismatches.push({ index: i, c, reason: `Python could not decrypt ours: ${describeError(result)}` })
    if (!sameCanonical(itemFromJson(result.item), c.item)) {
      return void mismatches.push({ index: i, c, reason: `Python decrypted a different item: ${JSON.stringify(result.item)}` })
    }
    const ourSig = b64(((encrypted[i] as Item)[SIGNATURE] as { B: Uint8Array }).B)
    if (result.signature !== ourSig) mismatches.push({ index: i, c, reason: `signature differs: ours ${ourSig}, Python ${result.signature}` })
  })
  expect(results).toHaveLength(cases.length)
  expectNoMismatch(label, mismatches)
  return encrypted
}

/**
 * Python encrypts every case; ours decrypts it, must return exactly the plaintext, and must compute byte for byte
 * Python's signature over the stored item with the key that verified it (our default canonical form, no fallback).
 */
async function pythonToOurs(label: string, ours: CryptographicMaterialsProvider, pythonProvider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  const mismatches: Mismatch[] = []
  const stored: Item[] = new Array(cases.length)
  const indexes = cases.map((_, i) => i)
  await Promise.all(chunks(indexes, BATCH).map(async (batch) => {
    const results = await py.encryptItems(pythonProvider, {}, batch.map((i) => entryFor(cases[i] as InteropCase, (cases[i] as InteropCase).item)))
    expect(results).toHaveLength(batch.length)
    await mapWithConcurrency(batch, CONCURRENCY, async (i, position) => {
      const c = cases[i] as InteropCase
      const result = results[position] as PythonItemResult
      if (!result.ok) return void mismatches.push({ index: i, c, reason: `Python could not encrypt: ${describeError(result)}` })
      const item = itemFromJson(result.item)
      stored[i] = item
      const provider = recording(ours)
      const config = { ...configFor(ours, c), materialsProvider: provider }
      let plaintext: Item
      try {
        plaintext = await decryptItem(item, config)
      } catch (error) {
        return void mismatches.push({ index: i, c, reason: `ours could not decrypt Python's item: ${String(error)} (cause: ${String((error as Error).cause)})` })
      }
      if (!sameCanonical(plaintext, c.item)) {
        return void mismatches.push({ index: i, c, reason: `ours decrypted a different item: ${JSON.stringify(itemToJson(plaintext))}` })
      }
      const theirs = b64((item[SIGNATURE] as { B: Uint8Array }).B)
      const mine = b64(await ourSignature(provider.materials as NonNullable<typeof provider.materials>, item, TABLE_NAME, config.attributeActions))
      if (mine !== theirs) mismatches.push({ index: i, c, reason: `signature differs: Python ${theirs}, ours ${mine}` })
    })
  }))
  expectNoMismatch(label, mismatches)
  return stored
}

// ------------------------------------------------------------------------------------------------ random items per provider

describe.each([
  ['static AES + HmacSHA256', staticPair],
  ['wrapped AES (AESWrap) + HmacSHA256', wrappedAesPair],
  ['wrapped RSA (OAEP SHA-256) + SHA256withRSA', wrappedRsaPair],
])('%s', (name, makePair) => {
  let pair: ProviderPair
  let pythonProvider: string
  beforeAll(async () => {
    pair = makePair()
    pythonProvider = await py.configure(pair.python)
  })

  it(`ours -> Python: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    await oursToPython(`${name} ours->py`, pair.ours, pythonProvider, sample(`${name} ours->py`, ITEMS))
  })

  it(`Python -> ours: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    await pythonToOurs(`${name} py->ours`, pair.ours, pythonProvider, sample(`${name} py->ours`, ITEMS))
  })
})

describe('Direct KMS (same moto KMS key on both sides)', () => {
  let ours: DirectKmsMaterialsProvider
  let pythonProvider: string
  beforeAll(async () => {
    const { arn } = await createKmsKey(kms, { description: 'ddb-encryption interop' })
    ours = new DirectKmsMaterialsProvider({ keyId: arn, kmsClient: kms })
    pythonProvider = await py.configure({ type: 'kms', keyId: arn, endpoint: kmsEndpoint() })
  })

  it(`ours -> Python: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    const stored = await oursToPython('kms ours->py', ours, pythonProvider, sample('kms ours->py', ITEMS))
    // Python's description entries, written by us (FORMAT.md 7.3).
    const description = deserializeMaterialDescription((stored[0]?.[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
    expect(description[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe('kms')
  })

  it(`Python -> ours: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    await pythonToOurs('kms py->ours', ours, pythonProvider, sample('kms py->ours', ITEMS))
  })
})

describe('MetaStore + most recent provider (same DynamoDB Local table, versions created by both sides)', () => {
  const materialName = `interop-${Date.now().toString(36)}`
  let metaTable: string
  let store: MetaStore
  let ours: MostRecentProvider
  let pythonProvider: string

  beforeAll(async () => {
    metaTable = `interop-meta-${Date.now().toString(36)}`
    await MetaStore.createTable(ddb, metaTable, { billingMode: 'PAY_PER_REQUEST', waitTimeoutMs: 60_000 })
    tablesToDelete.push(metaTable)
    const meta = wrappedAesPair()
    store = new MetaStore({ client: ddb, tableName: metaTable, materialsProvider: meta.ours })
    ours = new MostRecentProvider({ store, materialName, ttlMs: 300_000 })
    pythonProvider = await py.configure({
      type: 'most_recent', endpoint: dynamoDbEndpoint(), tableName: metaTable, materialName, ttlSeconds: 300, metaProvider: meta.python,
    })
  })

  function metaIds(items: readonly Item[]): Set<string> {
    return new Set(items.map((item) =>
      deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)[MaterialDescriptionKey.MetaId] as string))
  }

  it(`both directions across rotations by either side: ${ITEMS} random items per direction`, async () => {
    const perPhase = Math.ceil(ITEMS / 3)
    // Version 0, created by us; Python loads our row.
    await store.newProvider(materialName)
    await py.refresh(pythonProvider)
    const a1 = await oursToPython('meta v0 ours->py', ours, pythonProvider, sample('meta v0 ours->py', perPhase))
    const a2 = await pythonToOurs('meta v0 py->ours', ours, pythonProvider, sample('meta v0 py->ours', perPhase))
    expect(metaIds([...a1, ...a2])).toEqual(new Set([`${materialName}#0`]))

    // Version 1, created by Python; we load its row.
    expect(await py.metaNewProvider(pythonProvider)).toBe(1)
    await ours.refresh()
    await py.refresh(pythonProvider)
    const b1 = await oursToPython('meta v1 ours->py', ours, pythonProvider, sample('meta v1 ours->py', perPhase))
    const b2 = await pythonToOurs('meta v1 py->ours', ours, pythonProvider, sample('meta v1 py->ours', perPhase))
    expect(metaIds([...b1, ...b2])).toEqual(new Set([`${materialName}#1`]))

    // Version 2, created by us again; both still read the older versions.
    await store.newProvider(materialName)
    expect(await py.metaMaxVersion(pythonProvider)).toBe(2)
    await ours.refresh()
    await py.refresh(pythonProvider)
    const c1 = await oursToPython('meta v2 ours->py', ours, pythonProvider, sample('meta v2 ours->py', perPhase))
    const c2 = await pythonToOurs('meta v2 py->ours', ours, pythonProvider, sample('meta v2 py->ours', perPhase))
    expect(metaIds([...c1, ...c2])).toEqual(new Set([`${materialName}#2`]))
  })
})

// ------------------------------------------------------------------------------------------------ where the references disagree

/** One case with a fixed partition key and the given extra attributes and actions. */
function dedicatedCase(attributes: Item, overrides: Readonly<Record<string, CryptoAction>>, defaultAction: CryptoAction = CryptoAction.ENCRYPT_AND_SIGN): InteropCase {
  return {
    item: { pk: { S: 'dedicated' }, ...attributes },
    partitionKeyName: 'pk',
    defaultAction,
    overrides: { pk: CryptoAction.SIGN_ONLY, ...overrides },
  }
}

describe('where Python and Java disagree (FORMAT.md 11): what happens between Python and us', () => {
  let pair: ProviderPair
  let pythonProvider: string
  beforeAll(async () => {
    pair = staticPair()
    pythonProvider = await py.configure(pair.python)
  })

  const longNumberCases = (label: string, action: CryptoAction): InteropCase[] =>
    fc.sample(longNumberText, { seed: seedFor(label), numRuns: 60 }).map((n) => dedicatedCase({ n: { N: n } }, { n: action }))

  it('Python -> ours: numbers with 29..38 significant digits verify (Python signs its 28-digit rounding; we accept it via the Python-number fallback)', async () => {
    for (const action of [CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN]) {
      const cases = longNumberCases(`long py->ours ${action}`, action)
      const results = await py.encryptItems(pythonProvider, {}, cases.map((c) => entryFor(c, c.item)))
      // Python's own reading of its items: the reference value for an encrypted long number is its rounded form.
      const own = await py.decryptItems(pythonProvider, {}, results.map((r, i) => entryFor(cases[i] as InteropCase, okItem(r))))
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i] as InteropCase
        const stored = okItem(results[i])
        const plaintext = await decryptItem(stored, configFor(pair.ours, c))
        const original = (c.item.n as { N: string }).N
        const read = (plaintext.n as { N: string }).N
        if (action === CryptoAction.SIGN_ONLY) {
          // Stored as written; only the signature covers Python's rounding.
          expect(read).toBe(original)
        } else {
          // The ciphertext holds Python's 28-digit rounding: we read exactly what Python itself reads back.
          const pythonRead = numberOf(okItem(own[i]), 'n')
          expect(normalizeNumber(read)).toBe(normalizeNumber(pythonRead))
          expect(normalizeNumber(read)).not.toBe(normalizeNumber(original))
        }
      }
    }
  })

  it('ours -> Python: a SIGN_ONLY number with 29..38 significant digits FAILS verification in Python (it signs the rounded value)', async () => {
    const cases = longNumberCases('long ours->py sign', CryptoAction.SIGN_ONLY)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)))
    for (const result of results) {
      expect(result.ok).toBe(false)
      expect(result.ok ? '' : result.error.type).toBe('SignatureVerificationError')
    }
  })

  it('ours -> Python: an ENCRYPT_AND_SIGN number with 29..38 significant digits verifies, but Python reads it rounded to 28 digits', async () => {
    const cases = longNumberCases('long ours->py encrypt', CryptoAction.ENCRYPT_AND_SIGN)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)))
    results.forEach((result, i) => {
      const read = numberOf(okItem(result), 'n')
      const original = ((cases[i] as InteropCase).item.n as { N: string }).N
      expect(normalizeNumber(read)).not.toBe(normalizeNumber(original))
      // Rounded, not garbled: same magnitude, 28 significant digits at most.
      expect(normalizeNumber(read).replace(/^-?[0.]*/, '').replace(/\./, '').replace(/0+$/, '').length).toBeLessThanOrEqual(28)
    })
  })

  const negativeZeroCases = (action: CryptoAction): InteropCase[] =>
    fc.sample(negativeZeroText, { seed: seedFor(`-0 ${action}`), numRuns: 4 }).map((n) => dedicatedCase({ n: { N: n }, ns: { NS: [n, '5'] } }, { n: action, ns: action }))

  it('Python -> ours: -0 verifies (Python signs "-0"; we accept it via the Python-number fallback) and reads as zero', async () => {
    for (const action of [CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN]) {
      const cases = negativeZeroCases(action)
      const results = await py.encryptItems(pythonProvider, {}, cases.map((c) => entryFor(c, c.item)))
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i] as InteropCase
        const plaintext = await decryptItem(okItem(results[i]), configFor(pair.ours, c))
        expect(normalizeNumber((plaintext.n as { N: string }).N)).toBe('0')
        expect(sameCanonical(plaintext, c.item)).toBe(true)
      }
    }
  })

  it('ours -> Python: a SIGN_ONLY -0 FAILS verification in Python (we sign "0" as Java does, Python "-0")', async () => {
    const cases = negativeZeroCases(CryptoAction.SIGN_ONLY)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)))
    for (const result of results) expect(result.ok ? 'ok' : result.error.type).toBe('SignatureVerificationError')
  })

  it('ours -> Python: an ENCRYPT_AND_SIGN -0 verifies and Python reads 0', async () => {
    const cases = negativeZeroCases(CryptoAction.ENCRYPT_AND_SIGN)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)), { resign: true })
    results.forEach((result, i) => {
      expect(numberOf(okItem(result), 'n')).toBe('0')
      expect(result.ok && result.signature).toBe(b64(((encrypted[i] as Item)[SIGNATURE] as { B: Uint8Array }).B))
    })
  })

  // Java-only disagreements: code point order (Python, us) vs UTF-16 order (Java), unsigned (Python, us) vs signed
  // (Java) binary set order. Python and we write the same order, so these must agree byte for byte both ways.
  const orderingAttributes: Item = {
    bs: { BS: [Uint8Array.of(0x80), Uint8Array.of(0x01), Uint8Array.of(0xff), Uint8Array.of(0x7f, 0x00)] },
    ss: { SS: ['\u{1F600}', '\uFF01', '\uE000', 'a', '\u{10000}\uFFFF'] },
    m: { M: { '\u{1F600}': { N: '1' }, '\uFF01': { N: '2' }, '\uE000x': { BS: [Uint8Array.of(0xff), Uint8Array.of(0x00)] } } },
    '\u{1F600}': { S: 'non-BMP name' },
    '\uFF01': { S: 'U+FF01 name' },
    '\uE000': { S: 'U+E000 name' },
  }
  const orderingCases = [CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN].map((action) =>
    dedicatedCase(orderingAttributes, {}, action))

  it('ours -> Python: set, map key and attribute name ordering outside ASCII/BMP agrees byte for byte', async () => {
    await oursToPython('ordering ours->py', pair.ours, pythonProvider, orderingCases)
  })

  it('Python -> ours: set, map key and attribute name ordering outside ASCII/BMP agrees byte for byte', async () => {
    await pythonToOurs('ordering py->ours', pair.ours, pythonProvider, orderingCases)
  })
})
