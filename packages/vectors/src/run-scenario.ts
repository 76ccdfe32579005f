import {
  CryptoAction,
  ReservedAttribute,
  decryptItem,
  encryptItem,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type InvalidKeyError,
  type Item,
} from '@ddb-encryption/core'
import { providerBuilders, resolveKeys, writableKeys, type BuildContext, type ProviderBuilder, type ScenarioKeys } from './build-provider'
import { differingAttributes } from './compare'
import { VectorsUnavailableError, fromVectorItem, readJson, resolveFileUri, type EncryptedItemVectors, type Scenario } from './load-vectors'
import { findExpected, loadPlaintext } from './plaintext'

/** What one scenario run did. */
export interface ScenarioReport {
  /** Stored items that matched a plaintext item, verified, decrypted and compared equal. */
  readonly decrypted: number
  /** Stored items without a plaintext match (skipped, FORMAT.md 10.8 step 1). */
  readonly unmatched: number
  /** Plaintext items re-encrypted with our code, decrypted again and compared equal. */
  readonly reencrypted: number
  /** Set when the scenario's signing key was refused for writing (and replaced for the round trip). */
  readonly replacedSigningKey?: InvalidKeyError
}

/** `version` is skipped in vector comparisons: some writers stored 1 where plaintext.json says 0 (FORMAT.md 10.8). */
const IGNORED = new Set(['version'])

function describeKey(item: Item, names: readonly string[]): string {
  return names.map((n) => `${n}=${JSON.stringify(item[n])}`).join(', ')
}

function fail(where: string, message: string, cause?: unknown): never {
  throw new Error(`${where}: ${message}`, cause === undefined ? undefined : { cause })
}

function buildContext(vectors: EncryptedItemVectors, purpose: BuildContext['purpose']): BuildContext {
  const context: BuildContext = {
    vectors,
    purpose,
    resolveKeys: (names) => resolveKeys(vectors.keys, names),
    buildProvider: async (kind, scenario, keys) => builderFor(kind)(scenario, keys, context),
  }
  return context
}

/** The builder registered for a provider kind; throws if the kind is unknown or pending. */
export function builderFor(kind: string): ProviderBuilder {
  const builder = providerBuilders[kind]
  if (builder === undefined || builder === 'pending') {
    throw new VectorsUnavailableError(`No provider builder for provider kind "${kind}"; add one to providerBuilders in build-provider.ts`)
  }
  return builder
}

/**
 * Runs one offline scenario (FORMAT.md 10.7, 10.8): every stored item with a plaintext match is verified, decrypted
 * and compared; then each matched plaintext is encrypted with our code and the same kind of provider, decrypted
 * again and compared exactly. Throws, naming the table and item, at the first difference.
 */
export async function runScenario(vectors: EncryptedItemVectors, scenario: Scenario): Promise<ScenarioReport> {
  const build = builderFor(scenario.provider)
  const context = buildContext(vectors, 'read')
  // most_recent scenarios have no keys of their own: their builder gets the MetaStore's (FORMAT.md 10.7).
  const keyNames = scenario.keys ?? scenario.metastore?.keys
  if (keyNames === undefined) throw new VectorsUnavailableError(`Scenario ${scenario.ciphertext} names no keys`)
  const readKeys: ScenarioKeys = context.resolveKeys(keyNames)
  const reader: CryptographicMaterialsProvider = await build(scenario, readKeys, context)
  const writable = await writableKeys(readKeys)
  const writer: CryptographicMaterialsProvider = await build(scenario, writable.keys, buildContext(vectors, 'write'))

  const plaintext = loadPlaintext(resolveFileUri(vectors.baseDir, scenario.plaintext))
  const ciphertextFile = resolveFileUri(vectors.baseDir, scenario.ciphertext)
  const ciphertext = readJson(ciphertextFile)
  if (typeof ciphertext !== 'object' || ciphertext === null) fail(ciphertextFile, 'expected { "<table>": [items] }')

  let decrypted = 0
  let unmatched = 0
  let reencrypted = 0
  for (const [tableName, storedItems] of Object.entries(ciphertext)) {
    if (!Array.isArray(storedItems)) fail(ciphertextFile, `table "${tableName}" is not an array of items`)
    const table = plaintext.get(tableName)
    if (table === undefined) {
      unmatched += storedItems.length
      continue
    }
    const expectedItems = table.itemsFor(scenario.version)
    const keyNames = [table.partitionKeyName, ...(table.sortKeyName !== undefined ? [table.sortKeyName] : [])]
    const encryptionContext = {
      tableName,
      partitionKeyName: table.partitionKeyName,
      ...(table.sortKeyName !== undefined ? { sortKeyName: table.sortKeyName } : {}),
    }
    for (const [index, json] of storedItems.entries()) {
      const stored = fromVectorItem(json, `${tableName}[${index}]`)
      const expected = findExpected(stored, table, expectedItems)
      if (expected === undefined) {
        unmatched += 1
        continue
      }
      const where = `${tableName} item ${describeKey(stored, keyNames)}`
      const readConfig: CryptoConfig = { materialsProvider: reader, encryptionContext, attributeActions: expected.actions }

      // 1. The stored item verifies and decrypts to the plaintext.
      let plain: Item
      try {
        plain = await decryptItem(stored, readConfig)
      } catch (error) {
        fail(where, `decrypting the stored item failed: ${(error as Error).message}`, error)
      }
      const differing = differingAttributes(plain, expected.item, IGNORED)
      if (differing.length > 0) fail(where, `decrypted attributes differ from plaintext.json: ${differing.join(', ')}`)
      decrypted += 1

      // 2. Our own encryption of the plaintext decrypts back to it.
      const writeConfig: CryptoConfig = { ...readConfig, materialsProvider: writer }
      let written: Item
      let reread: Item
      try {
        written = await encryptItem(expected.item, writeConfig)
        reread = await decryptItem(written, writeConfig)
      } catch (error) {
        fail(where, `re-encrypting the plaintext failed: ${(error as Error).message}`, error)
      }
      for (const name of Object.keys(expected.item)) {
        const action = expected.actions.action(name)
        if (action === CryptoAction.ENCRYPT_AND_SIGN && !('B' in (written[name] ?? {}))) {
          fail(where, `attribute "${name}" was not encrypted by our encryptor`)
        }
        if (action !== CryptoAction.ENCRYPT_AND_SIGN && differingAttributes({ [name]: written[name]! }, { [name]: expected.item[name]! }).length > 0) {
          fail(where, `attribute "${name}" (not encrypted) was changed by our encryptor`)
        }
      }
      const signed = ReservedAttribute.Signature in written
      if (signed === expected.actions.takeNoActions) {
        fail(where, expected.actions.takeNoActions ? 'an item with only DO_NOTHING actions was signed' : 'our encryptor wrote no signature')
      }
      const roundTrip = differingAttributes(reread, expected.item)
      if (roundTrip.length > 0) fail(where, `re-encrypted item decrypts to different attributes: ${roundTrip.join(', ')}`)
      reencrypted += 1
    }
  }
  if (decrypted === 0) {
    fail(ciphertextFile, `no stored item matched a plaintext.json item (${unmatched} unmatched); the scenario checked nothing`)
  }
  return { decrypted, unmatched, reencrypted, ...(writable.replacedSigningKey ? { replacedSigningKey: writable.replacedSigningKey } : {}) }
}
