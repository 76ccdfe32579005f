/**
 * EncryptorPool: worker threads run the compiled package (dist/, built by `pnpm build`, which `pnpm test` runs
 * first), so this test loads the pool from dist. Each thread builds its config from test/support/pool-config.js.
 */
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  AttributeActions, CryptoAction, decryptItem, decryptItems, deserializeMaterialDescription, DeserializationError, encryptItems, LocalDelegatedKey,
  ReservedAttribute, type AttributeValue, type Item,
} from '../../src/index'
import { makeItem } from '../support/arbitraries'
import { rejection, resign } from '../support/helpers'

const DIST = path.join(__dirname, '..', '..', 'dist', 'index.js')
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build (worker threads run the compiled package)`)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dist = require(DIST) as typeof import('../../src/index')

const CONFIG_MODULE = path.join(__dirname, '..', 'support', 'pool-config.js')
const configData = { aes: randomBytes(16).toString('base64'), hmac: randomBytes(32).toString('base64') }

/** The value as nested entries in key order, binaries as hex: equal only if exactly the same (toEqual ignores key order). */
function exact(value: unknown): unknown {
  if (value instanceof Uint8Array) return ['bytes', Buffer.from(value).toString('hex')]
  if (Array.isArray(value)) return value.map(exact)
  if (value !== null && typeof value === 'object') return Object.keys(value).map((key) => [key, exact((value as Record<string, unknown>)[key])])
  return value
}

const threadOf = (item: Item): string | undefined =>
  deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)['thread']

/** Items of the "mixed" config: every type encrypted, signed only and left plain, with unusual names and values. */
function mixedItems(count: number): Item[] {
  const big = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff)
  const every = (i: number): Record<string, AttributeValue> => ({
    s: { S: `text ${i} é 日本 \u{1F600}` },
    empty: { S: '' },
    n: { N: '055.10' },
    b: { B: big.subarray(i, i + 33) },
    ss: { SS: ['z', 'a'] },
    ns: { NS: ['10', '9.50'] },
    bs: { BS: [Uint8Array.of(9), big.subarray(0, 2)] },
    ssEmpty: { SS: [] },
    t: { BOOL: true },
    f: { BOOL: false },
    nul: { NULL: true },
    l: { L: [{ S: 'x' }, { L: [] }, { M: {} }, { N: '1' }] },
    m: { M: { z: { S: 'last' }, a: { BOOL: true }, '10': { N: '1' }, 'ü': { M: { deeper: { B: big.subarray(7, 9) } } } } },
  })
  return Array.from({ length: count }, (_, i) => makeItem([
    ['pk', { S: `item#${i}` }],
    ['signed', { M: every(i) }],
    ['plain', { L: [{ N: '007' }, { S: 'lone \uD800 surrogate' }, { NULL: false }, { B: big.subarray(i, i + 5) }] }],
    ['__proto__', { N: String(i) }],
    ['日本語の名前', { M: every(i + 1) }],
    ['long', { S: 'long text '.repeat(i % 3 === 0 ? 3000 : 3) }],
    ...Object.entries(every(i)),
  ]))
}

function items(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({ pk: { S: `item#${i}` }, blob: { B: randomBytes(i + 1) }, n: { N: String(i) } }))
}

