import { createCipheriv, createDecipheriv, type Cipher, type Decipher, type KeyObject } from 'node:crypto'
import { DecryptionError, EncryptionError } from '../errors'
import { writeRandomIv } from './random'

const BLOCK = 16
const ZERO_IV = new Uint8Array(BLOCK)

/**
 * Input scratch shared by every key: the block-aligned input of one native call is assembled here right before
 * the (synchronous) call and wiped right after, so no serialized plaintext stays in memory. Grown on demand,
 * dropped when huge.
 */
let scratch = new Uint8Array(2048)
const MAX_RETAINED_SCRATCH = 1 << 20

function scratchFor(length: number): Uint8Array {
  if (scratch.length < length) {
    let capacity = scratch.length * 2
    while (capacity < length) capacity *= 2
    scratch = new Uint8Array(capacity)
  }
  return scratch
}

function releaseScratch(used: number): void {
  scratch.fill(0, 0, used)
  if (scratch.length > MAX_RETAINED_SCRATCH) scratch = new Uint8Array(2048)
}

/** A plain `Uint8Array` view of `length` bytes of a Buffer from node:crypto at `offset`, copied only if pooled. */
function plainView(buffer: Buffer, offset: number, length: number): Uint8Array {
  // Cipher output owns its ArrayBuffer; a slice of Node's shared pool would expose unrelated memory via `.buffer`.
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) {
    return new Uint8Array(buffer.buffer, offset, length)
  }
  return new Uint8Array(buffer.subarray(offset, offset + length))
}

/**
 * Plaintext that outlives {@link AesCbc.decryptBatch}: `B` (and `BS` member) values of more than 64 bytes are handed
 * to the caller as views of the batch's decrypted output instead of copies. Such a copy is an ArrayBuffer of its own,
 * outside the V8 heap, which costs about 1.5-2 µs to allocate and collect (measured, Node 20: `slice` of 200 bytes
 * 1.4-2.4 µs against 0.05 µs for a view; with the benchmark item's 200-byte `avatar`, static decryptItem went from
 * 23.7-24.5 to 22.9-23.4 µs CPU per item, min of 60 in-process interleaved samples, 3 runs). 64 bytes and less are
 * copied: V8 keeps those on its heap, cheaply.
 *
 * The output array holds nothing but the plaintexts of one item's attributes (one call of the item encryptor).
 * When `use` returns, every byte of it outside the kept ranges is wiped, so it then holds only the item's own large
 * binary values, each also reachable from the result. If `use` throws, everything is wiped.
 */
let keeping: { readonly buffer: ArrayBufferLike; readonly ranges: number[] } | undefined

/**
 * A view of `length` bytes of `plaintext` at `start` that the caller may keep, or `undefined` (copy them instead)
 * unless `plaintext` is one of the plaintexts the running {@link AesCbc.decryptBatch} passed to its `use`.
 * @internal
 */
export function keptPlaintext(plaintext: Uint8Array, start: number, length: number): Uint8Array | undefined {
  if (keeping === undefined || plaintext.buffer !== keeping.buffer) return undefined
  const offset = plaintext.byteOffset + start
  keeping.ranges.push(offset, offset + length)
  return new Uint8Array(plaintext.buffer, offset, length)
}

/** Zeroes `bytes` except the `[start, end)` pairs of `kept` (offsets in the buffer of `bytes`). */
function wipeExcept(bytes: Uint8Array, kept: readonly number[] | undefined): void {
  if (kept === undefined || kept.length === 0) {
    bytes.fill(0)
    return
  }
  const ranges = sortedRanges(kept)
  const base = bytes.byteOffset
  let from = 0
  for (let i = 0; i < ranges.length; i += 2) {
    const start = (ranges[i] as number) - base
    if (start > from) bytes.fill(0, from, start)
    from = Math.max(from, (ranges[i + 1] as number) - base)
  }
  if (from < bytes.length) bytes.fill(0, from)
}

