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
  /**
   * Chaining value of {@link AesCbc.#encryptor} (the last ciphertext block it produced), needed only by
   * {@link AesCbc.encryptWithIv}, which must cancel it to use a caller-chosen IV.
   */
  readonly #encryptState = new Uint8Array(BLOCK)
  #decryptor: Decipher | undefined

  /** `cipherName` is the Node CBC cipher for the key length (`aes-128-cbc`, `aes-192-cbc`, `aes-256-cbc`). */
  constructor(cipherName: string, key: KeyObject) {
    this.#cipherName = cipherName
    this.#key = key
  }

  /** Encrypts under a fresh random IV and returns `IV ‖ ciphertext` (FORMAT.md 4.2). */
  encrypt(plaintext: Uint8Array): Uint8Array {
    const padded = paddedLength(plaintext)
    const input = scratchFor(BLOCK + padded)
    try {
      writeRandomIv(input, 0) // R; the IV is E(R ⊕ S)
      pad(input, BLOCK, plaintext, padded)
      const body = this.#runEncryptor(input, BLOCK + padded)
      return plainView(body, 0, BLOCK + padded)
    } catch (cause) {
      throw new EncryptionError('Encryption failed', { cause })
    } finally {
      releaseScratch(BLOCK + padded)
    }
  }

  /**
   * Encrypts under the given IV and returns `IV ‖ ciphertext`. Only for tests that compare the bytes with a
   * reference implementation: production code must use {@link AesCbc.encrypt}, which draws a fresh IV. Runs on the
   * same persistent context: the first block is fed as `P_1 ⊕ IV ⊕ S`, so that CBC's `E(· ⊕ S)` gives `E(P_1 ⊕ IV)`.
   */
  encryptWithIv(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!(iv instanceof Uint8Array) || iv.byteLength !== BLOCK) {
      throw new EncryptionError('Encryption failed', { cause: new Error('the IV must be 16 bytes') })
    }
    const padded = paddedLength(plaintext)
    const input = scratchFor(padded)
    try {
      pad(input, 0, plaintext, padded)
      const state = this.#encryptState
      for (let i = 0; i < BLOCK; i++) input[i] = (input[i] as number) ^ (iv[i] as number) ^ (state[i] as number)
      const body = this.#runEncryptor(input, padded)
      const out = new Uint8Array(BLOCK + padded)
      out.set(iv, 0)
      out.set(body, BLOCK)
      return out
    } catch (cause) {
      throw new EncryptionError('Encryption failed', { cause })
    } finally {
      releaseScratch(padded)
    }
  }

  /** One `update()` of `length` block-aligned bytes of `input`; keeps track of the chaining value. */
  #runEncryptor(input: Uint8Array, length: number): Buffer {
    try {
      this.#encryptor ??= createCipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      const body = this.#encryptor.update(input.subarray(0, length))
      if (body.byteLength !== length) throw new Error('the CBC context returned an unexpected length')
      // A 16-byte loop: a Buffer view (subarray) costs more than the copy.
      const state = this.#encryptState
      for (let i = 0; i < BLOCK; i++) state[i] = body[length - BLOCK + i] as number
      return body
    } catch (cause) {
      // The chaining value is unknown now: start over with a fresh context next time.
      this.#encryptor = undefined
      this.#encryptState.fill(0)
      throw cause
    }
  }

  /**
   * Reverses {@link AesCbc.encrypt} (FORMAT.md 4.3). Every failure (too short, not a block multiple, wrong key,
   * bad padding) is the same `DecryptionError('Decryption failed')` with the detail in `cause`.
   */
  decrypt(data: Uint8Array): Uint8Array {
    if (!(data instanceof Uint8Array) || data.byteLength < 2 * BLOCK || data.byteLength % BLOCK !== 0) {
      throw new DecryptionError('Decryption failed', {
        cause: new Error('ciphertext must be a 16-byte IV followed by a positive multiple of 16 bytes'),
      })
    }
    const total = data.byteLength
    let body: Buffer
    try {
      this.#decryptor ??= createDecipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      // IV ‖ C_1 … C_n as one input: block 0 absorbs the chaining value left by the previous call.
      body = this.#decryptor.update(data)
      if (body.byteLength !== total) throw new Error('the CBC context returned an unexpected length')
    } catch (cause) {
      this.#decryptor = undefined
      throw new DecryptionError('Decryption failed', { cause })
    }
    body.fill(0, 0, BLOCK) // D(IV) ⊕ S: not part of the plaintext

    // PKCS#7 check over the whole last block without an early exit. This is not a padding oracle anyway: the
    // encryptor verifies the item signature, which covers the ciphertext, before it decrypts any attribute
    // (FORMAT.md 4.3), so a tampered ciphertext never gets here.
    const padLength = body[total - 1] as number
    let bad = ((padLength - 1) >>> 31) | ((BLOCK - padLength) >>> 31) // padLength < 1 or > 16
    for (let i = 1; i <= BLOCK; i++) {
      const inPad = (i - padLength - 1) >>> 31 // 1 when i <= padLength
      bad |= inPad * ((body[total - i] as number) ^ padLength)
    }
    if (bad !== 0) {
      body.fill(0)
      throw new DecryptionError('Decryption failed', { cause: new Error('invalid PKCS#7 padding') })
    }
    return plainView(body, BLOCK, total - BLOCK - padLength)
  }
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
