import { hash } from 'node:crypto'
import { toBytes } from './bytes'

/**
 * SHA-256 digest of `data` (32 bytes). Used for every piece of the string to sign (FORMAT.md 3.2).
 * One-shot `crypto.hash` (Node >= 20.12) avoids a Hash object per piece: the string to sign hashes 3 pieces per
 * signed attribute.
 *
 * @internal
 */
export function sha256(data: Uint8Array): Uint8Array {
  return toBytes(hash('sha256', data, 'buffer'))
}
