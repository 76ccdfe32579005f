import {
  DynamoDBEncryptionError,
  InvalidArgumentError,
  InvalidVersionError,
  MaterialDescriptionKey,
  MaterialsUnavailableError,
  ProviderStoreError,
} from '@ddb-encryption/core'
import { MOST_RECENT_GRACE_PERIOD_MS, MostRecentProvider } from '../../src/most-recent-provider'
import { Clock, FakeStore, contextWith, itemContext } from '../support/fake-store'

const NAME = 'material'
const TTL = 10_000

function setup(options: { maxCacheSize?: number } = {}) {
  const store = new FakeStore()
  const clock = new Clock()
  const provider = new MostRecentProvider({ store, materialName: NAME, ttlMs: TTL, now: clock.now, ...options })
  return { store, clock, provider }
}

async function encryptVersion(provider: MostRecentProvider): Promise<string | undefined> {
  const materials = await provider.getEncryptionMaterials(contextWith())
  return materials.materialDescription[MaterialDescriptionKey.MetaId]
}

async function decryptVersion(provider: MostRecentProvider, metaId: string): Promise<string | undefined> {
  const materials = await provider.getDecryptionMaterials(itemContext(metaId))
  return materials.materialDescription[MaterialDescriptionKey.MetaId]
}

describe('MostRecentProvider constructor', () => {
  const store = new FakeStore()
  it('requires a positive ttlMs', () => {
    expect(() => new MostRecentProvider({ store, materialName: NAME, ttlMs: 0 })).toThrow(InvalidArgumentError)
    expect(() => new MostRecentProvider({ store, materialName: NAME, ttlMs: -1 })).toThrow('"ttlMs" option must be a positive number')
    expect(() => new MostRecentProvider({ store, materialName: NAME, ttlMs: Number.POSITIVE_INFINITY })).toThrow(InvalidArgumentError)
    expect(() => new MostRecentProvider({ store, materialName: NAME } as never)).toThrow(InvalidArgumentError)
  })
  it('refuses material names containing "#"', () => {
    const make = () => new MostRecentProvider({ store, materialName: 'a#b', ttlMs: TTL })
    expect(make).toThrow(InvalidArgumentError)
    expect(make).toThrow('"materialName" must not contain "#"')
  })
  it('refuses an empty material name, a bad cache size and a missing store', () => {
    expect(() => new MostRecentProvider({ store, materialName: '', ttlMs: TTL })).toThrow(InvalidArgumentError)
    expect(() => new MostRecentProvider({ store, materialName: NAME, ttlMs: TTL, maxCacheSize: 0 })).toThrow('"maxCacheSize" option must be a positive integer')
    expect(() => new MostRecentProvider({ store: {} as never, materialName: NAME, ttlMs: TTL })).toThrow('"store" option must be a ProviderStore')
  })
  it('is frozen', () => {
    const provider = new MostRecentProvider({ store, materialName: NAME, ttlMs: TTL })
    expect(Object.isFrozen(provider)).toBe(true)
    expect(provider.maxCacheSize).toBe(1000)
  })
})

