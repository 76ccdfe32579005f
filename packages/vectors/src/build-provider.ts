import {
  InvalidKeyError,
  LocalDelegatedKey,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type KeyEncoding,
  type KeyType,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { buildMostRecent } from './build-most-recent'
import { VectorsUnavailableError, type EncryptedItemVectors, type Scenario, type ScenarioKeyNames, type VectorKey } from './load-vectors'

/** The four keys of a scenario, resolved (FORMAT.md 10.7: `encrypt` / `sign` default to `decrypt` / `verify`). */
export interface ScenarioKeys {
  readonly decrypt: DelegatedKey
  readonly verify: DelegatedKey
  readonly encrypt: DelegatedKey
  readonly sign: DelegatedKey
}

/** Everything a builder may need besides the keys (e.g. a MetaStore builder reads `scenario.metastore`). */
export interface BuildContext {
  readonly vectors: EncryptedItemVectors
  /** Whether the provider reads the stored items (`read`) or writes and re-reads new ones (`write`). */
  readonly purpose: 'read' | 'write'
  /** Resolves key names into keys, for builders that need a second provider (e.g. the MetaStore's). */
  readonly resolveKeys: (names: ScenarioKeyNames) => ScenarioKeys
  /** Builds the provider of another kind, e.g. the meta provider of a MostRecent scenario. */
  readonly buildProvider: (kind: string, scenario: Scenario, keys: ScenarioKeys) => Promise<CryptographicMaterialsProvider>
}

/** Builds the provider of one scenario from its resolved keys. */
export type ProviderBuilder = (scenario: Scenario, keys: ScenarioKeys, context: BuildContext) => Promise<CryptographicMaterialsProvider>

/** `static`: decryption key = decrypt (AES), verification key = verify; encrypt / sign for writing (FORMAT.md 10.7). */
const buildStatic: ProviderBuilder = async (_scenario, keys) => StaticMaterialsProvider.fromKeys({
  encryptionKey: keys.encrypt,
  decryptionKey: keys.decrypt,
  signingKey: keys.sign,
  verificationKey: keys.verify,
})

/** `wrapped`: unwrapping key = decrypt, wrapping key = encrypt, signing key = sign, verification key = verify. */
const buildWrapped: ProviderBuilder = async (_scenario, keys) => new WrappedMaterialsProvider({
  wrappingKey: keys.encrypt,
  unwrappingKey: keys.decrypt,
  signingKey: keys.sign,
  verificationKey: keys.verify,
})

/**
 * Provider kind (scenario `provider`) -> builder. `'pending'` kinds are not supported by the runner yet: their
 * scenarios are skipped visibly. A kind missing from the table fails its scenario. Add a kind here to run it.
 */
export const providerBuilders: Readonly<Record<string, ProviderBuilder | 'pending'>> = {
  static: buildStatic,
  wrapped: buildWrapped,
  most_recent: buildMostRecent,
  awskms: 'pending',
}

const KEY_TYPES: Readonly<Record<string, KeyType>> = { symmetric: 'symmetric', public: 'public', private: 'private' }
const KEY_ENCODINGS: Readonly<Record<string, KeyEncoding>> = { RAW: 'RAW', DER: 'DER', PEM: 'PEM' }

/** Builds a LocalDelegatedKey from one `keys.json` entry (FORMAT.md 10.5). */
export function loadKey(name: string, entry: VectorKey | undefined): LocalDelegatedKey {
  if (entry === undefined) throw new VectorsUnavailableError(`Key "${name}" is not in keys.json`)
  const keyType = KEY_TYPES[(entry.type ?? '').toLowerCase()]
  const encoding = KEY_ENCODINGS[(entry.encoding ?? '').toUpperCase()]
  if (entry.material === undefined || entry.algorithm === undefined || keyType === undefined || encoding === undefined) {
    throw new VectorsUnavailableError(`Key "${name}" in keys.json has no usable material/algorithm/type/encoding (is it a KMS key?)`)
  }
  return LocalDelegatedKey.fromBytes({ key: new Uint8Array(Buffer.from(entry.material, 'base64')), algorithm: entry.algorithm, keyType, encoding })
}

/** Resolves a scenario's key names against keys.json. */
export function resolveKeys(keys: Readonly<Record<string, VectorKey>>, names: ScenarioKeyNames): ScenarioKeys {
  const load = (name: string): LocalDelegatedKey => loadKey(name, keys[name])
  const decrypt = load(names.decrypt)
  const verify = load(names.verify)
  return {
    decrypt,
    verify,
    encrypt: names.encrypt !== undefined ? load(names.encrypt) : decrypt,
    sign: names.sign !== undefined ? load(names.sign) : verify,
  }
}

/**
 * Keys for writing: the scenario's keys, except that a signing key our library refuses to write with (the vectors'
 * 64-bit HMAC key is below the 128-bit minimum) is replaced by a new 256-bit key of the same algorithm, which then
 * also verifies. Returns which key was replaced so the test can assert the refusal.
 */
export async function writableKeys(keys: ScenarioKeys): Promise<{ keys: ScenarioKeys; replacedSigningKey?: InvalidKeyError }> {
  try {
    await keys.sign.sign(keys.sign.algorithm, new Uint8Array(1))
    return { keys }
  } catch (error) {
    if (!(error instanceof InvalidKeyError) || !keys.sign.algorithm.startsWith('Hmac')) throw error
    const fresh = LocalDelegatedKey.generate(keys.sign.algorithm, 256)
    return { keys: { ...keys, sign: fresh, verify: fresh }, replacedSigningKey: error }
  }
}
