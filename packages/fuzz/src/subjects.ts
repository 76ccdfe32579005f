/**
 * What the fuzzer attacks: one configuration per provider kind, each with valid encrypted items (and their
 * plaintexts) to mutate. Everything is in process and seeded: the Direct KMS provider talks to a fake KMS, the
 * most-recent provider to an in-memory store.
 */
import { generateKeyPairSync } from 'node:crypto'
import {
  AttributeActions,
  CryptoAction,
  encryptItem,
  InvalidVersionError,
  MaterialDescriptionKey,
  normalizeNumber,
  LocalDelegatedKey,
  type AttributeValue,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider, type KMSClientLike } from '@ddb-encryption/providers-kms'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MostRecentProvider, versionFromMaterialDescription, type ProviderStore } from '@ddb-encryption/store-meta'
import { Random } from './random'

export const TABLE = 'FuzzTable'
/** Marks every plaintext value, so a test can see whether any error message leaks one. Never in a name. */
export const VALUE_MARKER = 'QZXV'
/** Attribute names of the generated items; `note` is DO_NOTHING, `pk` / `sk` / `tag` SIGN_ONLY, the rest encrypted. */
export const ATTRIBUTE_NAMES = ['pk', 'sk', 'secret', 'blob', 'nums', 'tags', 'bins', 'flag', 'nothing', 'list', 'map', 'tag', 'note', 'constructor', '__proto__'] as const
export const DO_NOTHING_NAME = 'note'

export interface Subject {
  readonly name: string
  /** Relative share of the inputs. */
  readonly weight: number
  readonly config: CryptoConfig
  readonly provider: CryptographicMaterialsProvider
  /** Valid stored items and the plaintexts they were encrypted from (same index). */
  readonly stored: readonly Item[]
  readonly plaintexts: readonly Item[]
  /** For re-signing tampered items as a key holder would (static materials only). */
  readonly keys?: { readonly content: LocalDelegatedKey; readonly signing: LocalDelegatedKey }
}

function own(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const TEXT_PIECES = ['a', 'Z', ' ', 'ü', '\uFF01', '\u{1F600}', '\uE000', '0', '#', '"', '__proto__']

function text(random: Random): string {
  let out = VALUE_MARKER
  for (let n = random.int(6); n > 0; n--) out += random.pick(TEXT_PIECES)
  return out
}

function numberText(random: Random): string {
  switch (random.int(5)) {
    case 0: return String(random.int(1000))
    case 1: return `-${random.int(100000)}.${1 + random.int(9)}`
    case 2: return `${1 + random.int(9)}E${random.int(250) - 125}`
    case 3: return '1234567890123456789012345678901234567'.slice(0, 1 + random.int(37))
    default: return `0.${'0'.repeat(random.int(5))}${1 + random.int(9)}`
  }
}

function uniqueBy<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Set<string>()
  return values.filter((value) => !seen.has(key(value)) && seen.add(key(value)) !== undefined)
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** A random attribute value of any type, nested at most `depth` more levels. */
export function randomValue(random: Random, depth = 2): AttributeValue {
  const kind = random.int(depth > 0 ? 10 : 8)
  switch (kind) {
    case 0: return { S: text(random) }
    case 1: return { N: numberText(random) }
    case 2: return { B: random.bytes(random.int(24)) }
    case 3: return { SS: uniqueBy(Array.from({ length: 1 + random.int(4) }, () => text(random)), (s) => s) }
    case 4: return { NS: uniqueBy(Array.from({ length: 1 + random.int(4) }, () => String(random.int(50))), (s) => s) }
    case 5: return { BS: uniqueBy(Array.from({ length: 1 + random.int(4) }, () => random.bytes(1 + random.int(3))), hex) }
    case 6: return random.chance(0.5) ? { BOOL: random.chance(0.5) } : { NULL: true }
    case 7: return { S: '' }
    case 8: return { L: Array.from({ length: random.int(4) }, () => randomValue(random, depth - 1)) }
    default: {
      const map: Record<string, AttributeValue> = {}
      for (let n = random.int(4); n > 0; n--) own(map, random.pick(['k', 'ü', '__proto__', 'constructor', '\uFF01', '']), randomValue(random, depth - 1))
      return { M: map }
    }
  }
}

/** A random plaintext item: `pk` (S) and `sk` (N) always, the other attributes sometimes. */
export function randomItem(random: Random): Item {
  const item: Record<string, AttributeValue> = {}
  own(item, 'pk', { S: text(random) })
  // Normalized: the Direct KMS provider refuses key numbers that DynamoDB would store in another form.
  own(item, 'sk', { N: normalizeNumber(numberText(random)) })
  for (const name of ATTRIBUTE_NAMES.slice(2)) {
    if (random.chance(0.6)) own(item, name, randomValue(random))
  }
  return item as Item
}

export const ACTIONS = new AttributeActions({
  defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
  attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY, tag: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING },
})

function configFor(provider: CryptographicMaterialsProvider): CryptoConfig {
  // 'python' order: the random items may mix U+E000..U+FFFF with non-BMP characters, which 'portable' refuses.
  return { materialsProvider: provider, attributeActions: ACTIONS, encryptionContext: { tableName: TABLE, partitionKeyName: 'pk', sortKeyName: 'sk' }, writeMode: 'python' }
}

