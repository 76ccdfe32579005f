/**
 * decryptItems with the wrapped provider: the content keys of each chunk of items are unwrapped at once ahead of the
 * items (PREPARE_DECRYPTION). The results and the errors must be exactly those of decryptItem on each item, and a
 * prepared key is used at most once and never after its batch.
 */
import {
  decryptItem,
  decryptItems,
  encryptItem,
  MaterialDescriptionKey,
  PREPARE_DECRYPTION,
  ReservedAttribute,
  deserializeMaterialDescription,
  serializeMaterialDescription,
  type Item,
} from '@ddb-encryption/core'
import { createDecipheriv } from 'node:crypto'
import { WrappedMaterialsProvider } from '../../src/wrapped-materials-provider'
import { aesKey, hmacKey } from '../support/keys'
import { configFor, failureOf } from '../support/items'


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

const DESC = ReservedAttribute.MaterialDescription

function plainItem(i: number): Item {
  return { pk: { S: `customer#${i}` }, sk: { N: String(i) }, name: { S: `name ${i}` }, data: { B: new Uint8Array([i & 0xff, 1, 2]) }, n: { N: String(i * 7) } }
}

/** The item with one material description entry replaced (the description is not signed). */
function withDescriptionEntry(item: Item, key: string, value: string): Item {
  const description = { ...deserializeMaterialDescription((item[DESC] as { B: Uint8Array }).B), [key]: value }
  return { ...item, [DESC]: { B: serializeMaterialDescription(description) } }
}

async function outcome<T>(run: Promise<T>): Promise<T | { name: string; code: string; message: string }> {
  try {
    return await run
  } catch {
    const { name, code, message } = await failureOf(run)
    return { name, code, message }
  }
}

describe('decryptItems with the wrapped provider unwraps the keys of a chunk at once', () => {
  const signingKey = hmacKey()
  const kek = aesKey(256)

  it.each(['AES/256', 'AES/128', 'AES'])('gives decryptItem\'s result for every item, over several chunks (env-alg %s), unwrapping none on the plain path', async (envAlg) => {
    const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey, materialDescription: { [MaterialDescriptionKey.ContentEncryptionAlgorithm]: envAlg } })
    const config = configFor(provider)
    const stored = await Promise.all(Array.from({ length: 75 }, (_, i) => encryptItem(plainItem(i), config)))
    await decryptItem(stored[0] as Item, config) // once before counting (the first unwrap of a process probes the native context)
    const plain = countPlainUnwraps()
    try {
      const results = await decryptItems(stored, config)
      expect(plain.count()).toBe(0)
      expect(results).toEqual(stored.map((_, i) => plainItem(i)))
      // Each prepared key was taken by its item or dropped with its chunk: the same items again, one by one, unwrap
      // on the plain path.
      for (const item of stored.slice(0, 3)) await decryptItem(item, config)
      expect(plain.count()).toBe(3)
    } finally {
      plain.restore()
    }
  })

  it('items that cannot be prepared (tampered or foreign keys, bad base64, other algorithms, duplicates) fail or pass exactly as with decryptItem', async () => {
    const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey })
    const config = configFor(provider)
    const foreign = new WrappedMaterialsProvider({ wrappingKey: aesKey(256), unwrappingKey: aesKey(256), signingKey })
    const good = await Promise.all(Array.from({ length: 40 }, (_, i) => encryptItem(plainItem(i), config)))
    const envKeyOf = (item: Item): string => deserializeMaterialDescription((item[DESC] as { B: Uint8Array }).B)[MaterialDescriptionKey.WrappedDataKey] as string
    const flip = (text: string): string => `${text.slice(0, 5)}${text[5] === 'A' ? 'B' : 'A'}${text.slice(6)}`
    const variants: Item[] = [
      withDescriptionEntry(good[1] as Item, MaterialDescriptionKey.WrappedDataKey, flip(envKeyOf(good[1] as Item))),
      await encryptItem(plainItem(99), configFor(foreign)),
      withDescriptionEntry(good[2] as Item, MaterialDescriptionKey.WrappedDataKey, '!!!!'),
      withDescriptionEntry(good[3] as Item, MaterialDescriptionKey.ContentEncryptionAlgorithm, 'AES/128'),
      withDescriptionEntry(good[4] as Item, MaterialDescriptionKey.ContentEncryptionAlgorithm, 'DES'),
      withDescriptionEntry(good[5] as Item, MaterialDescriptionKey.ContentKeyWrappingAlgorithm, 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding'),
      withDescriptionEntry(good[6] as Item, MaterialDescriptionKey.WrappedDataKey, envKeyOf(good[7] as Item)),
      { ...(good[8] as Item), [DESC]: { S: 'not binary' } },
      good[9] as Item, // the same item twice in one batch
    ]
    // Each variant alone among good items, at several places (first chunk, chunk edges, second chunk).
    for (const variant of variants) {
      for (const at of [0, 31, 32, 39]) {
        const batch = good.slice()
        batch[at] = variant
        // One by one: each item's own outcome; the batch gives all results, or the lowest-index failure.
        const first = await Promise.all(batch.map((item) => outcome(decryptItem(item, config))))
        const lowest = first.findIndex((result) => 'code' in result)
        expect(await outcome(decryptItems(batch, config))).toEqual(lowest === -1 ? first : first[lowest])
      }
    }
  })

  it('a prepared key is used once, only for its own text, transformation and key algorithm, and never after release', async () => {
    const provider = new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey })
    const config = configFor(provider)
    const stored = await Promise.all(Array.from({ length: 3 }, (_, i) => encryptItem(plainItem(i), config)))
    const descriptions = stored.map((item) => deserializeMaterialDescription((item[DESC] as { B: Uint8Array }).B))
    await decryptItem(stored[0] as Item, config) // once before counting (the first unwrap of a process probes the native context)
    const plain = countPlainUnwraps()
    try {
      const release = provider[PREPARE_DECRYPTION](descriptions)
      expect(await decryptItem(stored[0] as Item, config)).toEqual(plainItem(0))
      expect(plain.count()).toBe(0)
      expect(await decryptItem(stored[0] as Item, config)).toEqual(plainItem(0)) // taken once: the plain path now
      expect(plain.count()).toBe(1)
      // Another key algorithm for the same text does not take it.
      const other = withDescriptionEntry(stored[1] as Item, MaterialDescriptionKey.ContentEncryptionAlgorithm, 'AES/128')
      expect(await outcome(decryptItem(other, config))).toMatchObject({ code: 'ERR_UNWRAPPING_FAILED' })
      expect(plain.count()).toBe(2)
      release()
      expect(await decryptItem(stored[2] as Item, config)).toEqual(plainItem(2))
      expect(plain.count()).toBe(3)
      // Nothing to prepare from: undefined entries, descriptions without a wrapped key, a provider without an unwrapping key.
      expect(() => provider[PREPARE_DECRYPTION]([undefined, {}, { [MaterialDescriptionKey.WrappedDataKey]: '!!' }])()).not.toThrow()
      const writeOnly = new WrappedMaterialsProvider({ wrappingKey: kek, signingKey })
      expect(() => writeOnly[PREPARE_DECRYPTION](descriptions)()).not.toThrow()
    } finally {
      plain.restore()
    }
  })
})
