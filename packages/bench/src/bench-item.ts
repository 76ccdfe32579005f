import { AttributeActions, CryptoAction, serializeAttribute, type AttributeValue, type Item } from '@ddb-encryption/core'

/** Table key schema used by every case: partition key `pk` (S), sort key `sk` (N). */
export const PARTITION_KEY = 'pk'
export const SORT_KEY = 'sk'

/** Actions of the benchmark item: keys SIGN_ONLY, everything else ENCRYPT_AND_SIGN. */
export const BENCH_ACTIONS = new AttributeActions({
  defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
  attributeActions: { [PARTITION_KEY]: CryptoAction.SIGN_ONLY, [SORT_KEY]: CryptoAction.SIGN_ONLY },
})

/** Deterministic filler so every run benchmarks the same bytes. */
function filler(length: number, seed: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  let text = ''
  for (let i = 0; i < length; i += 1) text += alphabet[(i * 31 + seed * 7) % alphabet.length]
  return text
}

function fillerBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 1) bytes[i] = (i * 131 + seed * 17) & 0xff
  return bytes
}

/**
 * The ~1 KB benchmark item of 10 attributes (mixed types): `pk` and `sk` are signed only, the 8 others are
 * encrypted and signed.
 */
export function benchItem(partitionKey = 'customer#000042', sortKey = 1): Item {
  return {
    [PARTITION_KEY]: { S: partitionKey },
    [SORT_KEY]: { N: String(sortKey) },
    name: { S: filler(60, 1) },
    email: { S: 'someone.with.a.long.address@example.com' },
    balance: { N: '123456.789' },
    active: { BOOL: true },
    avatar: { B: fillerBytes(200, 3) },
    tags: { SS: ['beta', 'eu-west', 'gold', 'mobile', 'newsletter'] }, // sorted, as decryption returns sets
    address: {
      M: {
        street: { S: filler(40, 5) },
        city: { S: 'Springfield' },
        zip: { N: '12345' },
        verified: { BOOL: false },
      },
    },
    notes: { L: [{ S: filler(250, 7) }, { N: '42' }, { NULL: true }, { S: filler(150, 9) }] },
  }
}

/** Sum of the serialized sizes of the item's attribute values (FORMAT.md 1), in bytes. */
export function serializedSize(item: Item): number {
  let total = 0
  for (const value of Object.values(item)) total += serializeAttribute(value as AttributeValue).length
  return total
}

/** DynamoDB JSON with base64 binaries (the form `python/bench.py` reads). */
export function itemToWireJson(item: Item): Record<string, unknown> {
  const convert = (value: AttributeValue): unknown => {
    const v = value as Record<string, unknown>
    if ('B' in v) return { B: Buffer.from(v['B'] as Uint8Array).toString('base64') }
    if ('BS' in v) return { BS: (v['BS'] as Uint8Array[]).map((m) => Buffer.from(m).toString('base64')) }
    if ('L' in v) return { L: (v['L'] as AttributeValue[]).map(convert) }
    if ('M' in v) {
      return { M: Object.fromEntries(Object.entries(v['M'] as Record<string, AttributeValue>).map(([k, x]) => [k, convert(x)])) }
    }
    return v
  }
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, convert(value as AttributeValue)]))
}