/** The pairs in increasing order of start (already so when the plaintexts are parsed in order). */
function sortedRanges(kept: readonly number[]): readonly number[] {
  let sorted = true
  for (let i = 2; i < kept.length; i += 2) if ((kept[i] as number) < (kept[i - 2] as number)) sorted = false
  if (sorted) return kept
  const pairs: [number, number][] = []
  for (let i = 0; i < kept.length; i += 2) pairs.push([kept[i] as number, kept[i + 1] as number])
  pairs.sort((a, b) => a[0] - b[0])
  return pairs.flat()
}

/**
 * AES-CBC with PKCS#5/#7 padding under one key (FORMAT.md 4.2, 4.3), without creating a Node cipher per attribute.
 *
 * `createCipheriv` + `update` + `final` costs several µs per attribute, mostly in context and key setup. Instead
 * this holds one persistent `aes-<bits>-cbc` Cipher and one Decipher per key, created on first use with padding
 * disabled (PKCS#7 is done here), and runs each attribute through them with a single `update()` of whole blocks, so
 * OpenSSL never buffers a partial block or holds one back, and `final()` is never called. A CBC context chains
 * from the last ciphertext block it processed, `S`. Each call starts with one extra block that absorbs `S`:
 *
 * - decrypt (4.3): the input is the stored `IV ‖ C_1 … C_n` itself. Output block 0 is `D(IV) ⊕ S`, discarded
 *   (zeroed); output block i ≥ 1 is `D(C_i) ⊕ C_(i-1)` with `C_0 = IV`: exactly the CBC plaintext under the
 *   attribute's IV, whatever `S` was.
 * - encrypt (4.2): the input is `R ‖ P_1 … P_n` with `R` 16 fresh CSPRNG bytes (the IV pool). Output block 0,
 *   `E(R ⊕ S)`, becomes the IV, and block i ≥ 1 is `E(P_i ⊕ C_(i-1))` with `C_0 = IV`: exactly the CBC ciphertext
 *   under that IV, and the output Buffer is already `IV ‖ ciphertext`. Since `R` is uniform and independent of
 *   `S`, and AES is a permutation, the IV is uniform and unpredictable without the key; this is the IV generation
 *   NIST SP 800-38A Appendix C recommends (the forward cipher, under the same key, applied to a nonce).
 *
 * Since each attribute's first block absorbs whatever came before, several attributes can go through in one call by
 * concatenating these inputs ({@link AesCbc.encryptBatch}, {@link AesCbc.decryptBatch}: one native call per item).
 *
 * Given its IV, CBC is a bijection, so the bytes are exactly those of a fresh context (proved against Node's
 * `createCipheriv` / `createDecipheriv` in `perf-equivalence.test.ts`). Every use of the shared contexts is one
 * synchronous call, so concurrent `encrypt` / `decrypt` promises cannot interleave inside them. If a native call
 * ever throws, the context is dropped and rebuilt on next use.
 *
 * @internal
 */
export class AesCbc {
  readonly #cipherName: string
  readonly #key: KeyObject
  #encryptor: Cipher | undefined
  #decryptor: Decipher | undefined

  /** `cipherName` is the Node CBC cipher for the key length (`aes-128-cbc`, `aes-192-cbc`, `aes-256-cbc`). */
  constructor(cipherName: string, key: KeyObject) {
    this.#cipherName = cipherName
    this.#key = key
  }

