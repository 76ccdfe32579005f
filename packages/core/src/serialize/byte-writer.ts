import { SerializationError } from '../errors'

/**
 * A small growable big-endian byte writer for the serializers. Memory comes from `new Uint8Array` (never Node's
 * shared allocation pool), and {@link ByteWriter.finish} copies into an exact-size array, so a returned value never
 * shares an `ArrayBuffer` with anything else. Allocating an `ArrayBuffer` costs far more than filling it, so one
 * writer is reused across calls ({@link acquireWriter} / {@link releaseWriter}); it is wiped after each use so no
 * serialized plaintext stays in memory.
 * @internal
 */
/**
 * A new array of at least `needed` bytes (the capacity doubled as often as it takes) holding the first `used` bytes
 * of `bytes`; the old array is dropped, so its first `written` bytes are wiped first (they may hold plaintext).
 * @internal
 */
export function grownCopy(bytes: Uint8Array, used: number, needed: number, written: number): Uint8Array {
  let capacity = Math.max(bytes.length, 1) * 2
  while (capacity < needed) capacity *= 2
  const grown = new Uint8Array(capacity)
  grown.set(bytes.subarray(0, used))
  bytes.fill(0, 0, written)
  return grown
}

/**
 * Views of the writer's memory are kept for lengths up to this many bytes: see {@link ByteWriter.view}. A view is
 * an object of about 100 bytes, so at most this many (about 100 KiB) are kept per writer.
 */
const MAX_CACHED_VIEW = 1024

