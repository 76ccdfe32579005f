import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto'
import { toBytes } from './bytes'

/**
 * Raw RSA (RSADP, RFC 8017 5.1.2) on a ciphertext of exactly `k` bytes (the modulus length). Returns the
 * `k`-byte encoded message, or `undefined` if the length is wrong or the integer is out of range. OpenSSL blinds
 * the private-key operation; padding is checked by the caller in constant time.
 * @internal
 */
export function rsaRawDecrypt(privateKey: KeyObject, k: number, ciphertext: Uint8Array): Buffer | undefined {
  // Node left-pads short inputs; a ciphertext of the wrong length is malformed, so refuse it here.
  if (ciphertext.byteLength !== k) return undefined
  try {
    const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext)
    return em.byteLength === k ? em : undefined
  } catch {
    return undefined
  }
}

/**
 * Raw RSA (RSAEP, RFC 8017 5.1.1) on an encoded message of exactly `k` bytes whose first byte is 0.
 * @internal
 */
export function rsaRawEncrypt(publicKey: KeyObject, encodedMessage: Uint8Array): Uint8Array {
  const out = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, encodedMessage)
  return toBytes(out)
}

/**
 * 1 if `x === 0`, else 0, for 0 <= x < 2^31, without branches (constant-time helpers return 1 or 0).
 * @internal
 */
export function ctIsZero(x: number): number {
  return ((x - 1) >>> 31) & 1
}
/** 1 if `a === b`, else 0, without branches. @internal */
export function ctEqual(a: number, b: number): number {
  return ctIsZero(a ^ b)
}
/** 1 if `a < b`, else 0, for 0 <= a, b < 2^31, without branches. @internal */
export function ctLessThan(a: number, b: number): number {
  return ((a - b) >>> 31) & 1
}