  /** Encrypts under a fresh random IV and returns `IV ‖ ciphertext` (FORMAT.md 4.2). */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.encryptBatch([plaintext])[0] as Uint8Array
  }

  /**
   * Encrypts each plaintext under its own fresh IV, like {@link AesCbc.encrypt} for each, with one native call for
   * all of them: the input is `R_1 ‖ pad(P_1) ‖ R_2 ‖ pad(P_2) ‖ …`. Each `R_j` block becomes the IV
   * `E(R_j ⊕ previous block)`, uniform because `R_j` is fresh (see the class comment), and the blocks after it the CBC
   * ciphertext under that IV. Returns `IV_j ‖ ciphertext_j` per plaintext, as views into one output array that
   * holds only these ciphertexts (public values, all written for the same caller).
   */
  encryptBatch(plaintexts: readonly Uint8Array[]): Uint8Array[] {
    if (plaintexts.length === 0) return []
    let total = 0
    for (const plaintext of plaintexts) total += BLOCK + paddedLength(plaintext)
    const input = scratchFor(total)
    try {
      let offset = 0
      for (const plaintext of plaintexts) {
        const padded = paddedLength(plaintext)
        writeRandomIv(input, offset) // R_j
        pad(input, offset + BLOCK, plaintext, padded)
        offset += BLOCK + padded
      }
      const body = this.#runEncryptor(input, total)
      const { buffer, byteOffset } = owned(body)
      const out: Uint8Array[] = new Array<Uint8Array>(plaintexts.length)
      offset = 0
      for (let i = 0; i < plaintexts.length; i++) {
        const length = BLOCK + paddedLength(plaintexts[i] as Uint8Array)
        out[i] = new Uint8Array(buffer, byteOffset + offset, length)
        offset += length
      }
      return out
    } catch (cause) {
      throw new EncryptionError('Encryption failed', { cause })
    } finally {
      releaseScratch(total)
    }
  }

  /**
   * {@link AesCbc.encryptBatch} of plaintexts the caller already laid out as its native input (see
   * {@link cbcPadding}): `input` is `slot_1 ‖ pad(P_1) ‖ slot_2 ‖ pad(P_2) ‖ …`, each slot 16 bytes (any content:
   * they are overwritten here with the fresh `R_j`) and `segments[j]` the length of `slot_j ‖ pad(P_j)`. The same
   * output as `encryptBatch([P_1, P_2, …])` for the same random bytes (proved in `perf-equivalence.test.ts`), without
   * copying the plaintexts into the scratch input: the item encryptor serializes straight into this layout. `input`
   * is the caller's memory, which the caller wipes. Refuses (EncryptionError) a layout whose lengths do not add up.
   */
  encryptLaidOut(input: Uint8Array, segments: readonly number[]): Uint8Array[] {
    const count = segments.length
    if (count === 0) return []
    let total = 0
    for (let i = 0; i < count; i++) {
      const length = segments[i] as number
      if (!isCiphertextLength(length)) throw badLayout('each segment must be a 16-byte slot and a positive multiple of 16 bytes')
      total += length
    }
    if (total !== input.length) throw badLayout('the segments do not add up to the input')
    try {
      for (let i = 0, offset = 0; i < count; i++) {
        writeRandomIv(input, offset) // R_j
        offset += segments[i] as number
      }
      const body = this.#runEncryptor(input, total)
      const { buffer, byteOffset } = owned(body)
      const out: Uint8Array[] = new Array<Uint8Array>(count)
      for (let i = 0, offset = 0; i < count; i++) {
        const length = segments[i] as number
        out[i] = new Uint8Array(buffer, byteOffset + offset, length)
        offset += length
      }
      return out
    } catch (cause) {
      throw new EncryptionError('Encryption failed', { cause })
    }
  }

  /** One `update()` of `length` block-aligned bytes of `input` on the persistent encryption context. */
  #runEncryptor(input: Uint8Array, length: number): Buffer {
    try {
      this.#encryptor ??= createCipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      const body = this.#encryptor.update(input.subarray(0, length))
      if (body.byteLength !== length) throw new Error('the CBC context returned an unexpected length')
      return body
    } catch (cause) {
      // Start over with a fresh context next time.
      this.#encryptor = undefined
      throw cause
    }
  }

  /**
   * Reverses {@link AesCbc.encrypt} (FORMAT.md 4.3). Every failure (too short, not a block multiple, wrong key,
   * bad padding) is the same `DecryptionError('Decryption failed')` with the detail in `cause`.
   */
  decrypt(data: Uint8Array): Uint8Array {
    const problem = checkCiphertext(data)
    if (problem !== undefined) throw problem
    const body = this.#runDecryptor(data, data.byteLength)
    body.fill(0, 0, BLOCK) // D(IV) ⊕ previous block: not part of the plaintext, and the result keeps this buffer
    const result = unpad(body, 0, data.byteLength)
    if (result instanceof DecryptionError) {
      body.fill(0)
      throw result
    }
    return plainView(body, BLOCK, result)
  }

  /**
   * Decrypts several `IV ‖ ciphertext` blobs with one native call (their concatenation: each IV block absorbs the
   * previous blob's last block, see the class comment) and passes `use` the plaintext of each, or the
   * `DecryptionError` that {@link AesCbc.decrypt} would have thrown for it. The plaintexts are views into one
   * temporary array that is wiped when `use` returns: never keep them, except through {@link keptPlaintext} (the
   * ranges `use` keeps that way survive the wipe when `use` returns normally; if it throws, everything is wiped).
   */
  decryptBatch<T>(blobs: readonly Uint8Array[], use: (plaintexts: Array<Uint8Array | DecryptionError>) => T): T {
    const count = blobs.length
    const results: Array<Uint8Array | DecryptionError> = new Array<Uint8Array | DecryptionError>(count)
    // Each blob's length is read once, as `length` (equal to `byteLength` for a Uint8Array, and what the string to
    // sign's writer reads): on Node 20 `byteLength` is a call of about 28 ns where `length` is a field load of about
    // 3 ns (measured), and the blobs' lengths were read five times each. 0 marks a refused blob.
    const lengths: number[] = new Array<number>(count)
    let total = 0
    for (let i = 0; i < count; i++) {
      const blob = blobs[i]
      const length = blob instanceof Uint8Array ? blob.length : -1
      if (isCiphertextLength(length)) {
        lengths[i] = length
        total += length
      } else {
        lengths[i] = 0
        results[i] = badCiphertext()
      }
    }
    if (total === 0) return use(results)
    const input = scratchFor(total)
    let body: Buffer | undefined
    let bytes: Uint8Array | undefined
    let bodyIsBytes = false
    const outer = keeping
    let kept: number[] | undefined
    try {
      let offset = 0
      for (let i = 0; i < count; i++) {
        const length = lengths[i] as number
        if (length === 0) continue
        input.set(blobs[i] as Uint8Array, offset)
        offset += length
      }
      body = this.#runDecryptor(input, total)
      // As `owned(body)`, reading each of the Buffer's getters once (`buffer` and `byteOffset` are calls of about
      // 20-40 ns on Node 20, measured): a Buffer that is a slice of Node's pool is copied into an array of its own.
      const bodyBuffer = body.buffer
      bodyIsBytes = body.byteOffset === 0 && bodyBuffer.byteLength === total
      const buffer = bodyIsBytes ? bodyBuffer : new Uint8Array(body).buffer
      const byteOffset = 0
      bytes = new Uint8Array(buffer, byteOffset, total)
      // Each blob's block 0 (its absorbed IV block) is left as it is: `use` sees only the plaintext views, and the
      // whole output is wiped below but for what `use` keeps (never a block 0). Saves a 16-byte fill per attribute.
      offset = 0
      for (let i = 0; i < count; i++) {
        const length = lengths[i] as number
        if (length === 0) continue
        const result = unpad(bytes, offset, length)
        results[i] = result instanceof DecryptionError ? result : new Uint8Array(buffer, byteOffset + offset + BLOCK, result)
        offset += length
      }
      keeping = { buffer, ranges: [] }
      const value = use(results)
      kept = keeping.ranges
      return value
    } finally {
      keeping = outer
      releaseScratch(total)
      if (bytes !== undefined) wipeExcept(bytes, kept)
      // `bytes` is `body` itself unless Node returned a pool slice (then `bytes` is a copy and `body` is wiped too).
      if (body !== undefined && !bodyIsBytes) body.fill(0)
    }
  }

  /** One `update()` of `length` block-aligned bytes of `input` on the persistent decryption context. */
  #runDecryptor(input: Uint8Array, length: number): Buffer {
    try {
      this.#decryptor ??= createDecipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      // The constructor rather than `subarray`, which looks up the species constructor on every call.
      const body = this.#decryptor.update(length === input.length ? input : new Uint8Array(input.buffer, input.byteOffset, length))
      if (body.length !== length) throw new Error('the CBC context returned an unexpected length')
      return body
    } catch (cause) {
      this.#decryptor = undefined
      throw new DecryptionError('Decryption failed', { cause })
    }
  }
}

