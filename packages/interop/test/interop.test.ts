// Live cross-implementation tests: this library against the Python reference dynamodb-encryption-sdk 3.3.0, for every
// materials provider and both directions, on random items (fast-check, logged seed) plus dedicated cases where the
// reference implementations disagree (FORMAT.md 11). See packages/interop/README.md for what is proven.
import {
  CryptoAction,
  decryptItem,
  deserializeMaterialDescription,
  encryptItem,
  MaterialDescriptionKey,
  normalizeNumber,
  ReservedAttribute,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
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
  longNumberText,
  negativeZeroText,
  PythonReference,
  type InteropCase,
} from '../src'
import {
  b64,
  staticPair,
  wrappedAesPair,
  wrappedRsaPair,
  type ProviderPair,
} from './support/provider-pairs'
import {
  configFor,
  entryFor,
  ITEMS,
  okItem,
  oursToReference,
  PYTHON_PEER,
  referenceToOurs,
  sameCanonical,
  sample,
  SEED,
  seedFor,
} from './support/round-trip'
import { dedicatedCase, ORDERING_CASES, rotateAcrossSides } from './support/shared-cases'

// Whole-file budget: one shared Python helper, services shared with other test files on 2 cores.
jest.setTimeout(180_000)

const PYTHON = { name: 'Python', resign: true, ours: PYTHON_PEER } as const
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

/** The text of number attribute `name`. */
function numberOf(item: Item, name: string): string {
  return (item[name] as { N: string }).N
}

/** Ours encrypts, Python decrypts and recomputes the signature byte for byte (see round-trip.ts). */
function oursToPython(label: string, ours: CryptographicMaterialsProvider, pythonProvider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  return oursToReference(py, label, ours, pythonProvider, cases, PYTHON)
}

/** Python encrypts, ours decrypts and recomputes the signature byte for byte in our default form (see round-trip.ts). */
function pythonToOurs(label: string, ours: CryptographicMaterialsProvider, pythonProvider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  return referenceToOurs(py, label, ours, pythonProvider, cases, PYTHON)
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
    pythonProvider = await py.configure(pair.reference)
  })

  it(`ours -> Python: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    await oursToPython(`${name} ours->py`, pair.ours, pythonProvider, sample(`${name} ours->py`, ITEMS))
  })

  it(`Python -> ours: ${ITEMS} random items decrypt to the same plaintext with byte-identical signatures`, async () => {
    await pythonToOurs(`${name} py->ours`, pair.ours, pythonProvider, sample(`${name} py->ours`, ITEMS))
  })
})

describe('Direct KMS (same moto KMS key on both sides)', () => {
  let ours: DirectKMSMaterialsProvider
  let pythonProvider: string
  beforeAll(async () => {
    const { arn } = await createKmsKey(kms, { description: 'ddb-encryption interop' })
    ours = new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms })
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
    await MetaStore.createTable({ client: ddb, tableName: metaTable, billingMode: 'PAY_PER_REQUEST', waitTimeoutMs: 60_000 })
    tablesToDelete.push(metaTable)
    const meta = wrappedAesPair()
    store = new MetaStore({ client: ddb, tableName: metaTable, materialsProvider: meta.ours })
    ours = new MostRecentProvider({ store, materialName, ttlMs: 300_000 })
    pythonProvider = await py.configure({
      type: 'most_recent', endpoint: dynamoDbEndpoint(), tableName: metaTable, materialName, ttlSeconds: 300, metaProvider: meta.reference,
    })
  })

  it(`both directions across rotations by either side: ${ITEMS} random items per direction`, async () => {
    await rotateAcrossSides({ bridge: py, provider: pythonProvider, store, ours, materialName, items: ITEMS, options: PYTHON })
  })
})

// ------------------------------------------------------------------------------------------------ where the references disagree

describe('where Python and Java disagree (FORMAT.md 11): what happens between Python and us', () => {
  let pair: ProviderPair
  let pythonProvider: string
  beforeAll(async () => {
    pair = staticPair()
    pythonProvider = await py.configure(pair.reference)
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
        const plaintext = await decryptItem(stored, configFor(pair.ours, c, PYTHON_PEER))
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
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c, PYTHON_PEER))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)))
    for (const result of results) {
      expect(result.ok).toBe(false)
      expect(result.ok ? '' : result.error.type).toBe('SignatureVerificationError')
    }
  })

  it('ours -> Python: an ENCRYPT_AND_SIGN number with 29..38 significant digits verifies, but Python reads it rounded to 28 digits', async () => {
    const cases = longNumberCases('long ours->py encrypt', CryptoAction.ENCRYPT_AND_SIGN)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c, PYTHON_PEER))))
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
        const plaintext = await decryptItem(okItem(results[i]), configFor(pair.ours, c, PYTHON_PEER))
        expect(normalizeNumber((plaintext.n as { N: string }).N)).toBe('0')
        expect(sameCanonical(plaintext, c.item)).toBe(true)
      }
    }
  })

  it('ours -> Python: a SIGN_ONLY -0 FAILS verification in Python (we sign "0" as Java does, Python "-0")', async () => {
    const cases = negativeZeroCases(CryptoAction.SIGN_ONLY)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c, PYTHON_PEER))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)))
    for (const result of results) expect(result.ok ? 'ok' : result.error.type).toBe('SignatureVerificationError')
  })

  it('ours -> Python: an ENCRYPT_AND_SIGN -0 verifies and Python reads 0', async () => {
    const cases = negativeZeroCases(CryptoAction.ENCRYPT_AND_SIGN)
    const encrypted = await Promise.all(cases.map((c) => encryptItem(c.item, configFor(pair.ours, c, PYTHON_PEER))))
    const results = await py.decryptItems(pythonProvider, {}, cases.map((c, i) => entryFor(c, encrypted[i] as Item)), { resign: true })
    results.forEach((result, i) => {
      expect(numberOf(okItem(result), 'n')).toBe('0')
      expect(result.ok && result.signature).toBe(b64(((encrypted[i] as Item)[SIGNATURE] as { B: Uint8Array }).B))
    })
  })

  // Java-only disagreements: code point order (Python, us) vs UTF-16 order (Java), unsigned (Python, us) vs signed
  // (Java) binary set order. Python and we write the same order, so these must agree byte for byte both ways.
  it('ours -> Python: set, map key and attribute name ordering outside ASCII/BMP agrees byte for byte', async () => {
    await oursToPython('ordering ours->py', pair.ours, pythonProvider, ORDERING_CASES)
  })

  it('Python -> ours: set, map key and attribute name ordering outside ASCII/BMP agrees byte for byte', async () => {
    await pythonToOurs('ordering py->ours', pair.ours, pythonProvider, ORDERING_CASES)
  })
})