describe('MostRecentProvider.getEncryptionMaterials', () => {
  it('creates version 0 when the store has none', async () => {
    const { store, provider } = setup()
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
    expect(store.calls).toEqual([
      { method: 'maxVersion', materialName: NAME },
      { method: 'getOrCreateProvider', materialName: NAME, version: 0 },
    ])
  })

  it('uses the newest existing version without creating one', async () => {
    const { store, provider } = setup()
    store.add(NAME, 0)
    store.add(NAME, 3)
    expect(await encryptVersion(provider)).toBe(`${NAME}#3`)
    expect(store.count('getOrCreateProvider')).toBe(0)
    expect(store.calls).toContainEqual({ method: 'provider', materialName: NAME, version: 3 })
  })

  it('asks the store nothing while the TTL runs', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    const before = store.calls.length
    clock.advance(TTL - 1)
    await store.newProvider(NAME)
    const afterRotation = store.calls.length
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
    expect(store.calls.length).toBe(afterRotation)
    expect(afterRotation).toBeGreaterThan(before)
  })

  it('picks up a rotated version after the TTL', async () => {
    const { store, clock, provider } = setup()
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
    await store.newProvider(NAME)
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    expect(await encryptVersion(provider)).toBe(`${NAME}#1`)
    clock.advance(1)
    expect(await encryptVersion(provider)).toBe(`${NAME}#1`)
  })

  it('reloads the same version after the TTL (re-authorizes it with the store)', async () => {
    const { store, clock, provider } = setup()
    store.add(NAME, 2)
    await encryptVersion(provider)
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    await encryptVersion(provider)
    expect(store.count('maxVersion')).toBe(2)
    expect(store.calls.filter((c) => c.method === 'provider' && c.version === 2)).toHaveLength(2)
  })

  it('runs one store lookup for 50 concurrent first callers', async () => {
    const { store, provider } = setup()
    store.close()
    const all = Promise.all(Array.from({ length: 50 }, () => encryptVersion(provider)))
    await new Promise((resolve) => setImmediate(resolve))
    store.open()
    const versions = await all
    expect(new Set(versions)).toEqual(new Set([`${NAME}#0`]))
    expect(store.count('maxVersion')).toBe(1)
    expect(store.count('getOrCreateProvider')).toBe(1)
    expect(store.calls).toHaveLength(2)
  })

  it('runs one store lookup for 50 concurrent callers after the grace window', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    await store.newProvider(NAME)
    store.calls.length = 0
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    store.close()
    const all = Promise.all(Array.from({ length: 50 }, () => encryptVersion(provider)))
    await new Promise((resolve) => setImmediate(resolve))
    store.open()
    expect(new Set(await all)).toEqual(new Set([`${NAME}#1`]))
    expect(store.count('maxVersion')).toBe(1)
    expect(store.count('provider')).toBe(1)
  })

  it('keeps the cached version for callers arriving during a refresh in the grace window', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    await store.newProvider(NAME)
    store.calls.length = 0
    clock.advance(TTL + 1)
    store.close()
    const refreshing = encryptVersion(provider)
    // The refresh is held at the store: others keep the current version without waiting.
    const others = await Promise.all(Array.from({ length: 10 }, () => encryptVersion(provider)))
    expect(new Set(others)).toEqual(new Set([`${NAME}#0`]))
    store.open()
    expect(await refreshing).toBe(`${NAME}#1`)
    expect(store.count('maxVersion')).toBe(1)
    expect(await encryptVersion(provider)).toBe(`${NAME}#1`)
  })

  it('turns a missing version into MaterialsUnavailableError with the cause', async () => {
    const store = new FakeStore()
    store.add(NAME, 1)
    // maxVersion says 1 exists but loading it fails: the row was deleted between the two calls.
    store.provider = async () => { throw new InvalidVersionError('gone') }
    const provider = new MostRecentProvider({ store, materialName: NAME, ttlMs: TTL })
    const error = await provider.getEncryptionMaterials(contextWith()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MaterialsUnavailableError)
    expect((error as MaterialsUnavailableError).code).toBe('ERR_MATERIALS_UNAVAILABLE')
    expect((error as Error).message).toMatch(/No encryption materials available/)
    expect((error as Error).cause).toBeInstanceOf(InvalidVersionError)
  })
})

