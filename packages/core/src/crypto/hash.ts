import { createHash } from 'node:crypto'

/**
 * SHA-256 digest of `data` (32 bytes). Used for every piece of the string to sign (FORMAT.md 3.2).
 *
 * @internal
 */
export function sha256(data: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(data).digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}