/** A fake KMS: data keys are random, blobs are opaque ids, Decrypt needs the blob and the same encryption context. */
export function fakeKms(random: Random): KMSClientLike {
  const keys = new Map<string, { plaintext: Uint8Array; context: string }>()
  const contextText = (context: unknown): string => JSON.stringify(Object.entries((context ?? {}) as Record<string, string>).sort())
  const refuse = (): never => {
    const error = new Error('The ciphertext or encryption context is invalid')
    error.name = 'InvalidCiphertextException'
    throw error
  }
  const send = async (command: { input: Record<string, unknown> }): Promise<unknown> => {
    const input = command.input
    if (input.NumberOfBytes !== undefined) {
      const plaintext = random.bytes(input.NumberOfBytes as number)
      const blob = random.bytes(24)
      keys.set(hex(blob), { plaintext, context: contextText(input.EncryptionContext) })
      return { Plaintext: plaintext.slice(), CiphertextBlob: blob, KeyId: 'fuzz-key' }
    }
    const entry = keys.get(hex(input.CiphertextBlob as Uint8Array))
    if (entry === undefined || entry.context !== contextText(input.EncryptionContext)) return refuse()
    return { Plaintext: entry.plaintext.slice(), KeyId: 'fuzz-key' }
  }
  return { send } as unknown as KMSClientLike
}

/** An in-memory provider store: version n is a wrapped AES provider with its own keys. */
export function memoryStore(): ProviderStore {
  const versions: CryptographicMaterialsProvider[] = []
  const create = (): CryptographicMaterialsProvider => {
    const wrappingKey = LocalDelegatedKey.generate('AES', 256)
    const provider = new WrappedMaterialsProvider({
      wrappingKey,
      unwrappingKey: wrappingKey,
      signingKey: LocalDelegatedKey.generate('HmacSHA256', 256),
      materialDescription: { [MaterialDescriptionKey.MetaId]: `fuzz#${versions.length}` },
    })
    versions.push(provider)
    return provider
  }
  const existing = async (_name: string, version?: number): Promise<CryptographicMaterialsProvider> => {
    const provider = versions[version ?? versions.length - 1]
    if (provider === undefined) throw new InvalidVersionError('No such version in the in-memory store')
    return provider
  }
  return {
    getOrCreateProvider: async (_name, version) => versions[version] ?? create(),
    provider: existing,
    maxVersion: async () => (versions.length === 0 ? undefined : versions.length - 1),
    versionFromMaterialDescription,
    newProvider: async () => create(),
  }
}

/** Builds every subject with `itemsPerSubject` valid items each. */
export async function buildSubjects(random: Random, itemsPerSubject: number): Promise<Subject[]> {
  const content = LocalDelegatedKey.generate('AES', 256)
  const signing = LocalDelegatedKey.generate('HmacSHA256', 256)
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rsaSigning = LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA')
  const rsaVerifying = LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA')
  const rsaWrap = { wrappingKey: LocalDelegatedKey.fromKeyObject(publicKey, 'RSA'), unwrappingKey: LocalDelegatedKey.fromKeyObject(privateKey, 'RSA') }
  const aesWrap = LocalDelegatedKey.generate('AES', 256)
  const store = memoryStore()
  await store.newProvider('fuzz')
  await store.newProvider('fuzz')

  const kinds: Array<{ name: string; weight: number; provider: CryptographicMaterialsProvider; keys?: Subject['keys'] }> = [
    { name: 'static AES + HMAC', weight: 30, provider: StaticMaterialsProvider.fromKeys({ encryptionKey: content, signingKey: signing }), keys: { content, signing } },
    { name: 'static AES + RSA signature', weight: 5, provider: StaticMaterialsProvider.fromKeys({ encryptionKey: content, signingKey: rsaSigning, verificationKey: rsaVerifying }) },
    { name: 'wrapped AES', weight: 25, provider: new WrappedMaterialsProvider({ wrappingKey: aesWrap, unwrappingKey: aesWrap, signingKey: signing }) },
    { name: 'wrapped RSA', weight: 3, provider: new WrappedMaterialsProvider({ ...rsaWrap, signingKey: signing }) },
    { name: 'Direct KMS', weight: 20, provider: new DirectKMSMaterialsProvider({ keyId: 'alias/fuzz', kmsClient: fakeKms(random) }) },
    { name: 'most recent', weight: 17, provider: new MostRecentProvider({ store, materialName: 'fuzz', ttlMs: 3_600_000 }) },
  ]
  const subjects: Subject[] = []
  for (const kind of kinds) {
    const config = configFor(kind.provider)
    const plaintexts: Item[] = []
    const stored: Item[] = []
    for (let i = 0; i < itemsPerSubject; i++) {
      const plaintext = randomItem(random)
      plaintexts.push(plaintext)
      stored.push(await encryptItem(plaintext, config))
    }
    subjects.push({ name: kind.name, weight: kind.weight, config, provider: kind.provider, stored, plaintexts, ...(kind.keys ? { keys: kind.keys } : {}) })
  }
  return subjects
}
