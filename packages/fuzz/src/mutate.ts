/**
 * Mutations of valid encrypted items: bytes flipped, inserted, deleted or overwritten in the signature, the
 * material description and the ciphertexts; description entries changed; signed values changed; attribute types
 * swapped for garbage; attributes added, removed and renamed; whole items and configs replaced by garbage.
 */
import {
  CryptoAction,
  deserializeMaterialDescription,
  MaterialDescriptionKey,
  ReservedAttribute,
  serializeAttribute,
  serializeMaterialDescription,
  stringToSign,
  type AttributeValue,
  type CryptoConfig,
  type Item,
  setOwn,
} from '@ddb-encryption/core'
import type { Random } from './random'
import { ACTIONS, ATTRIBUTE_NAMES, randomValue, TABLE, type Subject } from './subjects'

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription

/** A deep copy of an attribute value or item (own keys, `__proto__` included; bytes copied). */
export function clone<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T
  if (Array.isArray(value)) return value.map(clone) as T
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, key, clone((value as Record<string, unknown>)[key]))
  return out as T
}

const HUGE_LENGTHS = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 1]

/** Flips, overwrites, inserts, deletes, truncates or extends bytes; may write a huge u32 length anywhere. */
export function mutateBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes)
  const at = (): number => random.int(out.length + 1)
  switch (random.int(9)) {
    case 0: if (out.length > 0) { const i = random.int(out.length); out[i] = (out[i] as number) ^ (1 << random.int(8)) } break
    case 1: if (out.length > 0) out[random.int(out.length)] = random.int(256); break
    case 2: out.splice(at(), 0, ...random.bytes(1 + random.int(4))); break
    case 3: out.splice(random.int(out.length), 1 + random.int(4)); break
    case 4: out.length = random.int(out.length + 1); break
    case 5: out.push(...random.bytes(1 + random.int(8))); break
    case 6: {
      const value = random.pick(HUGE_LENGTHS)
      const i = random.int(Math.max(1, out.length - 3))
      out.splice(i, 4, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
      break
    }
    case 7: out.splice(at(), 0, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff) // invalid UTF-8 sequences
      break
    default: if (out.length > 1) { const i = random.int(out.length - 1); const t = out[i] as number; out[i] = out[i + 1] as number; out[i + 1] = t } break
  }
  return Uint8Array.from(out)
}

function deepList(levels: number): AttributeValue {
  let value: AttributeValue = { NULL: true }
  for (let i = 0; i < levels; i++) value = { L: [value] }
  return value
}

/** Values that are not valid attribute values, or valid ones of an unexpected type. */
export function garbageValue(random: Random): unknown {
  const choices: Array<() => unknown> = [
    () => null, () => undefined, () => 0, () => 'S', () => [], () => ({}), () => true,
    () => ({ S: 5 }), () => ({ S: null }), () => ({ S: undefined }), () => ({ S: 'a', N: '1' }), () => ({ S: '\uD800' }),
    () => ({ N: 'abc' }), () => ({ N: 'NaN' }), () => ({ N: 'Infinity' }), () => ({ N: '' }), () => ({ N: '1e999999999' }),
    () => ({ N: '1E-9999' }), () => ({ N: '9'.repeat(60) }), () => ({ N: ' 1' }), () => ({ N: 1 }), () => ({ N: '0x10' }),
    () => ({ B: 'AAAA' }), () => ({ B: [1, 2] }), () => ({ B: new ArrayBuffer(4) }), () => ({ B: new Uint16Array(2) }),
    () => ({ B: new Uint8Array(0) }), () => ({ B: random.bytes(1 + random.int(64)) }), () => ({ B: null }),
    () => ({ SS: 'a' }), () => ({ SS: [1] }), () => ({ SS: [null] }), () => ({ SS: [] }), () => ({ NS: ['x'] }), () => ({ NS: [1] }),
    () => ({ BS: [null] }), () => ({ BS: 'x' }), () => ({ L: null }), () => ({ L: [null] }), () => ({ L: 'x' }),
    () => ({ M: null }), () => ({ M: [] }), () => ({ M: { a: null } }), () => ({ M: Object.create(null) as object }),
    () => ({ BOOL: 1 }), () => ({ NULL: false }), () => ({ X: 'y' }), () => ({ $unknown: ['X', 1] }),
    () => deepList(1500), () => deepList(20), () => ({ M: { __proto__: { S: 'x' } } }), () => new Map([['S', 'x']]),
    () => randomValue(random),
  ]
  return random.pick(choices)()
}

