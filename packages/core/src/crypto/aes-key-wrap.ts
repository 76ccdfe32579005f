import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type Cipher, type Decipher, type KeyObject } from 'node:crypto'
import { UnwrappingError, WrappingError } from '../errors'

/** RFC 3394 default initial value. */
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')
/** RFC 3394's default IV byte 0xa6 four times: one 32-bit word of it in either byte order. */
const IV_WORD = 0xa6a6a6a6
const IV_BYTE = 0xa6

/** True on little-endian hosts, where the words of {@link AesKeyWrap.wrapBatch} hold their bytes in reverse. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** `x` (a 32-bit unsigned value) with its four bytes in reverse order. */
function byteSwap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0
}

/**
 * How many new content keys {@link AesKeyWrap.wrapNewKey} makes and wraps at a time. Measured on Node 20 (CPU per
 * 32-byte key, AES-256 KEK): a fresh `id-aes256-wrap` context 16 µs; the batched wrap below 10 µs for 8 keys,
 * 6.7 µs for 16, 4.1 µs for 32, 3.4 µs for 64. 32 keeps at most 32 not yet used keys (as `KeyObject`s) per KEK.
 */
const NEW_KEY_BATCH = 32

/**
 * A batch of new content keys and their wraps, handed out one at a time. No raw key bytes are kept: right after the
 * batch is wrapped each key becomes its `KeyObject` (`createSecretKey`, the cost the caller paid per item before,
 * moved here) and the random bytes and every intermediate buffer are wiped.
 */
interface NewKeys {
  /** The keys as `KeyObject`s; a key's slot is emptied as it is handed out. */
  readonly keys: (KeyObject | undefined)[]
  /** Their wraps, `length + 8` bytes each (not secret); a wrap's bytes are zeroed as it is handed out. */
  readonly wrapped: Uint8Array
  next: number
}

/**
 * The ECB output `blocks` as 32-bit words: a view when its offset is 4-byte aligned, else a copy into `aligned` (a
 * scratch of the same length, wiped by the caller).
 */
function wordsOf(blocks: Buffer, aligned: Uint8Array | undefined): Uint32Array {
  if ((blocks.byteOffset & 3) === 0) return new Uint32Array(blocks.buffer, blocks.byteOffset, blocks.byteLength >>> 2)
  const scratch = aligned as Uint8Array
  scratch.set(blocks)
  return new Uint32Array(scratch.buffer, 0, scratch.byteLength >>> 2)
}

/**
 * RFC 3394 AES key wrap with the default IV, no padding (`AESWrap`, FORMAT.md 7.2), under one KEK. `cipherName` is
 * `id-aes128-wrap` / `id-aes192-wrap` / `id-aes256-wrap` by KEK size. A 32-byte key becomes 40 bytes.
 *
 * {@link AesKeyWrap.wrap} and {@link AesKeyWrap.unwrap} use one fresh cipher context per call, finished with
 * `final()`. (Reusing one wrap context per KEK is refused by Node 26's OpenSSL after the first call.)
 *
 * {@link AesKeyWrap.wrapNewKey}, the wrapped materials provider's per-item path, makes new content keys in batches
 * and wraps a whole batch at once with RFC 3394's algorithm (section 2.2.1) driven from here over one persistent
 * `aes-<bits>-ecb` context of the KEK: each of the 6·n steps of the wrap is one AES block per key, and the blocks of
 * all keys of the batch go through the ECB context in one `update()`. That is 6·n native calls per batch instead of a
 * new wrap context (about 13–17 µs) per key; see {@link NEW_KEY_BATCH} for what it saves. The bytes are those of
 * Node's `id-aes*-wrap` (proved in `crypto-aes-key-wrap.test.ts` against it and the RFC 3394 vectors).
 * @internal
 */
export class AesKeyWrap {
  readonly #cipherName: string
  readonly #ecbName: string
  readonly #kek: KeyObject
  /** The persistent ECB encryption context of the KEK (padding off); dropped if a native call ever throws. */
  #ecb: Cipher | undefined
  /** The persistent ECB decryption context of the KEK for {@link AesKeyWrap.unwrapBatch}; dropped if a native call throws. */
  #ecbDecrypt: Decipher | undefined
  /** The persistent unwrap context, where {@link unwrapContextReusable} says so; dropped after any failure. */
  #unwrapper: Decipher | undefined
  /** Not yet used new keys, per key length. */
  readonly #newKeys = new Map<number, NewKeys>()

