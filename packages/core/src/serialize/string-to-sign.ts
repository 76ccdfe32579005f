import { AttributeActions } from '../attribute-actions'
import type { AttributeValue, Item } from '../attribute-value'
import { CryptoAction } from '../crypto-action'
import { sha256, sha256Into } from '../crypto/hash'
import { SerializationError } from '../errors'
import { ReservedAttribute, SignatureMarker } from '../wire'
import { writeAttribute, writeBinaryAttribute } from './attribute'
import { acquireWriter, releaseWriter } from './byte-writer'
import { compareCodePoint, compareUtf16 } from './ordering'
import { SerializeFlag, serializeFlags, type SerializeOptions } from './serialize-options'
import { isWellFormed } from './well-formed'

const DIGEST_LENGTH = 32
const textEncoder = new TextEncoder()

// The two constant marker digests of FORMAT.md 3.2, computed once.
const ENCRYPTED_DIGEST = sha256(textEncoder.encode(SignatureMarker.Encrypted))
const PLAINTEXT_DIGEST = sha256(textEncoder.encode(SignatureMarker.Plaintext))

/**
 * Digests of attribute names and table headers, which repeat from item to item. Names are not secret (they are
 * stored in plaintext), and the cache is cleared when full so it cannot grow without bound.
 */
const MAX_CACHED_DIGESTS = 4096
const digestCache = new Map<string, Uint8Array>()

function cachedDigest(text: string): Uint8Array {
  let digest = digestCache.get(text)
  if (digest === undefined) {
    digest = sha256(textEncoder.encode(text))
    if (digestCache.size >= MAX_CACHED_DIGESTS) digestCache.clear()
    digestCache.set(text, digest)
  }
  return digest
}

/** The last table header digest (checked once): most processes read and write one table at a time. */
let lastTableName: string | undefined
let lastTableDigest: Uint8Array | undefined

function tableDigest(tableName: string): Uint8Array {
  if (tableName !== lastTableName || lastTableDigest === undefined) {
    checkText(tableName, 'The table name')
    lastTableDigest = cachedDigest(`TABLE>${tableName}<TABLE`)
    lastTableName = tableName
  }
  return lastTableDigest
}

function checkText(text: unknown, what: string): string {
  if (typeof text !== 'string') throw new SerializationError(`${what} must be a string`)
  if (!isWellFormed(text)) {
    throw new SerializationError(`${what} contains a lone UTF-16 surrogate, which is not valid Unicode; fix the name`)
  }
  return text
}

/**
 * Everything of a string to sign that depends only on the item's attribute names, the actions and the order: which
 * names are signed, in which order, and their name and marker digests. Items that one code path writes or reads
 * have the same names in the same order, so the plan is made once per such shape and reused: this saves the
 * filtering, the name checks, the sort, two digest lookups and two copies per name (measured with the reused output
 * below, A/B in one process on a loaded machine: the string to sign of the stored benchmark item 15.6 -> 11.6 µs,
 * in each direction).
 */
interface SigningPlan {
  readonly actions: AttributeActions
  readonly utf16: boolean
  /** The item's own keys in enumeration order (`Object.keys`), as the plan was made for them. */
  readonly keys: readonly string[]
  /** The signed attribute names, in signing order. */
  readonly names: readonly string[]
  /** The string to sign without the table digest (bytes 0..31) and the value digests (last 32 bytes of each 96). */
  readonly template: Uint8Array
}

/** Plans are kept for a few shapes (round robin): names are not secret, and the memory stays bounded. */
const MAX_PLANS = 16
const plans: SigningPlan[] = []
let nextPlan = 0
let lastPlan: SigningPlan | undefined

/** True if both lists hold the same names in the same order. @internal */
export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function matches(plan: SigningPlan, keys: readonly string[], actions: AttributeActions, utf16: boolean): boolean {
  return plan.actions === actions && plan.utf16 === utf16 && sameKeys(plan.keys, keys)
}

