/**
 * The EncryptorPool's transport encoding (batch/item-transport.ts): what a worker receives is exactly the item the
 * caller passed (key order, number text, set order, any string, binary views), nothing decoded shares memory with
 * the wiped transfer buffer, and anything it cannot represent exactly is refused with nothing written.
 */
import fc from 'fast-check'
import type { AttributeValue, Item } from '../../src/attribute-value'
import { MAX_TRANSPORT_DEPTH, PlaintextStash, TransportReader, TransportWriter, type TopLevel } from '../../src/batch/item-transport'
import { DecryptionError, DeserializationError } from '../../src/errors'
import { deserializeAttribute, serializeAttribute } from '../../src/serialize/attribute'
import { attributeName, attributeValue, makeItem } from '../support/arbitraries'

/** Writes the items, moves the buffer as postMessage would, and reads them back. */
function roundTrip(items: readonly Item[]): Item[] {
  const writer = new TransportWriter(16)
  for (const item of items) expect(writer.tryItem(item)).toBe(true)
  const length = writer.position
  const moved = structuredClone(writer.transfer(), { transfer: [writer.transfer()] })
  const reader = new TransportReader(moved, length)
  const out = items.map(() => reader.item())
  reader.wipe()
  expect(new Uint8Array(moved).every((byte) => byte === 0)).toBe(true)
  return out
}

/** The value as nested entries in key order, with binaries as hex and their class: equal only if exactly the same. */
function exact(value: unknown): unknown {
  if (value instanceof Uint8Array) return [value.constructor.name, Buffer.from(value).toString('hex')]
  if (Array.isArray(value)) return value.map(exact)
  if (value !== null && typeof value === 'object') {
    return [Object.getPrototypeOf(value) === Object.prototype, Object.keys(value).map((key) => [key, exact((value as Record<string, unknown>)[key])])]
  }
  return value
}

const every: Item = {
  s: { S: 'plain' },
  empty: { S: '' },
  unicode: { S: 'é 日本 \u{1F600}'.repeat(20) },
  lone: { S: 'a\uD800b' },
  loneShort: { S: '\uDC00' },
  n: { N: '055.00' },
  nBig: { N: '-1.5E+125' },
  b: { B: Uint8Array.of(1, 2, 3) },
  bEmpty: { B: new Uint8Array(0) },
  ss: { SS: ['z', 'a', 'a\uD800'] },
  ns: { NS: ['10', '9', '00'] },
  bs: { BS: [Uint8Array.of(9), new Uint8Array(0), Uint8Array.of(1)] },
  ssEmpty: { SS: [] },
  nsEmpty: { NS: [] },
  bsEmpty: { BS: [] },
  t: { BOOL: true },
  f: { BOOL: false },
  nul: { NULL: true },
  nulFalse: { NULL: false },
  l: { L: [{ S: 'x' }, { L: [] }, { M: {} }, { N: '1' }] },
  lEmpty: { L: [] },
  m: { M: { z: { S: 'last' }, a: { BOOL: true }, '10': { N: '1' }, 'ü': { M: { deeper: { B: Uint8Array.of(7) } } } } },
  mEmpty: { M: {} },
}