describe('MostRecentProvider.getDecryptionMaterials', () => {
  it("uses the configured material name and ignores the item's", async () => {
    const { store, provider } = setup()
    store.add(NAME, 2)
    expect(await decryptVersion(provider, 'someone else#2')).toBe(`${NAME}#2`)
    expect(store.calls).toEqual([{ method: 'provider', materialName: NAME, version: 2 }])
  })

  it('caches each version for the TTL, then loads it again', async () => {
    const { store, clock, provider } = setup()
    store.add(NAME, 0)
    await decryptVersion(provider, `${NAME}#0`)
    clock.advance(TTL - 1)
    await decryptVersion(provider, `${NAME}#0`)
    expect(store.count('provider')).toBe(1)
    clock.advance(1 + MOST_RECENT_GRACE_PERIOD_MS)
    await decryptVersion(provider, `${NAME}#0`)
    expect(store.count('provider')).toBe(2)
  })

  it('shares the cache with encryption', async () => {
    const { store, provider } = setup()
    await encryptVersion(provider)
    store.calls.length = 0
    expect(await decryptVersion(provider, `${NAME}#0`)).toBe(`${NAME}#0`)
    expect(store.calls).toHaveLength(0)
  })

  it('runs one store lookup per version for 50 concurrent callers', async () => {
    const { store, provider } = setup()
    store.add(NAME, 0)
    store.add(NAME, 1)
    store.close()
    const all = Promise.all(Array.from({ length: 50 }, (_, i) => decryptVersion(provider, `${NAME}#${i % 2}`)))
    await new Promise((resolve) => setImmediate(resolve))
    store.open()
    const versions = await all
    expect(versions.filter((v) => v === `${NAME}#1`)).toHaveLength(25)
    expect(store.calls.filter((c) => c.version === 0)).toHaveLength(1)
    expect(store.calls.filter((c) => c.version === 1)).toHaveLength(1)
    expect(store.calls).toHaveLength(2)
  })

  it('evicts the least recently used version beyond maxCacheSize', async () => {
    const { store, provider } = setup({ maxCacheSize: 2 })
    for (const v of [0, 1, 2]) store.add(NAME, v)
    const loads = (v: number) => store.calls.filter((c) => c.method === 'provider' && c.version === v).length
    await decryptVersion(provider, `${NAME}#0`)
    await decryptVersion(provider, `${NAME}#1`)
    await decryptVersion(provider, `${NAME}#0`) // 0 is now the most recently used
    await decryptVersion(provider, `${NAME}#2`) // evicts 1
    expect([loads(0), loads(1), loads(2)]).toEqual([1, 1, 1])
    await decryptVersion(provider, `${NAME}#0`)
    await decryptVersion(provider, `${NAME}#2`)
    expect([loads(0), loads(1), loads(2)]).toEqual([1, 1, 1])
    await decryptVersion(provider, `${NAME}#1`) // evicts 0
    expect(loads(1)).toBe(2)
    await decryptVersion(provider, `${NAME}#0`)
    expect(loads(0)).toBe(2)
  })

  it('keeps the LRU order when hits on the most recent version skip the move (repeats, reloads, refresh)', async () => {
    const { store, clock, provider } = setup({ maxCacheSize: 2 })
    for (const v of [0, 1, 2]) store.add(NAME, v)
    const loads = (v: number) => store.calls.filter((c) => c.method === 'provider' && c.version === v).length
    for (let i = 0; i < 3; i++) await decryptVersion(provider, `${NAME}#0`) // repeated hits on the newest entry
    await decryptVersion(provider, `${NAME}#1`)
    await decryptVersion(provider, `${NAME}#1`)
    await decryptVersion(provider, `${NAME}#0`) // moves 0 after 1
    await decryptVersion(provider, `${NAME}#0`)
    await decryptVersion(provider, `${NAME}#2`) // evicts 1, the least recently used
    expect([loads(0), loads(1), loads(2)]).toEqual([1, 1, 1])
    await decryptVersion(provider, `${NAME}#0`)
    expect(loads(0)).toBe(1)
    await decryptVersion(provider, `${NAME}#1`) // evicts 2 (0 was used after it)
    expect([loads(0), loads(1), loads(2)]).toEqual([1, 2, 1])
    await decryptVersion(provider, `${NAME}#0`)
    expect(loads(0)).toBe(1)
    // An entry reloaded after its TTL replaces the old one under the same version; it is then the most recent.
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    await decryptVersion(provider, `${NAME}#1`)
    await decryptVersion(provider, `${NAME}#1`)
    expect(loads(1)).toBe(3)
    await decryptVersion(provider, `${NAME}#0`) // expired: reloaded
    expect(loads(0)).toBe(2)
    await decryptVersion(provider, `${NAME}#2`) // evicts 1
    await decryptVersion(provider, `${NAME}#0`)
    expect([loads(0), loads(1), loads(2)]).toEqual([2, 3, 2])
    await decryptVersion(provider, `${NAME}#1`)
    expect(loads(1)).toBe(4)
    // After refresh nothing is cached, the most recent entry included.
    await provider.refresh()
    await decryptVersion(provider, `${NAME}#1`)
    expect(loads(1)).toBe(5)
  })

  it('turns a missing version into MaterialsUnavailableError with the cause', async () => {
    const { provider } = setup()
    const error = await provider.getDecryptionMaterials(itemContext(`${NAME}#7`)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MaterialsUnavailableError)
    expect((error as Error).message).toMatch(/No decryption materials available/)
    expect((error as Error).cause).toBeInstanceOf(InvalidVersionError)
  })

  it('rejects items without or with a malformed meta id', async () => {
    const { provider, store } = setup()
    await expect(provider.getDecryptionMaterials(contextWith())).rejects.toBeInstanceOf(ProviderStoreError)
    await expect(provider.getDecryptionMaterials(itemContext(`${NAME}#x`))).rejects.toBeInstanceOf(InvalidVersionError)
    expect(store.calls).toHaveLength(0)
  })
})

