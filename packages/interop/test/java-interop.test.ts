// Live cross-implementation tests: this library against the Java reference aws-dynamodb-encryption-java 2.0.3 (SDK for
// Java v1), for every materials provider and both directions, on random items (fast-check, logged seed) plus the
// cases where Java's canonical form differs from Python's (FORMAT.md 1.3, 1.4, 11). See packages/interop/README.md.
import {
  CryptoAction,
  decryptItem,
  deserializeMaterialDescription,
  encryptItem,
  MaterialDescriptionKey,
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

import { interopCase, javaNumberText, JavaReference, longNumberText, type BridgeProviderSpec, type InteropCase } from '../src'
import { asymmetricPair, staticPair, wrappedAesPair, wrappedRsaPair, type ProviderPair } from './support/provider-pairs'
import {
  configFor,
  entryFor,
  ITEMS,
  JAVA_PEER,
  okItem,
  oursToReference,
  portableCase,
  referenceToOurs,
  sameCanonical,
  sample,
  SEED,
  seedFor,
  type RoundTripOptions,
} from './support/round-trip'
import { dedicatedCase, ORDERING_CASES, rotateAcrossSides } from './support/shared-cases'

jest.setTimeout(180_000)

/** Java signs strings by UTF-16 code unit and BS members as signed bytes; our recomputed signature uses that form. */
const JAVA: RoundTripOptions = { name: 'Java', signatureForm: { ordering: 'utf16' }, ours: JAVA_PEER }

let java: JavaReference
const ddb = createDynamoDBClient()
const kms = createKMSClient()
const tablesToDelete: string[] = []

beforeAll(async () => {
  process.stdout.write(`[java-interop] fast-check seed ${SEED} (replay with DDB_ENCRYPTION_INTEROP_SEED=${SEED}), ${ITEMS} items per provider and direction\n`)
  java = await JavaReference.start()
})

afterAll(async () => {
  await java?.close()
  for (const name of tablesToDelete) await deleteTestTable(ddb, name)
  ddb.destroy()
  kms.destroy()
})

/** Random items with every number Java and we agree on (also 29..38 digits and -0). */
const javaCase = (): fc.Arbitrary<InteropCase> => interopCase({ number: javaNumberText })

/** Items we write for Java: every random item, in `writeMode: 'java'` (Java's UTF-16 / signed-byte order). */
const oursForJava = javaCase

function oursToJava(label: string, ours: CryptographicMaterialsProvider, provider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  return oursToReference(java, label, ours, provider, cases, JAVA)
}

function javaToOurs(label: string, ours: CryptographicMaterialsProvider, provider: string, cases: readonly InteropCase[]): Promise<Item[]> {
  return referenceToOurs(java, label, ours, provider, cases, JAVA)
}

// ------------------------------------------------------------------------------------------------ random items per provider

describe.each<[string, () => ProviderPair<BridgeProviderSpec>]>([
  ['SymmetricStaticProvider (AES-256 + HmacSHA256)', staticPair],
  ['WrappedMaterialsProvider AES (AESWrap) + HmacSHA256', wrappedAesPair],
  ['WrappedMaterialsProvider RSA (OAEP SHA-256) + SHA256withRSA', wrappedRsaPair],
  ['AsymmetricStaticProvider (RSA key pairs)', asymmetricPair],
])('Java %s', (name, makePair) => {
  let pair: ProviderPair<BridgeProviderSpec>
  let provider: string
  beforeAll(async () => {
    pair = makePair()
    provider = await java.configure(pair.reference)
  })

  it(`ours -> Java: ${ITEMS} random items verify and decrypt to the same plaintext`, async () => {
    await oursToJava(`${name} ours->java`, pair.ours, provider, sample(`${name} ours->java`, ITEMS, oursForJava()))
  })

  it(`Java -> ours: ${ITEMS} random items verify, decrypt to the same plaintext, and we compute Java's signature byte for byte`, async () => {
    await javaToOurs(`${name} java->ours`, pair.ours, provider, sample(`${name} java->ours`, ITEMS, javaCase()))
  })
})

describe('Java DirectKmsMaterialProvider (same moto KMS key on both sides)', () => {
  let ours: DirectKMSMaterialsProvider
  let provider: string
  beforeAll(async () => {
    const { arn } = await createKmsKey(kms, { description: 'ddb-encryption java interop' })
    ours = new DirectKMSMaterialsProvider({ keyId: arn, kmsClient: kms })
    provider = await java.configure({ type: 'kms', keyId: arn, endpoint: kmsEndpoint() })
  })

  it(`ours -> Java: ${ITEMS} random items verify and decrypt to the same plaintext`, async () => {
    await oursToJava('kms ours->java', ours, provider, sample('kms ours->java', ITEMS, oursForJava()))
  })

  it(`Java -> ours: ${ITEMS} random items verify and decrypt to the same plaintext (byte-identical signatures)`, async () => {
    const stored = await javaToOurs('kms java->ours', ours, provider, sample('kms java->ours', ITEMS, javaCase()))
    const description = deserializeMaterialDescription((stored[0]?.[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
    expect(description[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe('kms')
  })
})

describe('Java MetaStore + CachingMostRecentProvider (same DynamoDB Local table, versions created by both sides)', () => {
  const materialName = `java-interop-${Date.now().toString(36)}`
  let store: MetaStore
  let ours: MostRecentProvider
  let provider: string

  beforeAll(async () => {
    const metaTable = `java-interop-meta-${Date.now().toString(36)}`
    await MetaStore.createTable({ client: ddb, tableName: metaTable, billingMode: 'PAY_PER_REQUEST', waitTimeoutMs: 60_000 })
    tablesToDelete.push(metaTable)
    const meta = wrappedAesPair()
    store = new MetaStore({ client: ddb, tableName: metaTable, materialsProvider: meta.ours })
    ours = new MostRecentProvider({ store, materialName, ttlMs: 300_000 })
    provider = await java.configure({
      type: 'most_recent', endpoint: dynamoDbEndpoint(), tableName: metaTable, materialName, ttlSeconds: 300, metaProvider: meta.reference,
    })
  })

  it(`both directions across rotations by either side: ${ITEMS} random items per direction`, async () => {
    const { oursV0, referenceV0 } = await rotateAcrossSides({
      bridge: java, provider, store, ours, materialName, items: ITEMS, options: JAVA, oursCases: oursForJava(), referenceCases: javaCase(),
    })
    // Version 0 items stay readable on both sides after the rotations.
    const perPhase = Math.ceil(ITEMS / 3)
    const v0Ours = sample('meta v0 ours->Java', perPhase, oursForJava())
    const reread = await java.decryptItems(provider, {}, oursV0.map((item, i) => entryFor(v0Ours[i] as InteropCase, item)))
    expect(reread.filter((r) => !r.ok)).toEqual([])
    const v0Java = sample('meta v0 Java->ours', perPhase, javaCase())
    for (const [i, item] of referenceV0.entries()) {
      expect(sameCanonical(await decryptItem(item, configFor(ours, v0Java[i] as InteropCase, JAVA_PEER)), (v0Java[i] as InteropCase).item)).toBe(true)
    }
  })
})

// ------------------------------------------------------------------------------------------------ Java's edge cases

describe("Java's canonical form (FORMAT.md 1.3, 1.4, 11)", () => {
  let pair: ProviderPair<BridgeProviderSpec>
  let provider: string
  beforeAll(async () => {
    pair = staticPair()
    provider = await java.configure(pair.reference)
  })

  it('Java -> ours: UTF-16 / signed-byte order verifies, and our UTF-16-form signature equals Java\'s byte for byte', async () => {
    expect(ORDERING_CASES.some(portableCase)).toBe(false)
    await javaToOurs('ordering java->ours', pair.ours, provider, ORDERING_CASES)
  })

  it("ours -> Java: in writeMode 'java' every ordering case verifies in Java, with our signature byte for byte", async () => {
    await oursToJava('ordering ours->java', pair.ours, provider, ORDERING_CASES)
  })

  it("ours -> Java: writeMode 'python' signs code-point order, which FAILS verification in Java (the one-way case)", async () => {
    const encrypted = await Promise.all(ORDERING_CASES.map((c) => encryptItem(c.item, configFor(pair.ours, c, { writeMode: 'python' }))))
    const results = await java.decryptItems(provider, {}, ORDERING_CASES.map((c, i) => entryFor(c, encrypted[i] as Item)))
    for (const result of results) expect(result.ok ? 'ok' : result.error.type).toBe('SignatureException')
  })

  it("the default writeMode 'portable' refuses every ordering case before anything is written", async () => {
    for (const c of ORDERING_CASES) {
      await expect(encryptItem(c.item, configFor(pair.ours, c))).rejects.toMatchObject({ code: 'ERR_NON_PORTABLE_ITEM' })
    }
  })

  it('numbers with 29..38 significant digits and -0 agree exactly both ways (sign-only and encrypted)', async () => {
    const numbers = [...fc.sample(longNumberText, { seed: seedFor('java long'), numRuns: 40 }), '-0', '-0.000', '12345678901234567890123456789012345678']
    const cases = [CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN].flatMap((action) =>
      numbers.map((n) => dedicatedCase({ n: { N: n }, ns: { NS: [n, '5'] } }, { n: action, ns: action })))
    await oursToJava('numbers ours->java', pair.ours, provider, cases)
    const stored = await javaToOurs('numbers java->ours', pair.ours, provider, cases)
    // A sign-only number is stored as written and covered by the signature in its exact normalized form.
    stored.forEach((item, i) => {
      const c = cases[i] as InteropCase
      if (c.overrides.n === CryptoAction.SIGN_ONLY) expect(item.n).toEqual(c.item.n)
    })
    // And Java reads back, exactly, what Java wrote (its own reading is the reference for the plaintext check).
    const own = await java.decryptItems(provider, {}, cases.map((c, i) => entryFor(c, stored[i] as Item)))
    own.forEach((result, i) => expect(sameCanonical(okItem(result), (cases[i] as InteropCase).item)).toBe(true))
  })

  it('a tampered Java item is refused by us, and a tampered item of ours by Java', async () => {
    const c = dedicatedCase({ s: { S: 'value' }, n: { N: '1' } }, { n: CryptoAction.SIGN_ONLY })
    const [written] = await java.encryptItems(provider, {}, [entryFor(c, c.item)])
    const tampered = { ...okItem(written), n: { N: '2' } }
    await expect(decryptItem(tampered, configFor(pair.ours, c))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })
    const ours = await encryptItem(c.item, configFor(pair.ours, c))
    const [result] = await java.decryptItems(provider, {}, [entryFor(c, { ...ours, n: { N: '2' } })])
    expect(result?.ok ? 'ok' : result?.error.type).toBe('SignatureException')
  })
})