export class ByteWriter {
  #bytes: Uint8Array
  #buffer: Buffer
  /** `#views[n]` is a view of `#bytes` from 0 to n, made on first use; dropped when `#bytes` is replaced. */
  #views: (Uint8Array | undefined)[] | undefined
  #position = 0
  /** Highest position reached before a {@link ByteWriter.reset}, so that {@link ByteWriter.wipe} clears it all. */
  #highWater = 0

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity)
    this.#buffer = Buffer.from(this.#bytes.buffer, 0, initialCapacity)
  }

  get position(): number {
    return this.#position
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const needed = this.#position + extra
    if (needed <= this.#bytes.length) return
    const bytes = grownCopy(this.#bytes, this.#position, needed, Math.max(this.#position, this.#highWater))
    this.#highWater = 0
    this.#bytes = bytes
    this.#buffer = Buffer.from(bytes.buffer, 0, bytes.length)
    this.#views = undefined
  }

  /** Writes the 2-byte type tag `00 ‖ tag` (FORMAT.md 1.1). */
  tag(tag: number): void {
    this.ensure(2)
    this.#bytes[this.#position] = 0
    this.#bytes[this.#position + 1] = tag
    this.#position += 2
  }

  byte(value: number): void {
    this.ensure(1)
    this.#bytes[this.#position++] = value
  }

  /** Writes `u32(value)`, big-endian (FORMAT.md 0.1). */
  u32(value: number): void {
    this.ensure(4)
    putU32(this.#bytes, this.#position, value)
    this.#position += 4
  }

  /** Writes `LV(bytes)`. */
  lengthValue(bytes: Uint8Array): void {
    const length = bytes.length
    this.ensure(4 + length)
    putU32(this.#bytes, this.#position, length)
    this.#bytes.set(bytes, this.#position + 4)
    this.#position += 4 + length
  }

  /** Writes `LV(utf8(text))`; `text` must be well-formed (checked by the caller). */
  lengthString(text: string): void {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so reserve that and write once.
    this.ensure(4 + text.length * 3)
    const start = this.#position + 4
    let written: number
    if (text.length < 32) {
      written = writeShortUtf8(this.#bytes, start, text)
    } else {
      written = this.#buffer.write(text, start, 'utf8')
    }
    putU32(this.#bytes, this.#position, written)
    this.#position = start + written
  }

  /** Raw bytes without a length. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.#bytes.set(bytes, this.#position)
    this.#position += bytes.length
  }

  /** An exact-size copy of what was written. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#position)
  }

  /**
   * A view of what was written, valid only until the writer is reset or released. Views of the same length over the
   * same memory are interchangeable, so short ones are made once and reused: the string to sign asks for one view
   * per signed value (ten per benchmark item) and a `subarray` costs 60-100 ns, against about 5 ns for the lookup
   * (measured in one process, ten lengths of 11-470 bytes: 630-990 ns -> 80-90 ns per item).
   */
  view(): Uint8Array {
    const length = this.#position
    // `#bytes` owns its whole ArrayBuffer from offset 0 (made by `new Uint8Array`).
    if (length > MAX_CACHED_VIEW) return new Uint8Array(this.#bytes.buffer, 0, length)
    const views = (this.#views ??= new Array<Uint8Array | undefined>(MAX_CACHED_VIEW + 1))
    let view = views[length]
    if (view === undefined) {
      view = new Uint8Array(this.#bytes.buffer, 0, length)
      views[length] = view
    }
    return view
  }

  get capacity(): number {
    return this.#bytes.length
  }

  /**
   * Starts again at position 0 without zeroing, for a series of values that are each used right away (the string to
   * sign hashes one value after the other); {@link ByteWriter.wipe} still clears everything written since the last wipe.
   */
  reset(): void {
    if (this.#position > this.#highWater) this.#highWater = this.#position
    this.#position = 0
  }

  /** Zeroes what was written (since the last wipe, across resets) and starts again at position 0. */
  wipe(): void {
    this.#bytes.fill(0, 0, Math.max(this.#position, this.#highWater))
    this.#position = 0
    this.#highWater = 0
  }
}

const SHARED_CAPACITY = 4096
/** Writers that grew beyond this are dropped after use rather than kept for the life of the process. */
const MAX_RETAINED_CAPACITY = 1 << 20
let shared: ByteWriter | undefined
let sharedInUse = false

/**
 * The shared writer, or a fresh one if it is already in use (a getter on a value being serialized could call the
 * serializer again). Always pair with {@link releaseWriter} in a `finally`.
 * @internal
 */
export function acquireWriter(): ByteWriter {
  if (sharedInUse) return new ByteWriter()
  sharedInUse = true
  shared ??= new ByteWriter(SHARED_CAPACITY)
  return shared
}

/** @internal Wipes `writer` and, if it is the shared one, makes it available again. */
export function releaseWriter(writer: ByteWriter): void {
  writer.wipe()
  if (writer === shared) {
    if (writer.capacity > MAX_RETAINED_CAPACITY) shared = undefined
    sharedInUse = false
  }
}

/** Big-endian u32 (FORMAT.md 0.1) with plain stores: cheaper than `Buffer#writeUInt32BE` and its argument checks. */
function putU32(out: Uint8Array, offset: number, value: number): void {
  if (value > 0xffffffff) {
    throw new SerializationError('A length or count exceeds 2^32 - 1, which the format cannot store; DynamoDB items are far smaller')
  }
  out[offset] = value >>> 24
  out[offset + 1] = (value >>> 16) & 0xff
  out[offset + 2] = (value >>> 8) & 0xff
  out[offset + 3] = value & 0xff
}

/**
 * UTF-8 encoder for short strings: a native call per short string costs more than this loop. Returns the number
 * of bytes written. The string must be well-formed UTF-16 (no lone surrogates).
 */
function writeShortUtf8(out: Uint8Array, offset: number, text: string): number {
  let o = offset
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      out[o++] = c
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6)
      out[o++] = 0x80 | (c & 0x3f)
    } else if (c >= 0xd800 && c < 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00)
      out[o++] = 0xf0 | (c >> 18)
      out[o++] = 0x80 | ((c >> 12) & 0x3f)
      out[o++] = 0x80 | ((c >> 6) & 0x3f)
      out[o++] = 0x80 | (c & 0x3f)
    } else {
      out[o++] = 0xe0 | (c >> 12)
      out[o++] = 0x80 | ((c >> 6) & 0x3f)
      out[o++] = 0x80 | (c & 0x3f)
    }
  }
  return o - offset
}
