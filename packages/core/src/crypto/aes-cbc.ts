import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto'
import { DecryptionError, EncryptionError } from '../errors'
import { writeRandomIv } from './random'

const BLOCK = 16

/**
 * AES-CBC with PKCS#5/#7 padding and a fresh random 16-byte IV; returns `IV ‖ ciphertext` (FORMAT.md 4.2).
 * `cipherName` is the Node cipher for the key length (`aes-128-cbc` ...), chosen once per key.
 * @internal
 */
export function aesCbcEncrypt(cipherName: string, key: KeyObject, plaintext: Uint8Array): Uint8Array {
  try {
    // One allocation that owns its ArrayBuffer: IV ‖ ciphertext (PKCS#7 always adds 1..16 bytes).
    const out = new Uint8Array(BLOCK + (plaintext.byteLength - (plaintext.byteLength % BLOCK)) + BLOCK)
    writeRandomIv(out, 0)
    const cipher = createCipheriv(cipherName, key, out.subarray(0, BLOCK))
    const body = cipher.update(plaintext)
    const last = cipher.final()
    out.set(body, BLOCK)
    out.set(last, BLOCK + body.byteLength)
    return out
  } catch (cause) {
    throw new EncryptionError('Encryption failed', { cause })
  }
}

/**
 * Reverses {@link aesCbcEncrypt} (FORMAT.md 4.3). Every failure (too short, not a block multiple, wrong key, bad
 * padding) is the same `DecryptionError('Decryption failed')` with the detail in `cause`. The caller verifies the
 * item signature before decrypting, so the padding check is not an oracle.
 * @internal
 */
export function aesCbcDecrypt(cipherName: string, key: KeyObject, data: Uint8Array): Uint8Array {
  if (data.byteLength < 2 * BLOCK || data.byteLength % BLOCK !== 0) {
    throw new DecryptionError('Decryption failed', {
      cause: new Error('ciphertext must be a 16-byte IV followed by a positive multiple of 16 bytes'),
    })
  }
  try {
    const decipher = createDecipheriv(cipherName, key, data.subarray(0, BLOCK))
    const body = decipher.update(data.subarray(BLOCK))
    const last = decipher.final()
    const out = new Uint8Array(body.byteLength + last.byteLength)
    out.set(body, 0)
    out.set(last, body.byteLength)
    return out
  } catch (cause) {
    throw new DecryptionError('Decryption failed', { cause })
  }
}