const NAME_POOL = [...ATTRIBUTE_NAMES, 'extra', '', 'hasOwnProperty', 'toString', SIGNATURE, DESCRIPTION, '\u{1F600}', 'pk ']

function names(item: Item): string[] {
  return Object.keys(item)
}

/** Description entries an attacker would try (the description is not signed). */
function mutateDescription(random: Random, description: Record<string, string>): void {
  const keys = Object.values(MaterialDescriptionKey) as string[]
  const key = random.chance(0.8) ? random.pick(keys) : random.pick(['x', '__proto__', 'constructor', ''])
  const current = Object.prototype.hasOwnProperty.call(description, key) ? description[key] as string : ''
  const values = [
    '', 'AES', 'AES/128', 'AES/256', 'AES/0', 'AES/-8', 'AES/999999999999', 'AES/x', 'DES', 'RSA', 'HmacSHA256', 'HmacSHA256/8',
    'HmacSHA512/512', 'SHA256withRSA', 'SHA1withRSA', 'NONEwithRSA', '/ECB/NoPadding', '/CBC/NoPadding', '/GCM/NoPadding',
    'AESWrap', 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', 'RSA/ECB/PKCS1Padding', 'kms', '*keys*', 'fuzz#0', 'fuzz#1', 'fuzz#9',
    'fuzz#', 'fuzz#-1', 'fuzz#99999999999999999999', '#1', 'fuzz', `${current}\r\n`, `${current.slice(0, -1)}`, `${current}=`,
    `${current.slice(0, 10)}\n${current.slice(10)}`, `${current.slice(1)}`, '====', 'A', '!!!!', current.split('').reverse().join(''),
  ]
  if (random.chance(0.2)) delete description[key]
  else setOwn(description as Record<string, unknown>, key, random.pick(values))
}

export interface Mutant {
  readonly item: unknown
  readonly config: CryptoConfig
  /** What was done, for reports. */
  readonly steps: string[]
  /** Re-signed with the real keys: a successful decryption is then legitimate. */
  readonly resigned: boolean
}

function binary(item: Item, name: string): Uint8Array | undefined {
  const value = Object.prototype.hasOwnProperty.call(item, name) ? (item[name] as { B?: unknown }) : undefined
  return value !== null && typeof value === 'object' && value.B instanceof Uint8Array ? value.B : undefined
}

function encryptedNames(item: Item): string[] {
  return names(item).filter((n) => n !== SIGNATURE && n !== DESCRIPTION && ACTIONS.action(n) === CryptoAction.ENCRYPT_AND_SIGN)
}

