import { createHash } from 'node:crypto'
import { toBytes } from './bytes'

/**
 * SHA-256 digest of `data` (32 bytes). Used for every piece of the string to sign (FORMAT.md 3.2).
 *
 * @internal
 */
export function sha256(data: Uint8Array): Uint8Array {
  return toBytes(createHash('sha256').update(data).digest())
}