  constructor(cipherName: string, kek: KeyObject) {
    this.#cipherName = cipherName
    this.#ecbName = `aes-${(kek.symmetricKeySize ?? 0) * 8}-ecb`
    this.#kek = kek
  }

  /** Wraps `keyData` (at least 16 bytes, a multiple of 8). */
  wrap(keyData: Uint8Array): Uint8Array {
    checkKeyLength(keyData.byteLength)
    try {
      const wrapper = createCipheriv(this.#cipherName, this.#kek, DEFAULT_IV)
      const out = Buffer.concat([wrapper.update(keyData), wrapper.final()])
      if (out.byteLength !== keyData.byteLength + 8) throw new Error('the wrap context returned an unexpected length')
      return new Uint8Array(out)
    } catch (cause) {
      throw new WrappingError('Key wrap failed', { cause })
    }
  }

  /**
   * A new random key of `length` bytes (at least 16, a multiple of 8) from `crypto.randomBytes`, as a `KeyObject`,
   * and its wrap, the same bytes {@link AesKeyWrap.wrap} gives for it. Keys are made and wrapped
   * {@link NEW_KEY_BATCH} at a time (see the class comment); right after a batch is wrapped its keys become
   * `KeyObject`s and the raw bytes are wiped, so no key bytes are held between calls. Each key is handed out once
   * and dropped from the batch as it is.
   */
  wrapNewKey(length: number): { key: KeyObject; wrapped: Uint8Array } {
    checkKeyLength(length)
    let batch = this.#newKeys.get(length)
    if (batch === undefined || batch.next === NEW_KEY_BATCH) {
      this.#newKeys.delete(length)
      batch = this.#newBatch(length)
      this.#newKeys.set(length, batch)
    }
    const i = batch.next++
    const key = batch.keys[i] as KeyObject
    batch.keys[i] = undefined
    const wrapped = batch.wrapped.slice(i * (length + 8), (i + 1) * (length + 8))
    batch.wrapped.fill(0, i * (length + 8), (i + 1) * (length + 8))
    return { key, wrapped }
  }

  /**
   * {@link NEW_KEY_BATCH} new keys of `length` bytes as `KeyObject`s and their wraps; every raw buffer wiped. The
   * `createSecretKey` per key is the one the caller paid per item before, moved here: per item (new key + wrap +
   * `KeyObject`, AES-256 KEK, Node 20, CPU, 7 interleaved rounds, median) 9.5 µs before, 9.1 µs after: no cost.
   */
  #newBatch(length: number): NewKeys {
    const random = randomBytes(NEW_KEY_BATCH * length)
    try {
      let wrapped: Uint8Array
      try {
        wrapped = this.wrapBatch(random, length)
      } catch (cause) {
        throw new WrappingError('Key wrap failed', { cause })
      }
      const keys: (KeyObject | undefined)[] = []
      for (let k = 0; k < NEW_KEY_BATCH; k++) keys.push(createSecretKey(random.subarray(k * length, (k + 1) * length)))
      return { keys, wrapped, next: 0 }
    } finally {
      random.fill(0)
    }
  }