/** One mutation step applied to `item` in place; returns its name. */
function step(random: Random, item: Record<string, unknown>): string {
  const kind = random.int(12)
  switch (kind) {
    case 0: case 1: {
      const bytes = binary(item as Item, SIGNATURE)
      if (bytes === undefined) return 'none'
      item[SIGNATURE] = { B: mutateBytes(random, bytes) }
      return 'signature bytes'
    }
    case 2: {
      const bytes = binary(item as Item, DESCRIPTION)
      if (bytes === undefined) return 'none'
      item[DESCRIPTION] = { B: mutateBytes(random, bytes) }
      return 'description bytes'
    }
    case 3: {
      const bytes = binary(item as Item, DESCRIPTION)
      if (bytes === undefined) return 'none'
      let description: Record<string, string>
      try {
        description = { ...deserializeMaterialDescription(bytes) }
      } catch {
        return 'none'
      }
      mutateDescription(random, description)
      item[DESCRIPTION] = { B: serializeMaterialDescription(description) }
      return 'description entry'
    }
    case 4: case 5: {
      const targets = encryptedNames(item as Item)
      if (targets.length === 0) return 'none'
      const name = random.pick(targets)
      const bytes = binary(item as Item, name)
      if (bytes === undefined) return 'none'
      setOwn(item, name, { B: mutateBytes(random, bytes) })
      return 'ciphertext bytes'
    }
    case 6: {
      const all = names(item as Item)
      if (all.length === 0) return 'none'
      setOwn(item, random.pick(all), garbageValue(random))
      return 'type swap'
    }
    case 7: {
      const name = random.pick(['pk', 'sk', 'tag'])
      const value = item[name] as Record<string, unknown> | undefined
      if (value === undefined || value === null || typeof value !== 'object') return 'none'
      if (typeof value.N === 'string') {
        const n = value.N
        setOwn(item, name, { N: random.pick([`${n}0`, `${n}.0`, `${n}E0`, `${n}.0000000000000000000000000001`, `-${n}`, `0${n}`, `${n}1`, `+${n}`]) })
      } else if (typeof value.S === 'string') {
        const s = value.S
        setOwn(item, name, { S: random.pick([`${s} `, s.slice(1), s.toUpperCase(), `${s}\u0000`, s.normalize('NFD')]) })
      } else {
        setOwn(item, name, randomValue(random))
      }
      return 'signed value'
    }
    case 8: {
      const name = random.pick(NAME_POOL)
      setOwn(item, name, random.chance(0.5) ? randomValue(random) : garbageValue(random))
      return 'attribute added'
    }
    case 9: {
      const all = names(item as Item)
      if (all.length === 0) return 'none'
      delete item[random.pick(all)]
      return 'attribute removed'
    }
    case 10: {
      const all = names(item as Item)
      if (all.length === 0) return 'none'
      const from = random.pick(all)
      const to = random.pick(NAME_POOL)
      const value = item[from]
      delete item[from]
      setOwn(item, to, value)
      return 'attribute renamed'
    }
    default: {
      // Swap the values of two attributes (e.g. two ciphertexts, or a ciphertext and the signature).
      const all = names(item as Item)
      if (all.length < 2) return 'none'
      const a = random.pick(all)
      const b = random.pick(all)
      const value = item[a]
      setOwn(item, a, item[b])
      setOwn(item, b, value)
      return 'values swapped'
    }
  }
}

const GARBAGE_ITEMS: ReadonlyArray<() => unknown> = [
  () => null, () => undefined, () => 42, () => 'item', () => [], () => [{ S: 'x' }], () => new Map(), () => Object.create(null) as object,
  () => ({ [SIGNATURE]: null }), () => ({ [SIGNATURE]: { B: new Uint8Array(32) }, [DESCRIPTION]: undefined }),
]

function garbageConfig(random: Random, config: CryptoConfig): CryptoConfig {
  const choices: Array<() => unknown> = [
    () => null, () => undefined, () => ({}), () => ({ ...config, attributeActions: undefined }), () => ({ ...config, attributeActions: {} }),
    () => ({ ...config, materialsProvider: undefined }), () => ({ ...config, materialsProvider: {} }), () => ({ ...config, encryptionContext: undefined }),
    () => ({ ...config, encryptionContext: { tableName: '' } }), () => ({ ...config, encryptionContext: { ...config.encryptionContext, tableName: 5 } }),
    () => ({ ...config, writeMode: 'utf8' }), () => ({ ...config, acceptPythonRoundedNumbers: 'yes' }),
    () => ({ ...config, encryptionContext: { ...config.encryptionContext, partitionKeyName: 7 } }),
  ]
  return random.pick(choices)() as CryptoConfig
}

/**
 * A key holder's rewrite: the plaintext bytes of one encrypted attribute are mutated (bad tags, lengths, UTF-8,
 * number text), encrypted with the real content key and the item re-signed. Decrypting must then succeed or fail
 * with a typed error; it is not tampering (the keys signed it).
 */
