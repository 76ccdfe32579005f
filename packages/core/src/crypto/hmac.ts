import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto'
import { toBytes } from './bytes'
import type { HashName } from './jce-names'

/**
 * HMAC of `data` with `hash` (FORMAT.md 3.5).
 * @internal
 */
export function hmacSign(hash: HashName, key: KeyObject, data: Uint8Array): Uint8Array {
  return toBytes(createHmac(hash, key).update(data).digest())
}

/**
 * Recomputes the HMAC and compares it in constant time (`timingSafeEqual`, after a length check that reveals only
 * the public MAC length). Returns false for any mismatch; never throws for a bad signature.
 * @internal
 */
export function hmacVerify(hash: HashName, key: KeyObject, signature: Uint8Array, data: Uint8Array): boolean {
  const expected = createHmac(hash, key).update(data).digest()
  if (signature.byteLength !== expected.byteLength) return false
  return timingSafeEqual(expected, signature)
}