describe('MostRecentProvider when the store fails', () => {
  const outage = Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $retryable: {} })

  it('keeps encrypting with the cached version within the TTL', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    store.failure = outage
    clock.advance(TTL - 1)
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
    expect(await decryptVersion(provider, `${NAME}#0`)).toBe(`${NAME}#0`)
  })

  it('fails the refreshing caller in the grace window, serves others the cached version meanwhile, and retries', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    store.failure = outage
    clock.advance(TTL + 1)
    store.close()
    const refreshing = encryptVersion(provider).catch((e: unknown) => e)
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
    store.open()
    expect(await refreshing).toBe(outage)
    // Not poisoned: the next caller in the grace window refreshes again (and gets the error again).
    const before = store.count('maxVersion')
    await expect(encryptVersion(provider)).rejects.toBe(outage)
    expect(store.count('maxVersion')).toBe(before + 1)
  })

  it('fails every encryption after TTL + grace, passing the store error through unchanged', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    store.failure = outage
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    await expect(encryptVersion(provider)).rejects.toBe(outage)
    await expect(encryptVersion(provider)).rejects.toBe(outage)
    // Decryption of the expired version fails the same way.
    await expect(decryptVersion(provider, `${NAME}#0`)).rejects.toBe(outage)
  })

  it('still decrypts versions whose cache entry is live', async () => {
    const { store, clock, provider } = setup()
    store.add(NAME, 0)
    store.add(NAME, 1)
    await decryptVersion(provider, `${NAME}#0`)
    clock.advance(TTL / 2)
    await decryptVersion(provider, `${NAME}#1`)
    store.failure = outage
    clock.advance(TTL / 2 + MOST_RECENT_GRACE_PERIOD_MS)
    await expect(decryptVersion(provider, `${NAME}#0`)).rejects.toBe(outage)
    expect(await decryptVersion(provider, `${NAME}#1`)).toBe(`${NAME}#1`)
  })

  it('recovers when the store comes back', async () => {
    const { store, clock, provider } = setup()
    await encryptVersion(provider)
    store.failure = outage
    clock.advance(TTL + MOST_RECENT_GRACE_PERIOD_MS)
    await expect(encryptVersion(provider)).rejects.toBe(outage)
    store.failure = undefined
    await store.newProvider(NAME)
    expect(await encryptVersion(provider)).toBe(`${NAME}#1`)
  })

  it('never caches a failed first lookup', async () => {
    const { store, provider } = setup()
    store.failure = outage
    await expect(encryptVersion(provider)).rejects.toBe(outage)
    store.failure = undefined
    expect(await encryptVersion(provider)).toBe(`${NAME}#0`)
  })

  it('marks library errors with isInstance and leaves store errors alone', async () => {
    const { store, provider } = setup()
    store.failure = outage
    const error = await encryptVersion(provider).catch((e: unknown) => e)
    expect(DynamoDBEncryptionError.isInstance(error)).toBe(false)
  })
})

