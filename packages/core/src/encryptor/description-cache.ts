import { PER_ITEM_MATERIALS, type EncryptionMaterials } from '../materials/cryptographic-materials'
import { bytesEqual } from '../crypto/bytes'
import { setOwn } from '../own-property'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../serialize/material-description'
import { isWellFormed } from '../serialize/well-formed'
import { MATERIAL_DESCRIPTION_VERSION, MaterialDescriptionKey, SYMMETRIC_MODE } from '../wire'

/**
 * The material description's two caches (FORMAT.md 2.2): on write, the serialized description of each frozen
 * materials object; on read, the last stored description parsed. Both hold only descriptions, which are stored in
 * plaintext anyway.
 */

const SYM_MODE = MaterialDescriptionKey.SymmetricMode
const SIGNING_ALG = MaterialDescriptionKey.SigningAlgorithm

/** The description of an item that has none. @internal */
export const EMPTY_DESCRIPTION: Readonly<Record<string, string>> = Object.freeze({})

/** Serialized descriptions of frozen materials objects, so a static provider's description is serialized once. */
const descriptionCache = new WeakMap<EncryptionMaterials, Uint8Array>()

/**
 * The last stored description read and its parsed, frozen form: items written with the same materials carry the
 * same description bytes, so most reads skip parsing. The bytes are copied (callers own theirs) and compared in full.
 */
let lastDescriptionBytes: Uint8Array | undefined
let lastDescription: Readonly<Record<string, string>> = EMPTY_DESCRIPTION
const MAX_CACHED_DESCRIPTION_BYTES = 1024
/**
 * Where {@link lastDescriptionBytes} is copied (it is a view of this store, never handed out): a copy of more than 64
 * bytes in an ArrayBuffer of its own lives outside the V8 heap and costs about 1 µs to allocate, per item with a
 * wrapped or most-recent provider, whose descriptions all differ (parsedDescription of such descriptions, CPU,
 * in-process A/B, 3 runs: median 1.8-3.1 -> 1.1-2.1 µs, min 1.5-1.7 -> 1.05-1.07 µs).
 */
const lastDescriptionStore = new Uint8Array(MAX_CACHED_DESCRIPTION_BYTES)

/**
 * Where each string of {@link lastDescriptionBytes} lies (start of its bytes, after the 4-byte length) and what it
 * decoded to, in stored order (key, value, key, value, ...), for {@link parseLikeLast}.
 */
let lastSegmentStarts: number[] = []
let lastSegmentTexts: string[] = []

/**
 * FAST PATH (saves about 4.5 µs per item with a wrapped or most-recent provider, 8.4 -> 3.8 µs measured A/B on the
 * bench item's description; each such item carries a new wrapped key, so the whole-bytes cache above never hits):
 * when `bytes` has the same length as the last description parsed and every 4-byte length field at the same
 * offsets, it has the same layout, so only the strings whose bytes differ
 * (typically the wrapped key alone) are decoded; the others reuse the last decoded strings. Decoding uses the same
 * fatal UTF-8 check as {@link deserializeMaterialDescription}. Returns undefined when the layout differs or a changed
 * string is not valid UTF-8, and the caller then parses in full (which throws the usual error). Byte-equal to the
 * plain parse: proved in `perf-equivalence.test.ts`.
 */
function parseLikeLast(bytes: Uint8Array, last: Uint8Array): Record<string, string> | undefined {
  if (bytes.length !== last.length || lastSegmentStarts.length === 0) return undefined
  for (let i = 0; i < MATERIAL_DESCRIPTION_VERSION.length; i++) if (bytes[i] !== last[i]) return undefined
  const texts: string[] = new Array<string>(lastSegmentStarts.length)
  let end = MATERIAL_DESCRIPTION_VERSION.length
  for (let s = 0; s < lastSegmentStarts.length; s++) {
    const start = lastSegmentStarts[s] as number
    // The length field (4 bytes before the string) must be the same: then so is where this string ends.
    for (let i = start - 4; i < start; i++) if (bytes[i] !== last[i]) return undefined
    end = s + 1 < lastSegmentStarts.length ? (lastSegmentStarts[s + 1] as number) - 4 : bytes.length
    let same = true
    for (let i = start; i < end; i++) {
      if (bytes[i] !== last[i]) {
        same = false
        break
      }
    }
    if (same) {
      texts[s] = lastSegmentTexts[s] as string
      continue
    }
    try {
      texts[s] = utf8Decoder.decode(bytes.subarray(start, end))
    } catch {
      return undefined
    }
  }
  const result: Record<string, string> = {}
  for (let s = 0; s < texts.length; s += 2) setOwn(result, texts[s] as string, texts[s + 1] as string)
  lastSegmentTexts = texts
  return result
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The UTF-8 bytes of well-formed `text`. A wrapped key is base64 (ASCII), which a loop copies in about a third of
 * the time of a TextEncoder call; anything else goes to the encoder.
 */
function utf8Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x80) return utf8Encoder.encode(text)
    out[i] = code
  }
  return out
}