  /**
   * RFC 3394 wrap (section 2.2.1, default IV) of each of the keys of `length` bytes laid end to end in `keys`, all in
   * step: for j = 0..5 and i = 1..n, every key's block `A ‖ R[i]` is encrypted, and then `A = MSB64(B) ⊕ t` with
   * t = n·j + i and `R[i] = LSB64(B)`; the blocks of all keys are one ECB `update()`. Returns each key's `A ‖ R[1..n]`
   * end to end. Intermediate blocks are wiped.
   */
  wrapBatch(keys: Uint8Array, length: number): Uint8Array {
    checkKeyLength(length)
    const count = keys.byteLength / length
    if (!Number.isInteger(count) || count === 0) throw new Error('wrapBatch: keys must be whole keys of the given length')
    const n = length >>> 3
    const stride = length + 8
    const out = new Uint8Array(count * stride)
    // A of each key lives in the first half of its input block; R[1..n] in `out` after its 8-byte A slot.
    const input = new Uint8Array(count * 16)
    // The state is moved in 32-bit words, not bytes: 6 word moves per key and step instead of 24 byte moves (the
    // batch's JS share, about 1.7 µs per key on Node 20, was most of what batching left). Every offset is a multiple
    // of 4 (`out` and `input` are new arrays, `stride` a multiple of 8); an ECB output that is not 4-aligned is
    // read through an aligned copy. `t` is XORed into bytes 4..7 big-endian: swapped once on little-endian hosts.
    const out32 = new Uint32Array(out.buffer, 0, out.byteLength >>> 2)
    const in32 = new Uint32Array(input.buffer, 0, input.byteLength >>> 2)
    const stride32 = stride >>> 2
    let blocks: Buffer | undefined
    let aligned: Uint8Array | undefined
    try {
      for (let k = 0; k < count; k++) {
        in32[k * 4] = IV_WORD
        in32[k * 4 + 1] = IV_WORD
        out.set(keys.subarray(k * length, (k + 1) * length), k * stride + 8)
      }
      for (let j = 0; j < 6; j++) {
        for (let i = 1; i <= n; i++) {
          for (let k = 0; k < count; k++) {
            const r = k * stride32 + 2 * i
            in32[k * 4 + 2] = out32[r] as number
            in32[k * 4 + 3] = out32[r + 1] as number
          }
          blocks = this.#ecbBlocks(false, input)
          aligned ??= (blocks.byteOffset & 3) === 0 ? undefined : new Uint8Array(input.byteLength)
          const b32 = wordsOf(blocks, aligned)
          const t = n * j + i
          const tWord = LITTLE_ENDIAN ? byteSwap32(t) : t
          for (let k = 0; k < count; k++) {
            const p = k * 4
            const r = k * stride32 + 2 * i
            in32[p] = b32[p] as number
            in32[p + 1] = ((b32[p + 1] as number) ^ tWord) >>> 0
            out32[r] = b32[p + 2] as number
            out32[r + 1] = b32[p + 3] as number
          }
          blocks.fill(0)
          blocks = undefined
        }
      }
      for (let k = 0; k < count; k++) {
        out32[k * stride32] = in32[k * 4] as number
        out32[k * stride32 + 1] = in32[k * 4 + 1] as number
      }
      return out
    } catch (cause) {
      out.fill(0)
      throw cause
    } finally {
      blocks?.fill(0)
      aligned?.fill(0)
      input.fill(0)
    }
  }

  /**
   * Unwraps many wrapped keys of `length + 8` bytes each at once, as {@link AesKeyWrap.wrapBatch} wraps them: RFC
   * 3394 section 2.2.2 driven from here, each of the 6·n steps one AES block per key, the blocks of all keys one
   * `update()` of a persistent `aes-<bits>-ecb` decryption context of the KEK. For the decrypt path of a batch of items
   * (`decryptItems`): Node 20's OpenSSL 3.0 unwraps `id-aes*-wrap` with its portable AES, about 6–7 µs per 32-byte
   * key even on a reused context, while 24 ECB calls over a batch of 32 cost about 1 µs per key.
   *
   * Returns, per input, its key as a `KeyObject` (the raw bytes wiped at once), or `undefined` where the batch cannot
   * vouch for it: a wrong length, an integrity check that fails (a tampered input or another KEK), or any failure of
   * the ECB context (then every entry is `undefined`). The caller takes the plain {@link AesKeyWrap.unwrap} for
   * those, which decides and reports exactly as before: this path never reports anything itself, so a failure of the
   * context can never look like a bad key. A key it returns is the one {@link AesKeyWrap.unwrap} gives (proved in
   * `crypto-aes-key-wrap.test.ts`). The integrity check compares all 8 bytes of A without an early exit.
   */
  unwrapBatch(wrapped: readonly Uint8Array[], length: number): (KeyObject | undefined)[] {
    const results: (KeyObject | undefined)[] = new Array<KeyObject | undefined>(wrapped.length).fill(undefined)
    if (!Number.isSafeInteger(length) || length < 16 || length % 8 !== 0) return results
    const picked: number[] = []
    for (let k = 0; k < wrapped.length; k++) {
      const one = wrapped[k]
      if (one instanceof Uint8Array && one.byteLength === length + 8) picked.push(k)
    }
    const count = picked.length
    if (count === 0) return results
    const n = length >>> 3
    const stride = length + 8
    // Each key's A ‖ R[1..n], end to end; R[i] is read into and written back from its input block every step.
    const state = new Uint8Array(count * stride)
    const input = new Uint8Array(count * 16)
    const state32 = new Uint32Array(state.buffer, 0, state.byteLength >>> 2)
    const in32 = new Uint32Array(input.buffer, 0, input.byteLength >>> 2)
    const stride32 = stride >>> 2
    let blocks: Buffer | undefined
    let aligned: Uint8Array | undefined
    try {
      for (let k = 0; k < count; k++) state.set(wrapped[picked[k] as number] as Uint8Array, k * stride)
      for (let j = 5; j >= 0; j--) {
        for (let i = n; i >= 1; i--) {
          const t = n * j + i
          const tWord = LITTLE_ENDIAN ? byteSwap32(t) : t
          for (let k = 0; k < count; k++) {
            const a = k * stride32
            const r = a + 2 * i
            in32[k * 4] = state32[a] as number
            in32[k * 4 + 1] = ((state32[a + 1] as number) ^ tWord) >>> 0
            in32[k * 4 + 2] = state32[r] as number
            in32[k * 4 + 3] = state32[r + 1] as number
          }
          blocks = this.#ecbBlocks(true, input)
          aligned ??= (blocks.byteOffset & 3) === 0 ? undefined : new Uint8Array(input.byteLength)
          const b32 = wordsOf(blocks, aligned)
          for (let k = 0; k < count; k++) {
            const a = k * stride32
            const r = a + 2 * i
            state32[a] = b32[k * 4] as number
            state32[a + 1] = b32[k * 4 + 1] as number
            state32[r] = b32[k * 4 + 2] as number
            state32[r + 1] = b32[k * 4 + 3] as number
          }
          blocks.fill(0)
          blocks = undefined
        }
      }
      for (let k = 0; k < count; k++) {
        const a = k * stride
        let bad = 0
        for (let b = 0; b < 8; b++) bad |= (state[a + b] as number) ^ IV_BYTE
        if (bad === 0) results[picked[k] as number] = createSecretKey(state.subarray(a + 8, a + stride))
      }
      return results
    } catch {
      // Nothing is reported from here (see above): the plain path decides for every input.
      return results.fill(undefined)
    } finally {
      blocks?.fill(0)
      aligned?.fill(0)
      input.fill(0)
      state.fill(0)
    }
  }