describe('MostRecentProvider.refresh', () => {
  it('clears all caches', async () => {
    const { store, provider } = setup()
    await encryptVersion(provider)
    await decryptVersion(provider, `${NAME}#0`)
    store.calls.length = 0
    await provider.refresh()
    await decryptVersion(provider, `${NAME}#0`)
    await encryptVersion(provider)
    // Decryption loads version 0 again; encryption asks for the newest version again and reuses that load.
    expect(store.calls).toEqual([
      { method: 'provider', materialName: NAME, version: 0 },
      { method: 'maxVersion', materialName: NAME },
    ])
  })

  it('drops the result of a lookup that was in flight', async () => {
    const { store, provider } = setup()
    store.close()
    const early = encryptVersion(provider)
    await new Promise((resolve) => setImmediate(resolve))
    await provider.refresh()
    store.open()
    expect(await early).toBe(`${NAME}#0`)
    store.calls.length = 0
    await encryptVersion(provider)
    expect(store.count('maxVersion')).toBe(1)
  })
})

describe('MostRecentProvider cache hits without an async frame (the per-item path)', () => {
  it('rejects (never throws synchronously) a malformed context or meta id, on a cache hit and a miss', async () => {
    const { provider } = setup()
    for (const warm of [false, true]) {
      if (warm) await encryptVersion(provider)
      let encrypting: Promise<unknown> | undefined
      let decrypting: Promise<unknown> | undefined
      expect(() => { encrypting = provider.getEncryptionMaterials(null as never) }).not.toThrow()
      expect(() => { decrypting = provider.getDecryptionMaterials(itemContext('no-hash')) }).not.toThrow()
      await expect(encrypting).rejects.toThrow(InvalidArgumentError)
      await expect(decrypting).rejects.toThrow(DynamoDBEncryptionError)
    }
  })

  it('rejects (never throws synchronously) when a cached provider throws synchronously, and returns a promise when it does not', async () => {
    const store = new FakeStore()
    const boom = new Error('sync failure')
    const throwing = {
      getEncryptionMaterials: () => { throw boom },
      getDecryptionMaterials: () => { throw boom },
      refresh: async () => {},
    }
    const realProvider = store.provider.bind(store)
    store.provider = async (...args: Parameters<FakeStore['provider']>) => { await realProvider(...args); return throwing as never }
    const realCreate = store.getOrCreateProvider.bind(store)
    store.getOrCreateProvider = async (...args: Parameters<FakeStore['getOrCreateProvider']>) => { await realCreate(...args); return throwing as never }
    const provider = new MostRecentProvider({ store, materialName: NAME, ttlMs: TTL, now: new Clock().now })
    for (let i = 0; i < 2; i++) { // miss, then hit
      let encrypting: Promise<unknown> | undefined
      expect(() => { encrypting = provider.getEncryptionMaterials(contextWith()) }).not.toThrow()
      expect(encrypting).toBeInstanceOf(Promise)
      await expect(encrypting).rejects.toBe(boom)
      let decrypting: Promise<unknown> | undefined
      expect(() => { decrypting = provider.getDecryptionMaterials(itemContext(`${NAME}#0`)) }).not.toThrow()
      await expect(decrypting).rejects.toBe(boom)
    }
    const { provider: plain } = setup()
    await encryptVersion(plain)
    expect(plain.getEncryptionMaterials(contextWith())).toBeInstanceOf(Promise)
    expect(plain.getDecryptionMaterials(itemContext(`${NAME}#0`))).toBeInstanceOf(Promise)
  })
})
