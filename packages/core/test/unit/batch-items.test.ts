/**
 * encryptItems / decryptItems in this thread: the same results as encryptItem / decryptItem item by item, in item
 * order whatever order the provider answers in, and the error of the lowest-index failing item.
 */
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  decryptItems,
  DecryptionError,
  encryptItem,
  encryptItems,
  InvalidArgumentError,
  ReservedAttribute,
  SignatureVerificationError,
  type CryptographicMaterialsProvider,
  type EncryptionContext,
  type Item,
} from '../../src/index'
import { configFor, rejection } from '../support/helpers'
import { aesHmacProvider } from '@ddb-encryption/testing'

function items(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({ pk: { S: `item#${i}` }, secret: { S: `secret ${i}` }, n: { N: String(i) } }))
}

/** Delays each materials call by a time that depends on the item, so answers come back out of order. */
function shuffledProvider(inner: CryptographicMaterialsProvider, delayMs: (context: EncryptionContext) => number, calls: string[]): CryptographicMaterialsProvider {
  const later = <T>(context: EncryptionContext, get: () => Promise<T>): Promise<T> => {
    calls.push((context.attributes['pk'] as { S: string }).S)
    return new Promise((resolve, reject) => setTimeout(() => get().then(resolve, reject), delayMs(context)))
  }
  return {
    getEncryptionMaterials: (context) => later(context, () => inner.getEncryptionMaterials(context)),
    getDecryptionMaterials: (context) => later(context, () => inner.getDecryptionMaterials(context)),
    refresh: () => inner.refresh(),
  }
}

const indexOf = (context: EncryptionContext): number => Number((context.attributes['pk'] as { S: string }).S.split('#')[1])

describe('encryptItems / decryptItems in this thread', () => {
  it.each([1, 3, 64])('round-trip every item like the single-item functions, in order (concurrency %i)', async (concurrency) => {
    const config = configFor(aesHmacProvider())
    const plain = items(20)
    const stored = await encryptItems(plain, config, { concurrency })
    expect(stored).toHaveLength(20)
    for (let i = 0; i < plain.length; i++) expect(await decryptItem(stored[i] as Item, config)).toEqual(plain[i])
    const single = await Promise.all(plain.map((item) => encryptItem(item, config)))
    expect(await decryptItems(single, config, { concurrency })).toEqual(plain)
  })

  it('keeps item order when the provider answers out of order', async () => {
    const calls: string[] = []
    const config = configFor(shuffledProvider(aesHmacProvider(), (c) => (10 - indexOf(c)) * 2, calls))
    const plain = items(10)
    const stored = await encryptItems(plain, config, { concurrency: 10 })
    expect(await decryptItems(stored, config, { concurrency: 10 })).toEqual(plain)
    expect(calls).toHaveLength(20)
  })

  it('rejects with the error of the lowest-index failing item and starts no item after a failure', async () => {
    const inner = aesHmacProvider()
    const config = configFor(inner)
    const stored = await encryptItems(items(12), config)
    // Item 2 has no signature (DecryptionError), item 5 a wrong one (SignatureVerificationError); item 2 answers last.
    const bad = [...stored]
    const { [ReservedAttribute.Signature]: _dropped, ...unsigned } = bad[2] as Item
    bad[2] = unsigned
    bad[5] = { ...(bad[5] as Item), [ReservedAttribute.Signature]: { B: new Uint8Array(32) } }
    const calls: string[] = []
    const slow = configFor(shuffledProvider(inner, (c) => (indexOf(c) === 5 ? 0 : 30), calls))
    const error = await rejection(decryptItems(bad, slow, { concurrency: 4 }))
    expect(error).toBeInstanceOf(DecryptionError)
    expect(error.message).toBe('No signature attribute found in item')
    // Lanes stop taking new items once one failed: items 0..4 were started by the 4 lanes, then 5 failed first.
    expect(calls.length).toBeLessThan(12)
    const sequential = await rejection(decryptItems(bad, config))
    expect(sequential).toBeInstanceOf(DecryptionError)
    const onlyFive = await rejection(decryptItems(bad.slice(3), config, { concurrency: 2 }))
    expect(onlyFive).toBeInstanceOf(SignatureVerificationError)
  })

  it('gives every AttributeValue type, empty sets/lists/maps, binary views and unicode names the single-item results', async () => {
    const config = configFor(aesHmacProvider(), new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, plain: CryptoAction.DO_NOTHING } }))
    const big = new Uint8Array(300).map((_, i) => i & 0xff)
    const plain: Item[] = Array.from({ length: 6 }, (_, i) => ({
      pk: { S: `item#${i}` },
      'é 日本 \u{1F600}': { S: 'unicode name' },
      b: { B: big.subarray(i, i + 50) },
      bs: { BS: [big.subarray(0, 1), big.subarray(1, 3)] },
      ss: { SS: [] },
      ns: { NS: ['1.50', '07'] },
      l: { L: [] },
      m: { M: { z: { M: {} }, a: { L: [{ NULL: true }, { BOOL: false }] } } },
      plain: { N: '0042.00' },
    }))
    const stored = await encryptItems(plain, config, { concurrency: 3 })
    const single = await Promise.all(plain.map((item) => encryptItem(item, config)))
    const back = await decryptItems(stored, config)
    for (let i = 0; i < plain.length; i++) {
      expect(back[i]).toEqual(await decryptItem(single[i] as Item, config))
      expect((back[i] as Item)['plain']).toBe((stored[i] as Item)['plain'])
      expect((back[i] as Item)['b']).toEqual({ B: Uint8Array.from(big.subarray(i, i + 50)) })
      expect((back[i] as Item)['ss']).toEqual({ SS: [] })
    }
  })

  it('returns an empty array for no items and refuses bad arguments with InvalidArgumentError', async () => {
    const config = configFor(aesHmacProvider())
    expect(await encryptItems([], config, { concurrency: 5 })).toEqual([])
    for (const bad of [0, -1, 1.5, Number.NaN, '2']) {
      expect(await rejection(encryptItems(items(1), config, { concurrency: bad as number }))).toBeInstanceOf(InvalidArgumentError)
    }
    expect(await rejection(decryptItems({} as unknown as Item[], config))).toBeInstanceOf(InvalidArgumentError)
    expect(await rejection(decryptItems([], config, null as unknown as undefined))).toBeInstanceOf(InvalidArgumentError)
  })
})
