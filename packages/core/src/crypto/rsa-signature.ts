import { constants, sign, verify, type KeyObject } from 'node:crypto'
import { toBytes } from './bytes'
import type { HashName } from './jce-names'

/**
 * RSASSA-PKCS1-v1_5 signature with `hash` (`SHA256withRSA` etc., FORMAT.md 3.5). `key` is a private key.
 * @internal
 */
export function rsaSign(hash: HashName, key: KeyObject, data: Uint8Array): Uint8Array {
  return toBytes(sign(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }))
}

/**
 * Verifies an RSASSA-PKCS1-v1_5 signature with the public key. Returns false for any bad signature (wrong length,
 * out of range, mismatch); never throws for one.
 * @internal
 */
export function rsaVerify(hash: HashName, key: KeyObject, signature: Uint8Array, data: Uint8Array): boolean {
  try {
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
  } catch {
    return false
  }
}