/** The refusal for a blob that is not a 16-byte IV followed by a positive multiple of 16 bytes, if it is not. */
function checkCiphertext(data: Uint8Array): DecryptionError | undefined {
  return data instanceof Uint8Array && isCiphertextLength(data.byteLength) ? undefined : badCiphertext()
}

/** True for the length of a 16-byte IV followed by a positive multiple of 16 bytes. */
function isCiphertextLength(length: number): boolean {
  return length >= 2 * BLOCK && length % BLOCK === 0
}

/** The refusal of an input that is not laid out as {@link AesCbc.encryptLaidOut} requires. */
function badLayout(detail: string): EncryptionError {
  return new EncryptionError('Encryption failed', { cause: new Error(detail) })
}

function badCiphertext(): DecryptionError {
  return new DecryptionError('Decryption failed', {
    cause: new Error('ciphertext must be a 16-byte IV followed by a positive multiple of 16 bytes'),
  })
}

/**
 * Checks the PKCS#7 padding of the decrypted blob at `bytes[offset … offset + length)` (block 0 = the absorbed IV
 * block, which is not part of the plaintext: the callers wipe it) and returns the plaintext length, or the error.
 * The whole last block is checked without an early exit. This is not a padding oracle anyway: the encryptor verifies
 * the item signature, which covers the ciphertext, before it decrypts any attribute (FORMAT.md 4.3), so a tampered
 * ciphertext never gets here.
 */
