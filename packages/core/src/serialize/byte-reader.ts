import { keptPlaintext } from '../crypto/aes-cbc'

/**
 * The one reader of length-prefixed wire bytes (FORMAT.md 1 and 2.2): big-endian 32-bit integers and `LV`
 * (4-byte length, then the value) fields, every read checked against what is left. What a failure means is the
 * caller's: it passes the two errors (module-level constants, so no allocation per read).
 * @internal
 */

/** The errors of one wire format. */
export interface ByteReaderErrors {
  /** The data ends before a field does (`length` is the data's length). */
  truncated(length: number): never
  /** A string field is not valid UTF-8. */
  invalidUtf8(cause: unknown): never
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Strings of at most this many bytes that are all ASCII are decoded here: a JS loop costs about 110-220 ns where a
 * view plus `TextDecoder#decode` cost about 300-350 ns (measured for 6 and 11 bytes; deserializing the 8 encrypted
 * values of the benchmark item, with 10 such strings, went from 5.1 to 3.8 µs, A/B in one process). ASCII bytes are
 * valid UTF-8 and decode to the same code units, so the result is the decoder's; anything else takes the decoder.
 */
const SHORT_ASCII_MAX = 16

type Utf8Slice = (this: Uint8Array, start: number, end: number) => string

/**
 * Node's own UTF-8 decoding of a range of a Uint8Array (what `Buffer#toString('utf8')` calls; it takes any
 * Uint8Array as `this`), or undefined if this Node has none that works. It replaces invalid sequences with U+FFFD
 * instead of throwing, so {@link ByteReader.lengthString} uses its text only when that has no U+FFFD. It needs no view
 * and skips `TextDecoder#decode`'s argument handling (measured on Node 20: the benchmark item's 5 strings of 39-250
 * bytes in 0.5 µs against 0.9-1.0 µs with a view and the decoder each; deserializing its 8 encrypted values went from
 * 3.2-3.4 to 2.8-3.1 µs, min of 40 in-process interleaved samples, both orders).
 */
const utf8Slice: Utf8Slice | undefined = (() => {
  const candidate = (Buffer.prototype as unknown as { utf8Slice?: unknown }).utf8Slice
  if (typeof candidate !== 'function') return undefined
  try {
    const probe = Uint8Array.of(0x78, 0x61, 0xc3, 0xbc, 0x62)
    return (candidate as Utf8Slice).call(probe, 1, 4) === 'a\u00fc' ? (candidate as Utf8Slice) : undefined
  } catch {
    return undefined
  }
})()

/** Longest array V8 allocates on its own heap (`--typed-array-max-size-in-heap`); longer ones have their own store. */
const ON_HEAP_MAX = 64

export class ByteReader {
  readonly #data: Uint8Array
  readonly #errors: ByteReaderErrors
  readonly #keep: boolean
  position: number

  /**
   * With `keep`, {@link ByteReader.lengthValueCopy} may return a view of `data` for values of more than 64 bytes,
   * if `data` is a plaintext that the running `AesCbc.decryptBatch` lets its caller keep (`keptPlaintext`).
   */
  constructor(data: Uint8Array, errors: ByteReaderErrors, position = 0, keep = false) {
    this.#data = data
    this.#errors = errors
    this.#keep = keep
    this.position = position
  }

  get remaining(): number {
    return this.#data.length - this.position
  }

  truncated(): never {
    return this.#errors.truncated(this.#data.length)
  }

  byte(): number {
    if (this.position >= this.#data.length) this.truncated()
    return this.#data[this.position++] as number
  }

  u32(): number {
    const p = this.position
    if (p + 4 > this.#data.length) this.truncated()
    const d = this.#data
    this.position = p + 4
    return (((d[p] as number) << 24) | ((d[p + 1] as number) << 16) | ((d[p + 2] as number) << 8) | (d[p + 3] as number)) >>> 0
  }

  /** A count of elements, each at least `minimumSize` bytes long, checked against what is left. */
  count(minimumSize: number): number {
    const count = this.u32()
    if (count * minimumSize > this.remaining) this.truncated()
    return count
  }

  /** Reads `LV` and returns a view (no copy) of the value, as a plain `Uint8Array` whatever the data's class. */
  lengthValueView(): Uint8Array {
    const length = this.u32()
    const start = this.position
    if (length > this.#data.length - start) this.truncated()
    this.position = start + length
    // The constructor rather than `subarray`, which looks up the species constructor on every call (about 30% cheaper).
    const data = this.#data
    return new Uint8Array(data.buffer, data.byteOffset + start, length)
  }

  /**
   * Reads `LV` and returns a copy of the value in its own ArrayBuffer: one `slice` instead of a view and then a
   * copy of it (measured: 1.2 µs against 1.7 µs for a 200-byte `B` value); or, for a reader made with `keep`, a
   * view kept from a decrypted batch (see the constructor).
   */
  lengthValueCopy(): Uint8Array {
    const length = this.u32()
    const start = this.position
    if (length > this.#data.length - start) this.truncated()
    this.position = start + length
    const data = this.#data
    if (this.#keep && length > ON_HEAP_MAX) {
      const kept = keptPlaintext(data, start, length)
      if (kept !== undefined) return kept
    }
    // Buffer#slice (Buffer being a Uint8Array subclass) returns a view, not a copy: copy other classes explicitly.
    return Object.getPrototypeOf(data) === Uint8Array.prototype
      ? data.slice(start, start + length)
      : new Uint8Array(data.subarray(start, start + length))
  }

  /** Reads `LV` as a UTF-8 string. */
  lengthString(): string {
    const data = this.#data
    const start = this.position + 4
    if (start <= data.length) {
      const length = ((data[start - 4] as number) << 24 | (data[start - 3] as number) << 16 | (data[start - 2] as number) << 8 | (data[start - 1] as number)) >>> 0
      if (length <= SHORT_ASCII_MAX && length <= data.length - start) {
        let text = ''
        let i = start
        const end = start + length
        for (; i < end; i++) {
          const c = data[i] as number
          if (c >= 0x80) break
          text += String.fromCharCode(c)
        }
        if (i === end) {
          this.position = end
          return text
        }
      }
    }
    const length = this.u32()
    const from = this.position
    if (length > data.length - from) this.truncated()
    this.position = from + length
    if (utf8Slice !== undefined) {
      const text = utf8Slice.call(data, from, from + length)
      // No U+FFFD: the bytes were valid UTF-8 (the lenient decoder replaces every invalid sequence with at least one),
      // so this is the fatal decoder's text. With one, the fatal decoder decides (a U+FFFD may also be real text).
      if (text.indexOf('\uFFFD') === -1) return text
    }
    try {
      return utf8Decoder.decode(new Uint8Array(data.buffer, data.byteOffset + from, length))
    } catch (error) {
      return this.#errors.invalidUtf8(error)
    }
  }
}