/** The plan of the names `keys`, computed the plain way (FORMAT.md 3.2). */
function makePlan(keys: readonly string[], actions: AttributeActions, utf16: boolean): SigningPlan {
  const names: string[] = []
  for (const name of keys) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription) continue
    if (actions.action(name) === CryptoAction.DO_NOTHING) continue
    checkText(name, 'An attribute name')
    names.push(name)
  }
  names.sort(utf16 ? compareUtf16 : compareCodePoint)
  const template = new Uint8Array(DIGEST_LENGTH * (1 + 3 * names.length))
  let offset = DIGEST_LENGTH
  for (const name of names) {
    template.set(cachedDigest(name), offset)
    template.set(actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? ENCRYPTED_DIGEST : PLAINTEXT_DIGEST, offset + DIGEST_LENGTH)
    offset += 3 * DIGEST_LENGTH
  }
  return { actions, utf16, keys, names, template }
}

/**
 * The plan for `keys`. Only exact `AttributeActions` instances are cached: they are frozen, so the same object
 * always gives the same actions (a look-alike object or a subclass could answer differently from call to call).
 */
function planFor(keys: readonly string[], actions: AttributeActions, utf16: boolean): SigningPlan {
  if (lastPlan !== undefined && matches(lastPlan, keys, actions, utf16)) return lastPlan
  if (Object.getPrototypeOf(actions) !== AttributeActions.prototype) return makePlan(keys, actions, utf16)
  let plan = plans.find((candidate) => matches(candidate, keys, actions, utf16))
  if (plan === undefined) {
    plan = makePlan(keys, actions, utf16)
    plans[nextPlan] = plan
    nextPlan = (nextPlan + 1) % MAX_PLANS
  }
  lastPlan = plan
  return plan
}

/**
 * Builds the string to sign of an item (FORMAT.md 3.2): `H("TABLE>" + tableName + "<TABLE")`, then for each signed
 * attribute in name order `H(name) ‖ H("ENCRYPTED" or "PLAINTEXT") ‖ H(serialize(value))`, where `H` is SHA-256.
 * DO_NOTHING attributes and the reserved `*amzn-ddb-map-desc*` / `*amzn-ddb-map-sig*` are skipped. The item is
 * hashed as stored, so encrypted attributes must already hold their ciphertext `B` values.
 *
 * @example
 * const sts = stringToSign(storedItem, 'my-table', actions) // 32 + 96 × (number of signed attributes) bytes
 *
 * @param options Defaults are what this library writes (Python order and exact numbers); see {@link SerializeOptions}.
 * @throws {SerializationError} ERR_SERIALIZATION if the table name or an attribute name is not valid text, or a
 * signed value cannot be serialized (the message names the attribute).
 */
export function stringToSign(
  item: Item,
  tableName: string,
  actions: AttributeActions,
  options?: SerializeOptions,
): Uint8Array {
  return stringToSignWithFlags(item, tableName, actions, serializeFlags(options))
}

/**
 * Where {@link stringToSignWithFlags} writes when asked to reuse memory. An ArrayBuffer of more than 64 bytes costs
 * about 1 µs to allocate (measured: `new Uint8Array(352)` 0.8-1.1 µs against 0.05 µs for 64 bytes), more than a
 * SHA-256 of the same size, so the string to sign of each item is written here instead (measured: about 1 µs per
 * item, in each direction). It holds only digests of stored, public values; larger ones are not kept.
 */
let sharedOutput = new Uint8Array(DIGEST_LENGTH * (1 + 3 * 32))

function outputFor(plan: SigningPlan, reuse: boolean): Uint8Array {
  const template = plan.template
  if (!reuse) return template.slice()
  if (sharedOutput.length < template.length) {
    if (template.length > 64 * 1024) return template.slice()
    sharedOutput = new Uint8Array(template.length)
  }
  const out = sharedOutput.subarray(0, template.length)
  out.set(template)
  return out
}

/**
 * {@link stringToSign} with already-resolved {@link SerializeFlag} bits (the item encryptor resolves them once).
 * With `reuse`, the result is a view of a shared buffer, valid only until the next call: for callers that hand it
 * synchronously to a native key operation and keep no reference.
 * @internal
 */