/** The start of each string of a description that parsed (see {@link lastSegmentStarts}), and the strings. */
function segmentsOf(bytes: Uint8Array): { starts: number[]; texts: string[] } {
  const starts: number[] = []
  const texts: string[] = []
  let position = MATERIAL_DESCRIPTION_VERSION.length
  while (position < bytes.length) {
    const length = (((bytes[position] as number) << 24) | ((bytes[position + 1] as number) << 16) |
      ((bytes[position + 2] as number) << 8) | (bytes[position + 3] as number)) >>> 0
    position += 4
    starts.push(position)
    texts.push(utf8Decoder.decode(bytes.subarray(position, position + length)))
    position += length
  }
  return { starts, texts }
}

/** The stored description parsed (FORMAT.md 2.2) and frozen; throws as {@link deserializeMaterialDescription}. @internal */
export function parsedDescription(bytes: Uint8Array): Readonly<Record<string, string>> {
  const last = lastDescriptionBytes
  if (last !== undefined && bytesEqual(last, bytes)) return lastDescription
  const fast = last === undefined || !(bytes instanceof Uint8Array) ? undefined : parseLikeLast(bytes, last)
  const description = Object.freeze(fast ?? deserializeMaterialDescription(bytes))
  if (bytes.length <= MAX_CACHED_DESCRIPTION_BYTES) {
    if (fast === undefined) {
      // Parsed in full: remember the layout for the next item (it parsed, so every string decodes).
      const segments = segmentsOf(bytes)
      lastSegmentStarts = segments.starts
      lastSegmentTexts = segments.texts
    }
    lastDescriptionStore.set(bytes)
    lastDescriptionBytes = new Uint8Array(lastDescriptionStore.buffer, 0, bytes.length)
    lastDescription = description
  }
  return description
}

/**
 * The last description serialized by {@link descriptionBytes} when its materials were not cached: the keys of the
 * materials' own description in order, whether the encryptor added sym-mode and which signing algorithm it added,
 * the written description's keys sorted as written, and per sorted key the value and its UTF-8 bytes.
 */
interface WrittenDescription {
  readonly ownKeys: readonly string[]
  readonly encrypting: boolean
  readonly signingAlgorithm: string
  readonly sortedKeys: readonly string[]
  readonly keyBytes: readonly Uint8Array[]
  readonly values: string[]
  readonly valueBytes: Uint8Array[]
}
let lastWritten: WrittenDescription | undefined
const utf8Encoder = new TextEncoder()

/**
 * FAST PATH (saves about 2 µs per item with a wrapped or most-recent provider, 8.5 -> 6.3 µs measured A/B on the
 * bench item's description: new materials per item, so the per-materials cache never hits, but the description
 * has the same keys as the last one and differs in the wrapped key only): when the materials' own (frozen)
 * description `own` has exactly the last one's keys in the same order, and the encryptor adds the same entries
 * (sym-mode or not, the same signing algorithm), the written description has the last one's keys: the sorted order
 * and the keys' bytes are reused and only values that changed are checked (string, well-formed) and encoded; the
 * bytes are then laid out as {@link serializeMaterialDescription} does (version, then LV(key) ‖ LV(value) by code
 * point order of the keys). The values are read from `own` and the added entries directly, without building the
 * merged description (per-item materials + descriptionBytes, CPU, in-process A/B, 5 runs: min 2.8-3.0 -> 2.4-2.6 µs). Returns undefined when the keys differ or a
 * changed value would not serialize (the caller then serializes in full, which throws the usual error). Byte-equal
 * to the plain serializer: proved in `perf-equivalence.test.ts`.
 */
function serializeLikeLast(own: Readonly<Record<string, string>>, encrypting: boolean, signingAlgorithm: string): Uint8Array | undefined {
  const last = lastWritten
  if (last === undefined || last.encrypting !== encrypting || last.signingAlgorithm !== signingAlgorithm) return undefined
  const keys = Object.keys(own)
  if (keys.length !== last.ownKeys.length) return undefined
  for (let i = 0; i < keys.length; i++) if (keys[i] !== last.ownKeys[i]) return undefined
  const sortedKeys = last.sortedKeys
  let total = MATERIAL_DESCRIPTION_VERSION.length
  for (let i = 0; i < sortedKeys.length; i++) {
    const key = sortedKeys[i] as string
    // The merged description's value: ours for the entries the encryptor adds (they win), else the materials'.
    const value: unknown = key === SIGNING_ALG ? signingAlgorithm : encrypting && key === SYM_MODE ? SYMMETRIC_MODE : own[key]
    if (value !== last.values[i]) {
      if (typeof value !== 'string' || !isWellFormed(value)) return undefined
      last.values[i] = value
      last.valueBytes[i] = utf8Bytes(value)
    }
    total += 8 + (last.keyBytes[i] as Uint8Array).length + (last.valueBytes[i] as Uint8Array).length
  }
  // Cut from the slabs (see copyOfCached): a new array of its own, without an ArrayBuffer outside the heap per item.
  const out = newDescriptionBytes(total)
  out.set(MATERIAL_DESCRIPTION_VERSION, 0)
  let position = MATERIAL_DESCRIPTION_VERSION.length
  for (let i = 0; i < 2 * sortedKeys.length; i++) {
    const bytes = (i & 1) === 0 ? (last.keyBytes[i >>> 1] as Uint8Array) : (last.valueBytes[i >>> 1] as Uint8Array)
    const n = bytes.length
    out[position] = n >>> 24
    out[position + 1] = (n >>> 16) & 0xff
    out[position + 2] = (n >>> 8) & 0xff
    out[position + 3] = n & 0xff
    out.set(bytes, position + 4)
    position += 4 + n
  }
  return out
}