describe('EncryptorPool transport encoding', () => {
  it('carries every AttributeValue type exactly, including empty sets, lists and maps and non-normalized numbers', () => {
    const [back] = roundTrip([every])
    expect(exact(back)).toEqual(exact(every))
  })

  it('keeps attribute and map key order, unicode and __proto__ names, and names that only look alike in bytes', () => {
    // 'é' is C3 A9 in UTF-8; 'Ã©' is two units whose codes are those bytes: the name cache must not confuse them.
    const names = ['é', 'Ã©', 'zeta', 'alpha', '__proto__', 'constructor', '\u{1F600}', 'a\uD800', '']
    const item = makeItem(names.map((name, i) => [name, { M: makeItem([...names].reverse().map((key) => [key, { N: String(i) }])) }]))
    const back = roundTrip([item, item, item])
    for (const one of back) {
      expect(exact(one)).toEqual(exact(item))
      expect(Object.getPrototypeOf(one)).toBe(Object.prototype)
    }
  })

  it('carries many distinct names across items (name cache collisions)', () => {
    const items = Array.from({ length: 20 }, (_, i) => makeItem(Array.from({ length: 150 }, (_, j) => [`attr${(i * 7 + j) % 300}`, { N: String(j) }])))
    const back = roundTrip(items)
    for (let i = 0; i < items.length; i++) expect(exact(back[i])).toEqual(exact(items[i]))
  })

  it('sends only the bytes of a binary view into a larger buffer, and returns values that survive the wipe', () => {
    const big = new Uint8Array(1000).map((_, i) => i & 0xff)
    const item: Item = { b: { B: big.subarray(10, 20) }, bs: { BS: [big.subarray(500, 503), big.subarray(0, 0)] }, s: { S: 'after' } }
    const writer = new TransportWriter(64)
    expect(writer.tryItem(item)).toBe(true)
    expect(writer.position).toBeLessThan(100)
    const reader = new TransportReader(writer.transfer(), writer.position)
    const back = reader.item()
    reader.wipe()
    expect(exact(back)).toEqual(exact(item))
    const b = (back['b'] as { B: Uint8Array }).B
    // One copy per item, holding only the item's binary values.
    expect(b.buffer.byteLength).toBe(13)
    expect(Array.from(new Uint8Array(b.buffer))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 244, 245, 246])
    // Each value is a plain Uint8Array view of its own bytes of that copy, as `subarray` would give.
    const bs = (back['bs'] as { BS: Uint8Array[] }).BS
    expect([b, ...bs].map((view) => [view.constructor, view.buffer, view.byteOffset, view.byteLength]))
      .toEqual([[Uint8Array, b.buffer, 0, 10], [Uint8Array, b.buffer, 10, 3], [Uint8Array, b.buffer, 13, 0]])
  })

  it('carries large items (buffer growth) and long strings', () => {
    const item: Item = {
      big: { B: new Uint8Array(350_000).fill(0xab) },
      text: { S: 'x'.repeat(100_000) + 'ü' },
      list: { L: Array.from({ length: 2000 }, (_, i) => ({ S: `member ${i}` })) },
    }
    const [back] = roundTrip([item])
    expect(exact(back)).toEqual(exact(item))
    const two = roundTrip([{ small: { S: 'before' } }, item, { small: { S: 'next' } }])
    expect(exact(two[2])).toEqual(exact({ small: { S: 'next' } }))
  })

  it('round-trips random items exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.tuple(attributeName, attributeValue), { maxLength: 8, selector: ([name]) => name }), { minLength: 1, maxLength: 4 }), (entries) => {
        const items = entries.map((list) => makeItem(list))
        const back = roundTrip(items)
        for (let i = 0; i < items.length; i++) expect(exact(back[i])).toEqual(exact(items[i]))
      }),
      { numRuns: 150 },
    )
  })

  it('refuses, writing nothing, what it cannot carry exactly (the pool runs those items in its own thread)', () => {
    let deep: AttributeValue = { S: 'bottom' }
    for (let i = 0; i <= MAX_TRANSPORT_DEPTH; i++) deep = { L: [deep] }
    const throwing = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter') } })
    const inherited = Object.create({ S: 'inherited' }) as AttributeValue
    const refused: unknown[] = [
      null,
      [],
      'item',
      { a: { S: 'x', N: undefined } },
      { a: {} },
      { a: { S: 1 } },
      { a: { N: 5 } },
      { a: { B: [1, 2] } },
      { a: { SS: ['x', 1] } },
      { a: { SS: 'x' } },
      // eslint-disable-next-line no-sparse-arrays
      { a: { L: [{ S: 'x' }, , { S: 'y' }] } },
      { a: { BOOL: 'true' } },
      { a: { NULL: 1 } },
      { a: { M: [] } },
      { a: { M: { b: { S: 'x', B: new Uint8Array(1) } } } },
      { a: { $unknown: ['X', 1] } },
      { a: undefined },
      { a: inherited },
      { a: deep },
      throwing,
    ]
    const writer = new TransportWriter(8)
    expect(writer.tryItem({ first: { S: 'kept' } })).toBe(true)
    const position = writer.position
    for (const item of refused) {
      expect(writer.tryItem(item as Item)).toBe(false)
      expect(writer.position).toBe(position)
    }
    expect(writer.tryItem({ last: { S: 'kept' } })).toBe(true)
    const reader = new TransportReader(writer.transfer(), writer.position)
    expect(reader.item()).toEqual({ first: { S: 'kept' } })
    expect(reader.item()).toEqual({ last: { S: 'kept' } })
  })

  describe('decrypted plaintexts (PlaintextStash, a worker\'s decrypt results)', () => {
    /** A worker's result: the stash's markers for `encrypted`, the other values as they are. */
    function sendDecrypted(stash: PlaintextStash, writer: TransportWriter, plain: Record<string, AttributeValue>, encrypted: readonly string[]): void {
      const result: Record<string, AttributeValue> = {}
      for (const [name, value] of Object.entries(plain)) {
        // The decryptor hands the parser a temporary plaintext that it wipes right after: the stash must copy it.
        const temporary = serializeAttribute(value)
        Object.defineProperty(result, name, { value: encrypted.includes(name) ? stash.keep(temporary) : value, enumerable: true, writable: true, configurable: true })
        if (encrypted.includes(name)) temporary.fill(0xee)
      }
      expect(writer.tryItem(result)).toBe(true)
      stash.reset()
    }

    it('arrive as the values the in-thread decryptor parses, in order, with the other values exactly as sent', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(attributeName, attributeValue, fc.boolean()), { maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (entries, count) => {
          const plain = makeItem(entries.map(([name, value]) => [name, value]))
          const encrypted = entries.filter(([, , e]) => e).map(([name]) => name)
          const stash = new PlaintextStash()
          const writer = new TransportWriter(16)
          for (let i = 0; i < count; i++) sendDecrypted(stash, writer, plain, encrypted)
          const length = writer.position
          const buffer = writer.transfer()
          const reader = new TransportReader(buffer, length)
          for (let i = 0; i < count; i++) {
            const got = reader.item()
            expect(Object.keys(got)).toEqual(Object.keys(plain))
            for (const name of Object.keys(plain)) {
              const value = plain[name] as AttributeValue
              expect(exact(got[name])).toEqual(exact(encrypted.includes(name) ? deserializeAttribute(serializeAttribute(value)) : value))
            }
          }
          reader.wipe()
          // Parsed values copied what they keep: the wiped buffer held the plaintexts.
          expect(new Uint8Array(buffer).every((byte) => byte === 0)).toBe(true)
        }),
        { numRuns: 60 },
      )
    })

    it('wipes what it kept on reset, across buffer growth', () => {
      const stash = new PlaintextStash()
      const big = serializeAttribute({ B: new Uint8Array(10_000).fill(7) })
      const small = serializeAttribute({ S: 'secret' })
      const kept = [stash.keep(small), stash.keep(big), stash.keep(small)] as unknown as { bytes: Uint8Array }[]
      expect(kept.map((k) => exact(deserializeAttribute(k.bytes)))).toEqual([exact({ S: 'secret' }), exact({ B: new Uint8Array(10_000).fill(7) }), exact({ S: 'secret' })])
      stash.reset()
      for (const k of kept) expect(k.bytes.every((byte) => byte === 0)).toBe(true)
      expect(stash.earlierFailure()).toBeUndefined()
    })

    it('a plaintext that does not parse fails its item as the in-thread decryptor does (DecryptionError, cause DeserializationError)', () => {
      const stash = new PlaintextStash()
      const bad = Uint8Array.from([0x00, 0x6e, 0, 0, 0, 3, 0x61, 0x62, 0x63]) // N "abc"
      const writer = new TransportWriter(16)
      expect(writer.tryItem({ pk: { S: 'k' }, bad: stash.keep(bad) })).toBe(true)
      // What a worker reports when a later attribute of the item fails to decrypt: the earlier parse failure.
      stash.item = 3
      expect(writer.tryItem({ pk: { S: 'k' }, bad: stash.keep(bad) })).toBe(true)
      // What a worker reports when a later attribute (or item) fails: the earliest parse failure, with its item.
      const earlier = stash.earlierFailure()
      expect(earlier?.item).toBe(0)
      expect(earlier?.error).toBeInstanceOf(DecryptionError)
      expect(earlier?.error.message).toBe('Decryption failed')
      expect(earlier?.error.cause).toBeInstanceOf(DeserializationError)
      stash.reset()
      const reader = new TransportReader(writer.transfer(), writer.position)
      let error: unknown
      try {
        reader.item()
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(DecryptionError)
      expect((error as Error).message).toBe('Decryption failed')
      expect((error as Error).cause).toBeInstanceOf(DeserializationError)
      expect(((error as Error).cause as Error).message).toBe((earlier?.error.cause as Error).message)
    })
  })

  describe('results written as their difference from their item (tryResult / result)', () => {
    it('give exactly the result, sharing the sender\'s own value objects for what the worker left unchanged (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(attributeName, attributeValue, fc.constantFrom('same', 'changed', 'dropped')), { maxLength: 8 }),
          fc.array(fc.tuple(attributeName, attributeValue), { maxLength: 3 }),
          attributeValue,
          (entries, added, replacement) => {
            const item = makeItem(entries.map(([name, value]) => [name, value]))
            // What this thread sends and keeps.
            const sent: TopLevel = { names: [], values: [] }
            const writer = new TransportWriter(16)
            expect(writer.tryItem(item, sent)).toBe(true)
            expect(sent.names).toEqual(Object.keys(item))
            // The worker's side: its copy of the item (what it read), and a result that keeps, changes or drops each
            // attribute, then adds new ones (as the encryptor adds the signature and description).
            const seen: TopLevel = { names: [], values: [] }
            const workerReader = new TransportReader(writer.transfer(), writer.position, seen)
            const copy = workerReader.item()
            expect(seen.names).toEqual(Object.keys(item))
            expect(seen.values.map((value, i) => value === copy[seen.names[i] as string])).toEqual(seen.names.map(() => true))
            const result: Record<string, AttributeValue> = {}
            const put = (name: string, value: AttributeValue): void => {
              Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true })
            }
            const kinds = new Map(entries.map(([name, , kind]) => [name, kind]))
            for (const name of Object.keys(copy)) {
              const kind = kinds.get(name)
              if (kind === 'same') put(name, copy[name] as AttributeValue)
              else if (kind === 'changed') put(name, replacement)
            }
            for (const [name, value] of added) if (!Object.prototype.hasOwnProperty.call(result, name) && !Object.prototype.hasOwnProperty.call(item, name)) put(name, value)
            const back = new TransportWriter(16)
            expect(back.tryResult(result, seen)).toBe(true)
            const length = back.position
            const buffer = back.transfer()
            const got = new TransportReader(buffer, length).result(sent)
            expect(exact(got)).toEqual(exact(result))
            for (const name of Object.keys(result)) {
              if (kinds.get(name) === 'same') expect(got[name]).toBe(item[name])
              else expect(got[name]).not.toBe(item[name])
            }
          },
        ),
        { numRuns: 80 },
      )
    })
  })
})
