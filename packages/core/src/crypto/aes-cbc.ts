import { createCipheriv, createDecipheriv, type Cipher, type Decipher, type KeyObject } from 'node:crypto'
import { DecryptionError, EncryptionError } from '../errors'
import { toBytes } from './bytes'
import { writeRandomIv } from './random'

const BLOCK = 16
const ZERO_IV = new Uint8Array(BLOCK)

/**
 * Padding scratch shared by every key: the padded plaintext is assembled here right before one synchronous native
 * call and wiped right after, so no serialized plaintext stays in memory. Grown on demand, dropped when huge.
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

/**
 * AES-CBC with PKCS#5/#7 padding under one key (FORMAT.md 4.2, 4.3), without creating a Node cipher per attribute.
 *
 * `createCipheriv` + `update` + `final` costs about 4 µs per attribute, mostly in key setup. Instead this holds one
 * persistent `aes-<bits>-cbc` Cipher and one Decipher per key, created on first use with padding disabled, and
 * feeds each attribute to them with a single `update()` of whole blocks (so OpenSSL never buffers a partial block
 * or holds one back, and `final()` is never called). A CBC context chains from the last ciphertext block it
 * processed, `S`; this class tracks `S` in JavaScript and cancels it on the first block of the next attribute:
 *
 * - encrypt: CBC computes `C_1 = E(X_1 ⊕ S)`; feeding `X_1 = P_1 ⊕ IV ⊕ S` gives `E(P_1 ⊕ IV)`, exactly the CBC
 *   of this attribute under its own IV. Later blocks chain from `C_1` as usual. Then `S = C_n`.
 * - decrypt: CBC computes `D(C_1) ⊕ S`; XORing `S ⊕ IV` into the first output block gives `P_1 = D(C_1) ⊕ IV`.
 *   Later blocks chain from `C_1` as usual. Then `S = C_n`.
 *
 * `S` is always a ciphertext block already handed out (or read from a stored item), so tracking it reveals
 * nothing, and the bytes are exactly those of a fresh CBC context with the attribute's IV (proved against Node's
 * `createCipheriv` / `createDecipheriv` in `perf-equivalence.test.ts`). Every use of the shared contexts is one
 * synchronous call, so concurrent `encrypt` / `decrypt` promises cannot interleave inside them. If a native call
 * ever throws, the context is dropped and rebuilt on next use, so `S` can never go stale.
 *
 * @internal
 */
export class AesCbc {
  readonly #cipherName: string
  readonly #key: KeyObject
  #encryptor: Cipher | undefined
  /** Chaining value of {@link AesCbc.#encryptor}: the last ciphertext block it produced. */
  readonly #encryptState = new Uint8Array(BLOCK)
  #decryptor: Decipher | undefined
  /** Chaining value of {@link AesCbc.#decryptor}: the last ciphertext block it consumed. */
  readonly #decryptState = new Uint8Array(BLOCK)

  /** `cipherName` is the Node CBC cipher for the key length (`aes-128-cbc`, `aes-192-cbc`, `aes-256-cbc`). */
  constructor(cipherName: string, key: KeyObject) {
    this.#cipherName = cipherName
    this.#key = key
  }

  /** Encrypts under a fresh random IV and returns `IV ‖ ciphertext` (FORMAT.md 4.2). */
  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.#encrypt(undefined, plaintext)
  }

  /**
   * Encrypts under the given IV and returns `IV ‖ ciphertext`. Only for tests that compare the bytes with a
   * reference implementation: production code must use {@link AesCbc.encrypt}, which draws a fresh IV.
   */
  encryptWithIv(iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!(iv instanceof Uint8Array) || iv.byteLength !== BLOCK) {
      throw new EncryptionError('Encryption failed', { cause: new Error('the IV must be 16 bytes') })
    }
    return this.#encrypt(iv, plaintext)
  }

  #encrypt(iv: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array {
    if (!(plaintext instanceof Uint8Array)) {
      throw new EncryptionError('Encryption failed', { cause: new TypeError('plaintext must be a Uint8Array') })
    }
    const length = plaintext.byteLength
    // PKCS#7 always adds 1..16 bytes, each equal to the number added.
    const padded = length - (length % BLOCK) + BLOCK
    const pad = padded - length
    // One allocation that owns its ArrayBuffer: IV ‖ ciphertext.
    const out = new Uint8Array(BLOCK + padded)
    if (iv === undefined) writeRandomIv(out, 0)
    else out.set(iv, 0)
    const input = scratchFor(padded)
    try {
      input.set(plaintext, 0)
      input.fill(pad, length, padded)
      const state = this.#encryptState
      for (let i = 0; i < BLOCK; i++) input[i] = (input[i] as number) ^ (out[i] as number) ^ (state[i] as number)
      this.#encryptor ??= createCipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      let body: Buffer
      try {
        body = this.#encryptor.update(input.subarray(0, padded))
        if (body.byteLength !== padded) throw new Error('the CBC context returned an unexpected length')
      } catch (cause) {
        // The chaining value is unknown now: start over with a fresh context next time.
        this.#encryptor = undefined
        state.fill(0)
        throw cause
      }
      out.set(body, BLOCK)
      state.set(body.subarray(padded - BLOCK, padded), 0)
      return out
    } catch (cause) {
      throw new EncryptionError('Encryption failed', { cause })
    } finally {
      releaseScratch(padded)
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
    const state = this.#decryptState
    let body: Buffer
    try {
      this.#decryptor ??= createDecipheriv(this.#cipherName, this.#key, ZERO_IV).setAutoPadding(false)
      body = this.#decryptor.update(data.subarray(BLOCK))
      if (body.byteLength !== total - BLOCK) throw new Error('the CBC context returned an unexpected length')
    } catch (cause) {
      this.#decryptor = undefined
      state.fill(0)
      throw new DecryptionError('Decryption failed', { cause })
    }
    // First block: D(C_1) ⊕ S ⊕ S ⊕ IV = D(C_1) ⊕ IV. Then remember the new chaining value, C_n.
    for (let i = 0; i < BLOCK; i++) body[i] = (body[i] as number) ^ (state[i] as number) ^ (data[i] as number)
    state.set(data.subarray(total - BLOCK, total), 0)

    // PKCS#7 check over the whole last block without an early exit. This is not a padding oracle anyway: the
    // encryptor verifies the item signature, which covers the ciphertext, before it decrypts any attribute
    // (FORMAT.md 4.3), so a tampered ciphertext never gets here.
    const length = body.byteLength
    const pad = body[length - 1] as number
    let bad = ((pad - 1) >>> 31) | ((BLOCK - pad) >>> 31) // pad < 1 or pad > 16
    for (let i = 1; i <= BLOCK; i++) {
      const inPad = (i - pad - 1) >>> 31 // 1 when i <= pad
      bad |= inPad * ((body[length - i] as number) ^ pad)
    }
    if (bad !== 0) {
      body.fill(0)
      throw new DecryptionError('Decryption failed', { cause: new Error('invalid PKCS#7 padding') })
    }
    return toBytes(body).subarray(0, length - pad)
  }
}
