/**
 * decryptItems with the most-recent provider: each chunk's descriptions go, by version, to that version's cached
 * wrapped provider, which unwraps their keys at once. Results and errors must be decryptItem's, items of versions
 * not cached still decrypt (through the store, as before), and preparing asks the store nothing.
 */
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  decryptItems,
  encryptItem,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
} from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { createDecipheriv, randomBytes } from 'node:crypto'
import { MostRecentProvider } from '../../src/most-recent-provider'
import type { ProviderStore } from '../../src/provider-store'
import { versionFromMaterialDescription } from '../../src/version'


/**
 * Counts unwraps on the plain path: `update()` calls of node:crypto decipher contexts whose input is a wrapped key
 * (a multiple of 8 bytes that is not one of 16, the only inputs of the key-wrap cipher; the batched unwrap and the
 * CBC decryption feed whole 16-byte blocks).
 */
function countPlainUnwraps(): { readonly count: () => number; restore: () => void } {
  const prototype = Object.getPrototypeOf(createDecipheriv('aes-128-ecb', Buffer.alloc(16), null)) as { update: (...args: unknown[]) => unknown }
  const spy = jest.spyOn(prototype, 'update')
  const count = (): number => spy.mock.calls.filter(([data]) => (data as Uint8Array).byteLength % 16 === 8).length
  return { count, restore: () => spy.mockRestore() }
}

const NAME = 'orders'

function versionProvider(version: number): WrappedMaterialsProvider {
  const kek = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'AES' })
  const mac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256' })
  return new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: mac, materialDescription: { [MaterialDescriptionKey.MetaId]: `${NAME}#${version}` } })
}

/** Versions 0 and 1 in memory; `newest` says which one encryption uses; every call counted. */
class MemoryStore implements ProviderStore {
  readonly providers = [versionProvider(0), versionProvider(1)]
  newest = 0
  calls = 0
  async getOrCreateProvider(_name: string, version: number): Promise<CryptographicMaterialsProvider> {
    this.calls++
    return this.providers[version] as WrappedMaterialsProvider
  }
  async provider(_name: string, version?: number): Promise<CryptographicMaterialsProvider> {
    this.calls++
    return this.providers[version ?? this.newest] as WrappedMaterialsProvider
  }
  async maxVersion(): Promise<number | undefined> {
    this.calls++
    return this.newest
  }
  versionFromMaterialDescription(description: Readonly<Record<string, string>>): number {
    return versionFromMaterialDescription(description)
  }
  async newProvider(): Promise<CryptographicMaterialsProvider> {
    return this.provider(NAME, ++this.newest)
  }
}

const ACTIONS = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
const configFor = (provider: CryptographicMaterialsProvider): CryptoConfig =>
  ({ materialsProvider: provider, attributeActions: ACTIONS, encryptionContext: { tableName: 't', partitionKeyName: 'pk' } })
const plainItem = (i: number): Item => ({ pk: { S: `p${i}` }, v: { N: String(i) }, s: { S: 'x'.repeat(i % 9) } })

describe('decryptItems with the most-recent provider', () => {
  it('prepares the keys of cached versions (no plain unwrap, no store call) and gives decryptItem\'s results', async () => {
    const store = new MemoryStore()
    const writer = new MostRecentProvider({ store, materialName: NAME, ttlMs: 60_000 })
    // Items of version 0, then of version 1 (the writer's TTL is bypassed by a refresh).
    const items: Item[] = []
    for (let i = 0; i < 20; i++) items.push(await encryptItem(plainItem(i), configFor(writer)))
    store.newest = 1
    await writer.refresh()
    for (let i = 20; i < 50; i++) items.push(await encryptItem(plainItem(i), configFor(writer)))
    const shuffled = items.map((item, i) => items[(i * 17) % items.length] as Item)

    const reader = new MostRecentProvider({ store, materialName: NAME, ttlMs: 60_000 })
    const config = configFor(reader)
    const expected = await Promise.all(shuffled.map((item) => decryptItem(item, config))) // caches both versions
    const plain = countPlainUnwraps()
    const callsBefore = store.calls
    try {
      expect(await decryptItems(shuffled, config)).toEqual(expected)
      expect(plain.count()).toBe(0)
      expect(store.calls).toBe(callsBefore)
    } finally {
      plain.restore()
    }
    expect(expected).toEqual(shuffled.map((_, i) => plainItem((i * 17) % items.length)))
  })

  it('items of versions not cached yet decrypt through the store as before; errors are decryptItem\'s', async () => {
    const store = new MemoryStore()
    const writer = new MostRecentProvider({ store, materialName: NAME, ttlMs: 60_000 })
    const items = await Promise.all(Array.from({ length: 40 }, (_, i) => encryptItem(plainItem(i), configFor(writer))))
    const fresh = new MostRecentProvider({ store, materialName: NAME, ttlMs: 60_000 })
    expect(await decryptItems(items, configFor(fresh))).toEqual(items.map((_, i) => plainItem(i)))
    // An item whose meta id names a version the store does not have: the same error as decryptItem's.
    class MissingStore extends MemoryStore {
      override async provider(): Promise<CryptographicMaterialsProvider> {
        throw new Error('no such version')
      }
    }
    const other = new MostRecentProvider({ store: new MissingStore(), materialName: NAME, ttlMs: 60_000 })
    const single = await decryptItem(items[0] as Item, configFor(other)).catch((error: unknown) => error)
    const batch = await decryptItems(items, configFor(other)).catch((error: unknown) => error)
    expect(single).toBeInstanceOf(Error)
    expect(batch).toEqual(single)
  })
})