describe('EncryptorPool (worker threads)', () => {
  let pool: import('../../src/index').EncryptorPool

  beforeAll(async () => {
    pool = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 2, chunkSize: 1 })
  })
  afterAll(async () => {
    await pool?.close()
  })

  it('spreads a batch over every thread and returns items that decrypt here, in order', async () => {
    expect(pool.threads).toBe(2)
    const config = await pool.config('threads')
    const plain = items(10)
    const stored = await dist.encryptItems(plain, config, { pool })
    const threads = new Set(stored.map((item) => deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)['thread']))
    expect(threads.size).toBe(2)
    expect(threads.has('0')).toBe(false) // not the main thread
    for (let i = 0; i < plain.length; i++) expect(await decryptItem(stored[i] as Item, config)).toEqual(plain[i])
    expect(await dist.decryptItems(stored, config, { pool })).toEqual(plain)
  })

  it('rejects with the lowest-index failure, with its class and code rebuilt from the worker', async () => {
    const config = await pool.config()
    const stored = await dist.encryptItems(items(8), config, { pool })
    const bad = [...stored]
    bad[6] = { ...(bad[6] as Item), n: { N: '999' } }
    bad[3] = { ...(bad[3] as Item), n: { N: '999' } }
    const error = await rejection(dist.decryptItems(bad, config, { pool }))
    expect(error).toBeInstanceOf(dist.SignatureVerificationError)
    expect(error.code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
    // The pool still works after a failed batch.
    expect(await dist.decryptItems(stored.slice(0, 2), config, { pool })).toHaveLength(2)
  })

  it('encrypts and decrypts exactly as this thread does: every type, unusual names and values, binary views, large items', async () => {
    const config = await pool.config('mixed')
    const plain = mixedItems(12)
    const [onPool, here] = [await dist.encryptItems(plain, config, { pool }), await encryptItems(plain, config)]
    for (let i = 0; i < plain.length; i++) {
      const a = onPool[i] as Item
      const b = here[i] as Item
      // Same attributes in the same order; signed-only and plain values identical; ciphertexts the same length.
      expect(Object.keys(a)).toEqual(Object.keys(b))
      for (const name of Object.keys(b)) {
        if (name === 'pk' || name === 'signed' || name === 'plain') expect(exact(a[name])).toEqual(exact(b[name]))
        else expect((a[name] as { B: Uint8Array }).B.length).toBe((b[name] as { B: Uint8Array }).B.length)
      }
      expect(exact(a['plain'])).toEqual(exact(plain[i]?.['plain']))
      // As in-thread, the values left as they are are the caller's own objects (not copies).
      for (const name of ['pk', 'signed', 'plain']) {
        expect(b[name]).toBe(plain[i]?.[name])
        expect(a[name]).toBe(plain[i]?.[name])
      }
    }
    // Pool-encrypted items decrypt here, and items encrypted here decrypt on the pool, to exactly what this thread
    // decrypts (decrypted values come back canonical: sorted map keys and sets, normalized numbers).
    const expected = await decryptItems(here, config)
    const back = await decryptItems(onPool, config)
    const backOnPool = await dist.decryptItems(here, config, { pool })
    for (let i = 0; i < plain.length; i++) {
      expect(exact(back[i])).toEqual(exact(expected[i]))
      expect(exact(backOnPool[i])).toEqual(exact(expected[i]))
      expect(exact((backOnPool[i] as Item)['plain'])).toEqual(exact(plain[i]?.['plain']))
      expect(Object.getOwnPropertyDescriptor(backOnPool[i], '__proto__')?.value).toEqual({ N: String(i) })
      expect((expected[i] as Item)['plain']).toBe((here[i] as Item)['plain'])
      expect((backOnPool[i] as Item)['plain']).toBe((here[i] as Item)['plain'])
      expect((backOnPool[i] as Item)['signed']).toBe((here[i] as Item)['signed'])
    }
  })

  it('keeps order over many chunks and concurrent batches of different configs', async () => {
    const [a, b] = [await pool.config('threads'), await pool.config('mixed')]
    const plainA = items(150)
    const plainB = mixedItems(40)
    const [storedA, storedB] = await Promise.all([dist.encryptItems(plainA, a, { pool }), dist.encryptItems(plainB, b, { pool })])
    expect(new Set(storedA.map(threadOf)).has('0')).toBe(false)
    const [backA, backB] = await Promise.all([dist.decryptItems(storedA, a, { pool }), dist.decryptItems(storedB, b, { pool })])
    expect(exact(backA)).toEqual(exact(await decryptItems(storedA, a)))
    expect(exact(backB)).toEqual(exact(await decryptItems(storedB, b)))
    expect(backA).toEqual(plainA)
  })

  it('runs items it cannot encode exactly in this thread, with the in-thread result, in order', async () => {
    const config = await pool.config('threads')
    const plain = items(9)
    // A value with an undefined extra key is valid (the serializer ignores it) but not a plain AttributeValue.
    const odd: Item = { ...(plain[4] as Item), blob: { B: Uint8Array.of(1, 2), S: undefined } as unknown as AttributeValue }
    const batch = [...plain.slice(0, 4), odd, ...plain.slice(5)]
    const stored = await dist.encryptItems(batch, config, { pool })
    expect(stored.map(threadOf).map((thread) => thread === '0')).toEqual([false, false, false, false, true, false, false, false, false])
    expect(exact(await dist.decryptItems(stored, config, { pool }))).toEqual(exact([...plain.slice(0, 4), { ...odd, blob: { B: Uint8Array.of(1, 2) } }, ...plain.slice(5)]))
  })

  it('fails with the in-thread error of the lowest-index failing item, from a worker or from this thread', async () => {
    const config = await pool.config()
    const plain = items(20)
    // Item 7 fails in a worker (NULL: false cannot be encrypted); item 12 cannot be encoded and fails here.
    const inWorker = { ...(plain[7] as Item), blob: { NULL: false } }
    const here = { ...(plain[12] as Item), blob: { S: 42 } as unknown as AttributeValue }
    for (const [batch, expected] of [
      [[...plain.slice(0, 7), inWorker, ...plain.slice(8, 12), here, ...plain.slice(13)], inWorker],
      [[...plain.slice(0, 7), here, ...plain.slice(8, 12), inWorker, ...plain.slice(13)], here],
      [[inWorker], inWorker],
      [[here], here],
    ] as const) {
      const expectedError = await rejection(encryptItems([expected], config))
      const error = await rejection(dist.encryptItems(batch, config, { pool }))
      expect(error.constructor.name).toBe(expectedError.constructor.name)
      expect(error).toBeInstanceOf(dist.SerializationError)
      expect(error.code).toBe(expectedError.code)
      expect(error.message).toBe(expectedError.message)
    }
    expect(await dist.encryptItems(plain.slice(0, 3), config, { pool })).toHaveLength(3)
  })

  it('decrypts on the pool to the values this thread parses; a plaintext that does not parse fails its item here as in-thread (lowest index)', async () => {
    const config = await pool.config()
    const plain = items(24)
    const stored = await dist.encryptItems(plain, config, { pool })
    expect(await dist.decryptItems(stored, config, { pool })).toEqual(plain)
    // A key holder's forgeries, validly signed: "n" decrypts to N text "abc", which does not parse; "blob" to bytes
    // that do not decrypt (not whole blocks).
    const aes = LocalDelegatedKey.fromBytes({ key: Buffer.from(configData.aes, 'base64'), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    const hmac = LocalDelegatedKey.fromBytes({ key: Buffer.from(configData.hmac, 'base64'), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    const actions = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    const badNumber = await aes.encrypt('AES/CBC/PKCS5Padding', 'n', Uint8Array.from([0x00, 0x6e, 0, 0, 0, 3, 0x61, 0x62, 0x63]))
    const forge = (item: Item, changes: Item): Promise<Item> => resign({ ...item, ...changes }, hmac, actions, undefined, undefined, 'PoolTable')
    const unparsable = await forge(stored[9] as Item, { n: { B: badNumber } })
    // In attribute order "blob" comes before "n": its plaintext does not parse, and "n" does not decrypt afterwards.
    const bothBad = await forge(stored[4] as Item, { blob: { B: badNumber }, n: { B: randomBytes(17) } })
    const badSignature = { ...(stored[6] as Item), pk: { S: 'changed' } }
    const expectSame = async (batch: Item[], expected: Item): Promise<void> => {
      const here = await rejection(decryptItem(expected, config))
      const error = await rejection(dist.decryptItems(batch, config, { pool }))
      expect(error.constructor.name).toBe(here.constructor.name)
      expect(error.code).toBe(here.code)
      expect(error.message).toBe(here.message)
      expect((error.cause as Error | undefined)?.message).toBe((here.cause as Error | undefined)?.message)
    }
    expect((await rejection(decryptItem(unparsable, config))).cause).toBeInstanceOf(DeserializationError)
    const withUnparsable = [...stored.slice(0, 9), unparsable, ...stored.slice(10)]
    await expectSame(withUnparsable, unparsable)
    expect(await rejection(dist.decryptItems(withUnparsable, config, { pool }))).toBeInstanceOf(dist.DecryptionError)
    await expectSame([...stored.slice(0, 4), bothBad, ...stored.slice(5)], bothBad)
    await expectSame([...stored.slice(0, 6), badSignature, ...stored.slice(7, 9), unparsable, ...stored.slice(10)], badSignature)
    await expectSame([...stored.slice(0, 4), bothBad, stored[5] as Item, badSignature, ...stored.slice(7, 9), unparsable, ...stored.slice(10)], bothBad)
    await expectSame([unparsable], unparsable)
    // The unparsable item before a failing one of the same chunk: the worker fails the chunk at the later item, but
    // the earlier item's error is the lowest-index one, as in-thread.
    const unparsableFirst = await forge(stored[4] as Item, { n: { B: badNumber } })
    await expectSame([...stored.slice(0, 4), unparsableFirst, stored[5] as Item, badSignature, ...stored.slice(7)], unparsableFirst)
    await expectSame([unparsableFirst, badSignature], unparsableFirst)
    // Across chunks (chunkSize 1, two threads) the later item's failure may arrive first: the earlier chunk's results
    // are still read, and its unparsable item wins. Repeated, since which answer arrives first varies.
    for (let round = 0; round < 12; round++) {
      const gap = stored.slice(10, 10 + (round % 4))
      await expectSame([unparsableFirst, ...gap, badSignature, ...stored.slice(14)], unparsableFirst)
    }
    expect(await dist.decryptItems(stored.slice(0, 3), config, { pool })).toEqual(plain.slice(0, 3))
  })

  it('refuses a config that it did not build', async () => {
    const own = await pool.config()
    const copy = { ...own }
    expect(await rejection(dist.encryptItems(items(1), copy, { pool }))).toBeInstanceOf(dist.InvalidArgumentError)
  })

  it('refuses a module without createCryptoConfig, a relative path and bad sizes when starting', async () => {
    const noFactory = path.join(__dirname, '..', 'support', 'pool-config-without-factory.js')
    for (const options of [
      { configModule: noFactory },
      { configModule: 'relative/config.js' },
      { configModule: CONFIG_MODULE, threads: 0 },
      { configModule: CONFIG_MODULE, chunkSize: 1.5 },
    ]) {
      expect(await rejection(dist.EncryptorPool.start(options))).toBeInstanceOf(dist.InvalidArgumentError)
    }
  })

  it('with the default chunk size, still gives a small batch to every thread (chunks shrink towards the end)', async () => {
    const other = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 2 })
    try {
      const config = await other.config('threads')
      const plain = items(8)
      const stored = await dist.encryptItems(plain, config, { pool: other })
      expect(new Set(stored.map(threadOf)).size).toBe(2)
      expect(await dist.decryptItems(stored, config, { pool: other })).toEqual(plain)
    } finally {
      await other.close()
    }
  })

  it('with useCallingThread, runs a share of each batch here too, with the same results and errors', async () => {
    expect(await rejection(dist.EncryptorPool.start({ configModule: CONFIG_MODULE, useCallingThread: 'yes' as unknown as boolean }))).toBeInstanceOf(dist.InvalidArgumentError)
    const other = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 2, useCallingThread: true })
    try {
      const config = await other.config('threads')
      const plain = items(40)
      const stored = await dist.encryptItems(plain, config, { pool: other })
      const threads = stored.map(threadOf)
      expect(threads.includes('0')).toBe(true)
      expect(new Set(threads).size).toBe(3)
      expect(await dist.decryptItems(stored, config, { pool: other })).toEqual(plain)
      expect(await decryptItems(stored, config)).toEqual(plain)
      // Items run here fail as they do in a plain in-thread batch; the lowest index still wins.
      const bad = { ...(plain[39] as Item), blob: { NULL: false } }
      const expected = await rejection(encryptItems([bad], config))
      for (const batch of [[...plain.slice(0, 39), bad], [bad, ...plain.slice(1, 39), bad]]) {
        const error = await rejection(dist.encryptItems(batch, config, { pool: other }))
        expect(error).toBeInstanceOf(dist.SerializationError)
        expect(error.message).toBe(expected.message)
      }
      expect(await dist.encryptItems(plain.slice(0, 3), config, { pool: other })).toHaveLength(3)
    } finally {
      await other.close()
    }
  })

  it('rejects batches after close', async () => {
    const other = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 1 })
    const config = await other.config()
    expect(await dist.encryptItems(items(3), config, { pool: other })).toHaveLength(3)
    await other.close()
    expect(await rejection(dist.encryptItems(items(1), config, { pool: other }))).toBeInstanceOf(dist.InvalidArgumentError)
  })
})