/**
 * Serializes the description written for materials whose own description is `own` (the merged `md`) in full,
 * throwing as {@link serializeMaterialDescription}, and remembers it for the next item.
 */
function serializeAndRemember(md: Readonly<Record<string, string>>, own: Readonly<Record<string, string>>, encrypting: boolean, signingAlgorithm: string): Uint8Array {
  const bytes = serializeMaterialDescription(md)
  // It serialized, so every key and value is a well-formed string; sort as the serializer does (by code point).
  const sortedKeys = deserializedKeyOrder(bytes)
  lastWritten = {
    ownKeys: Object.keys(own),
    encrypting,
    signingAlgorithm,
    sortedKeys,
    keyBytes: sortedKeys.map((key) => utf8Encoder.encode(key)),
    values: sortedKeys.map((key) => md[key] as string),
    valueBytes: sortedKeys.map((key) => utf8Encoder.encode(md[key] as string)),
  }
  return bytes
}

/** The keys of serialized description bytes in written order (the serializer's own sort, read back). */
function deserializedKeyOrder(bytes: Uint8Array): string[] {
  const { texts } = segmentsOf(bytes)
  const keys: string[] = []
  for (let i = 0; i < texts.length; i += 2) keys.push(texts[i] as string)
  return keys
}

/**
 * Copies of cached descriptions are cut from small slabs that hold nothing but such copies (public bytes, stored in
 * plaintext with every item). A description of more than 64 bytes in its own ArrayBuffer lives outside the V8 heap
 * and costs about 1 µs to allocate; a view of a slab plus the copy costs about 0.1 µs (measured: about 1 µs per item
 * saved on the static path, whose description is 91 bytes). A slab is freed once no item still holds a view of it,
 * so keeping one item alive keeps at most one slab (4 KB).
 */
const SLAB_SIZE = 4096
const SLAB_MIN_COPY = 65
const SLAB_MAX_COPY = 512
let slab: ArrayBuffer | undefined
let slabUsed = SLAB_SIZE

/** A copy of `bytes` that the caller owns (its own view: no other item's description overlaps it). */
function copyOfCached(bytes: Uint8Array): Uint8Array {
  const copy = newDescriptionBytes(bytes.length)
  copy.set(bytes)
  return copy
}

/**
 * `length` zero bytes for a description, a view of a slab (of its own: no other view overlaps it) when the length
 * is in the slabs' range, else a new array.
 */
function newDescriptionBytes(length: number): Uint8Array {
  if (length < SLAB_MIN_COPY || length > SLAB_MAX_COPY) return new Uint8Array(length)
  if (slab === undefined || slabUsed + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE)
    slabUsed = 0
  }
  const bytes = new Uint8Array(slab, slabUsed, length)
  slabUsed += length
  return bytes
}

/** The description written with the item (FORMAT.md 2.2, 5.4), serialized once per frozen materials object. @internal */
export function descriptionBytes(materials: EncryptionMaterials): Uint8Array {
  const frozen = Object.isFrozen(materials) && Object.isFrozen(materials.materialDescription)
  // Materials made for one item (PER_ITEM_MATERIALS) are never seen again: not remembered, and their bytes are new,
  // so they are handed out as they are, without a copy.
  const cacheable = frozen && (materials as { readonly [PER_ITEM_MATERIALS]?: true })[PER_ITEM_MATERIALS] !== true
  if (cacheable) {
    const cached = descriptionCache.get(materials)
    // A copy per item: callers own the items we return and may change their bytes.
    if (cached !== undefined) return copyOfCached(cached)
  }
  const own = materials.materialDescription
  const encrypting = materials.encryptionKey !== undefined
  const signingAlgorithm = materials.signingKey.algorithm
  // The fast path reads the materials' own description directly: only a frozen one (it cannot change in between).
  let bytes = frozen ? serializeLikeLast(own, encrypting, signingAlgorithm) : undefined
  if (bytes === undefined) {
    const md: Record<string, string> = { ...own }
    // Python writes sym-mode whenever there is an encryption key (even if nothing is encrypted) and the signing
    // algorithm for every signing key (FORMAT.md 2.3). Our own values win over the provider's.
    if (encrypting) md[SYM_MODE] = SYMMETRIC_MODE
    md[SIGNING_ALG] = signingAlgorithm
    bytes = serializeAndRemember(md, own, encrypting, signingAlgorithm)
  }
  if (cacheable) {
    descriptionCache.set(materials, bytes)
    return copyOfCached(bytes)
  }
  return bytes
}