  /**
   * One `update()` of whole blocks on the persistent ECB context of one direction (built on first use, dropped if it
   * throws): `wrapBatch` encrypts, `unwrapBatch` decrypts.
   */
  #ecbBlocks(decrypt: boolean, input: Uint8Array): Buffer {
    try {
      const context = decrypt
        ? (this.#ecbDecrypt ??= createDecipheriv(this.#ecbName, this.#kek, null).setAutoPadding(false))
        : (this.#ecb ??= createCipheriv(this.#ecbName, this.#kek, null).setAutoPadding(false))
      const blocks = context.update(input)
      if (blocks.byteLength !== input.byteLength) {
        blocks.fill(0)
        throw new Error('the ECB context returned an unexpected length')
      }
      return blocks
    } catch (cause) {
      if (decrypt) this.#ecbDecrypt = undefined
      else this.#ecb = undefined
      throw cause
    }
  }

  /**
   * Reverses {@link AesKeyWrap.wrap}; an integrity failure (wrong KEK, tampered input) or a malformed length is
   * `UnwrappingError('Key unwrap failed')` with the detail in `cause`. The caller wipes the returned key bytes.
   *
   * Where this Node's OpenSSL lets one unwrap context run several unwraps ({@link unwrapContextReusable}: Node 20's
   * OpenSSL 3.0 does, Node 26's refuses a second update), one persistent context per KEK is used: about 7 µs per
   * item less than a fresh context (14.6 → 7.7 µs on Node 20), the wrapped materials provider's decrypt path. A
   * context whose unwrap failed is dropped, and the input is unwrapped again on a fresh native context (the plain
   * path) before any error is reported: a wrong KEK, a tampered or a malformed input gives exactly the plain path's
   * error, and a failure of the context itself never turns a valid key into an UnwrappingError.
   */
  unwrap(wrapped: Uint8Array): Uint8Array {
    if (wrapped.byteLength < 24 || wrapped.byteLength % 8 !== 0) {
      throw new UnwrappingError('Key unwrap failed', {
        cause: new Error('AESWrap output must be at least 24 bytes and a multiple of 8'),
      })
    }
    if (unwrapContextReusable(this.#cipherName)) {
      const reused = this.#unwrapper
      this.#unwrapper = undefined // put back only after a successful unwrap
      let body: Buffer | undefined
      try {
        const unwrapper = reused ?? createDecipheriv(this.#cipherName, this.#kek, DEFAULT_IV)
        body = unwrapper.update(wrapped)
        if (body.byteLength === wrapped.byteLength - 8) {
          this.#unwrapper = unwrapper
          // The key bytes are handed over in the cipher's own output array, not copied into a second one (one
          // ArrayBuffer and a copy less per item); the caller wipes them, as it wiped the copy before.
          const key = ownedBytes(body)
          body = undefined
          return key
        }
      } catch {
        // Not reported from here: the context may have failed for a reason of its own (a bad state after an earlier
        // failure, a native fault), and an outage must never look like a bad key. The fresh path below decides.
      } finally {
        body?.fill(0)
      }
    }
    return this.#unwrapFresh(wrapped)
  }

  /**
   * One unwrap on a fresh native context, finished with `final()`: the plain path, and the one retry after any
   * failure on the persistent context, so a wrong KEK or a tampered input gives exactly this error and a valid input
   * unwraps whatever happened to the persistent context before.
   */
  #unwrapFresh(wrapped: Uint8Array): Uint8Array {
    let body: Buffer | undefined
    try {
      const unwrapper = createDecipheriv(this.#cipherName, this.#kek, DEFAULT_IV)
      body = Buffer.concat([unwrapper.update(wrapped), unwrapper.final()])
      if (body.byteLength !== wrapped.byteLength - 8) throw new Error('the unwrap context returned an unexpected length')
      return new Uint8Array(body)
    } catch (cause) {
      throw new UnwrappingError('Key unwrap failed', { cause })
    } finally {
      body?.fill(0)
    }
  }
}

/** Per wrap cipher name: whether one unwrap context gives the right bytes unwrap after unwrap (probed once). */
const reusable = new Map<string, boolean>()

/**
 * Whether this Node's OpenSSL runs several unwraps on one `id-aes*-wrap` decipher context correctly. Probed once
 * per cipher name on a throwaway KEK: three different RFC 3394 wraps in a row, a tampered one among them, each
 * `update()` of the same context must give the right key or (for the tampered one) throw, and the context must
 * still unwrap correctly after that. Anything else, a throw included (Node 26: "Trying to add data in unsupported
 * state"), means no: a fresh context per unwrap.
 * @internal
 */
export function unwrapContextReusable(cipherName: string): boolean {
  let answer = reusable.get(cipherName)
  if (answer === undefined) {
    answer = probeUnwrapReuse(cipherName)
    reusable.set(cipherName, answer)
  }
  return answer
}

function probeUnwrapReuse(cipherName: string): boolean {
  try {
    const kekBytes = Number(/^id-aes(\d+)-wrap$/.exec(cipherName)?.[1] ?? 0) / 8
    const kek = createSecretKey(randomBytes(kekBytes))
    const keys = [randomBytes(32), randomBytes(16), randomBytes(24)]
    const wrapped = keys.map((key) => {
      const wrapper = createCipheriv(cipherName, kek, DEFAULT_IV)
      return Buffer.concat([wrapper.update(key), wrapper.final()])
    })
    const tampered = Buffer.from(wrapped[0] as Buffer)
    tampered[9] = (tampered[9] as number) ^ 1
    const context: Decipher = createDecipheriv(cipherName, kek, DEFAULT_IV)
    const same = (a: Buffer, b: Buffer): boolean => a.byteLength === b.byteLength && a.equals(b)
    if (!same(context.update(wrapped[0] as Buffer), keys[0] as Buffer)) return false
    if (!same(context.update(wrapped[1] as Buffer), keys[1] as Buffer)) return false
    let refused = false
    try {
      context.update(tampered)
    } catch {
      refused = true
    }
    if (!refused) return false
    // The real path drops a context after a failure; the probe still asks for the right bytes after one.
    return same(context.update(wrapped[2] as Buffer), keys[2] as Buffer)
  } catch {
    return false
  }
}

/**
 * The bytes of a Buffer from node:crypto as a plain `Uint8Array` over the same memory when the Buffer owns its
 * ArrayBuffer (cipher output does), so wiping the result wipes them; otherwise (a slice of Node's shared pool, whose
 * `.buffer` would expose unrelated memory) a copy, and the Buffer is wiped.
 */
function ownedBytes(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) return new Uint8Array(buffer.buffer, 0, buffer.byteLength)
  const copy = new Uint8Array(buffer)
  buffer.fill(0)
  return copy
}

function checkKeyLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 16 || length % 8 !== 0) {
    throw new WrappingError('AESWrap needs a key of at least 16 bytes whose length is a multiple of 8')
  }
}