async function resignedMutant(random: Random, subject: Subject, stored: Item, plaintext: Item): Promise<Mutant> {
  const keys = subject.keys as NonNullable<Subject['keys']>
  const item = clone(stored) as Record<string, unknown>
  const targets = encryptedNames(plaintext)
  const steps: string[] = ['resigned']
  if (targets.length > 0) {
    const name = random.pick(targets)
    let bytes: Uint8Array
    try {
      bytes = random.chance(0.3) ? craftedBytes(random) : serializeAttribute(plaintext[name] as AttributeValue)
    } catch {
      bytes = random.bytes(random.int(16))
    }
    if (random.chance(0.7)) bytes = mutateBytes(random, bytes)
    if (random.chance(0.3)) bytes = mutateBytes(random, bytes)
    setOwn(item, name, { B: await keys.content.encrypt('AES/CBC/PKCS5Padding', name, bytes) })
    steps.push('plaintext bytes')
  }
  const body: Record<string, unknown> = {}
  for (const name of Object.keys(item)) if (name !== SIGNATURE && name !== DESCRIPTION) setOwn(body, name, item[name])
  item[SIGNATURE] = { B: await keys.signing.sign('HmacSHA256', stringToSign(body as Item, TABLE, ACTIONS)) }
  return { item, config: subject.config, steps, resigned: true }
}

function lv(bytes: readonly number[]): number[] {
  const n = bytes.length
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...bytes]
}
const ascii = (text: string): number[] => Array.from(Buffer.from(text, 'utf8'))

/**
 * Hand-made serializations (FORMAT.md 1.1) no valid writer produces: number text that is not a number, counts far
 * beyond the data, unknown tags, nesting deeper than any reader allows, map keys that are not strings.
 */
export function craftedBytes(random: Random): Uint8Array {
  const nested: number[] = []
  for (let i = 0; i < 1200; i++) nested.push(0x00, 0x4c, 0, 0, 0, 1)
  const choices: number[][] = [
    [0x00, 0x6e, ...lv(ascii(random.pick(['abc', 'NaN', '', '1e99999999', '-', '.', '1.2.3', ' 1', '0x1', '\u0661'])))],
    [0x00, 0x4e, 0, 0, 0, 2, ...lv(ascii('1')), ...lv(ascii('x'))],
    [0x00, 0x4c, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00],
    [0x00, 0x4d, 0x7f, 0xff, 0xff, 0xff],
    [0x00, 0x53, 0x00, 0x10, 0x00, 0x00, ...lv([0xff])],
    [0x00, 0x42, 0xff, 0xff, 0xff, 0xfe],
    [0x00, random.int(256)],
    [0x01, 0x73, ...lv(ascii('a'))],
    [...nested, 0x00, 0x00],
    [0x00, 0x4d, 0, 0, 0, 1, 0x00, 0x6e, ...lv(ascii('1')), 0x00, 0x00],
    [0x00, 0x3f, 0x02],
    [0x00, 0x73, ...lv([0xed, 0xa0, 0x80])],
    [0x00, 0x62, 0xff, 0xff, 0xff, 0xff],
  ]
  return Uint8Array.from(random.pick(choices))
}

/** The `n`-th input's mutant of one of the subject's items. */
export async function mutant(random: Random, subject: Subject, index: number): Promise<Mutant> {
  const stored = subject.stored[index] as Item
  const roll = random.int(100)
  if (roll < 2) return { item: random.pick(GARBAGE_ITEMS)(), config: subject.config, steps: ['garbage item'], resigned: false }
  if (roll < 4) return { item: clone(stored), config: garbageConfig(random, subject.config), steps: ['garbage config'], resigned: false }
  if (roll < 14 && subject.keys !== undefined) return resignedMutant(random, subject, stored, subject.plaintexts[index] as Item)
  const item = clone(stored) as Record<string, unknown>
  const steps: string[] = []
  for (let n = 1 + random.int(3); n > 0; n--) steps.push(step(random, item))
  return { item, config: subject.config, steps, resigned: false }
}