export function stringToSignWithFlags(item: Item, tableName: string, actions: AttributeActions, flags: number, reuse = false): Uint8Array {
  const table = tableDigest(tableName)
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new SerializationError('The item must be an object mapping attribute names to AttributeValue')
  }
  const plan = planFor(Object.keys(item), actions, (flags & SerializeFlag.Utf16Ordering) !== 0)
  const names = plan.names
  const out = outputFor(plan, reuse)
  out.set(table, 0)
  // One writer for the whole item: each value is serialized, hashed straight into `out`, and overwritten by the
  // next; the writer is wiped once at the end.
  const writer = acquireWriter()
  try {
    for (let i = 0, offset = 3 * DIGEST_LENGTH; i < names.length; i++, offset += 3 * DIGEST_LENGTH) {
      const name = names[i] as string
      const value = item[name]
      if (value === undefined) {
        throw new SerializationError(`Attribute "${name}" has no value; remove it from the item or give it a value`)
      }
      writer.reset()
      writeAttribute(writer, value, flags, name)
      sha256Into(writer.view(), out, offset)
    }
  } finally {
    releaseWriter(writer)
  }
  return out
}

/**
 * For each signed name of a plan (in signing order), its index among the plan's keys: the last plan asked for is
 * remembered, as items of one shape come one after the other.
 */
let orderPlan: SigningPlan | undefined
let orderOfPlan: Int32Array = new Int32Array(0)

function keyOrder(plan: SigningPlan): Int32Array {
  if (plan === orderPlan) return orderOfPlan
  const position = new Map<string, number>()
  for (let i = 0; i < plan.keys.length; i++) position.set(plan.keys[i] as string, i)
  const order = new Int32Array(plan.names.length)
  for (let i = 0; i < plan.names.length; i++) order[i] = position.get(plan.names[i] as string) as number
  orderPlan = plan
  orderOfPlan = order
  return order
}

/**
 * The string to sign of an item the encryptor is writing (FORMAT.md 3.2), from its attributes as arrays rather than
 * as an object: `names` are the item's own keys in enumeration order (what `Object.keys` gives), `values[k]` the
 * value of `names[k]`, and `blobs[k]` the ciphertext stored for it if it is encrypted (its stored value is then
 * `{ B: blobs[k] }`, whatever `values[k]` is). The bytes are those of {@link stringToSignWithFlags} over the stored
 * item; this saves, per signed value, a keyed lookup in the item and the type detection of each ciphertext, and the
 * item's `Object.keys` (measured: 0.6-1.2 µs per benchmark item, see encrypt-item.ts). Same refusals: bad table or attribute names, a signed
 * attribute without a value, a value that does not serialize. `reuse` as in {@link stringToSignWithFlags}.
 * @internal
 */
export function stringToSignOfWritten(
  tableName: string,
  actions: AttributeActions,
  flags: number,
  names: readonly string[],
  values: readonly (AttributeValue | undefined)[],
  blobs: readonly (Uint8Array | undefined)[],
  reuse: boolean,
): Uint8Array {
  const table = tableDigest(tableName)
  const plan = planFor(names, actions, (flags & SerializeFlag.Utf16Ordering) !== 0)
  const signed = plan.names
  const order = keyOrder(plan)
  const out = outputFor(plan, reuse)
  out.set(table, 0)
  const writer = acquireWriter()
  try {
    for (let i = 0, offset = 3 * DIGEST_LENGTH; i < signed.length; i++, offset += 3 * DIGEST_LENGTH) {
      const k = order[i] as number
      const blob = blobs[k]
      writer.reset()
      if (blob !== undefined) {
        writeBinaryAttribute(writer, blob)
      } else {
        const name = signed[i] as string
        const value = values[k]
        if (value === undefined) {
          throw new SerializationError(`Attribute "${name}" has no value; remove it from the item or give it a value`)
        }
        writeAttribute(writer, value, flags, name)
      }
      sha256Into(writer.view(), out, offset)
    }
  } finally {
    releaseWriter(writer)
  }
  return out
}
