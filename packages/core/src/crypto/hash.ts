import { hash } from 'node:crypto'

const DIGEST_LENGTH = 32

/**
 * Writes the SHA-256 digest of `data` (32 bytes) into `out` at `offset`. Used for every piece of the string to sign
 * (FORMAT.md 3.2), which hashes one serialized value per signed attribute.
 *
 * One-shot `crypto.hash` (Node >= 20.12) avoids a Hash object per piece, and asking it for a `binary` (latin1) string
 * rather than a Buffer halves its cost (no Buffer object per digest): `binary` maps each byte to the character
 * with the same code (0..255), so `charCodeAt` reads the exact digest bytes back.
 *
 * @internal
 */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  const digest = hash('sha256', data, 'binary')
  for (let i = 0; i < DIGEST_LENGTH; i++) out[offset + i] = digest.charCodeAt(i)
}

/**
 * SHA-256 digest of `data` as a new 32-byte array (see {@link sha256Into}).
 *
 * @internal
 */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(DIGEST_LENGTH)
  sha256Into(data, out, 0)
  return out
}