function unpad(bytes: Uint8Array, offset: number, length: number): number | DecryptionError {
  const end = offset + length
  const padLength = bytes[end - 1] as number
  let bad = ((padLength - 1) >>> 31) | ((BLOCK - padLength) >>> 31) // padLength < 1 or > 16
  for (let i = 1; i <= BLOCK; i++) {
    const inPad = (i - padLength - 1) >>> 31 // 1 when i <= padLength
    bad |= inPad * ((bytes[end - i] as number) ^ padLength)
  }
  if (bad !== 0) return new DecryptionError('Decryption failed', { cause: new Error('invalid PKCS#7 padding') })
  return length - BLOCK - padLength
}

/** The ArrayBuffer and offset of a Buffer from node:crypto, copied into its own array if it is a pool slice. */
function owned(buffer: Buffer): { buffer: ArrayBufferLike; byteOffset: number } {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) return { buffer: buffer.buffer, byteOffset: 0 }
  return { buffer: new Uint8Array(buffer).buffer, byteOffset: 0 }
}

/** Length of `plaintext` after PKCS#7 padding: 1..16 bytes are always added. Checks the type. */
function paddedLength(plaintext: Uint8Array): number {
  if (!(plaintext instanceof Uint8Array)) {
    throw new EncryptionError('Encryption failed', { cause: new TypeError('plaintext must be a Uint8Array') })
  }
  const length = plaintext.byteLength
  return length - (length % BLOCK) + BLOCK
}

/** Writes `plaintext` and its PKCS#7 padding (each pad byte = the number of pad bytes) into `target` at `offset`. */
function pad(target: Uint8Array, offset: number, plaintext: Uint8Array, padded: number): void {
  const length = plaintext.byteLength
  target.set(plaintext, offset)
  target.fill(padded - length, offset + length, offset + padded)
}

/** The PKCS#7 padding of a plaintext of each length modulo 16: `PADDINGS[r]` is `16 - r` bytes of value `16 - r`. */
const PADDINGS: readonly Uint8Array[] = Array.from({ length: BLOCK }, (_, r) => new Uint8Array(BLOCK - r).fill(BLOCK - r))

/** The 16-byte slot that starts each segment of {@link AesCbc.encryptLaidOut}'s input (overwritten there). */
export const CBC_SLOT: Uint8Array = new Uint8Array(BLOCK)

/**
 * The PKCS#7 padding (FORMAT.md 4.2) that follows a plaintext of `length` bytes in {@link AesCbc.encryptLaidOut}'s
 * input: 1-16 bytes, each the number of pad bytes. Shared and constant: never write into it.
 * @internal
 */
export function cbcPadding(length: number): Uint8Array {
  return PADDINGS[length % BLOCK] as Uint8Array
}
