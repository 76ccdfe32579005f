import { hkdfSync } from 'node:crypto'
import { InvalidArgumentError } from '../errors'

const EMPTY_SALT = new Uint8Array(0)
/** RFC 5869: L <= 255 * HashLen. */
const MAX_OUTPUT_BYTES = 255 * 32

/**
 * Derives `lengthBytes` bytes with HKDF-SHA256 (RFC 5869) from `ikm`, with no salt (HashLen zero bytes, which
 * HMAC treats the same as an empty key) and the ASCII `info` string. This is how the Direct KMS provider turns a
 * KMS data key into its encryption key (`info = "Encryption"`) and signing key (`info = "Signing"`),
 * FORMAT.md 7.3: two independent expansions, not one output split in two.
 *
 * @example
 * const encKey = hkdfSha256(dataKey, 'Encryption', 32)
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if `lengthBytes` is not an integer in 1..8160 or `ikm`
 * is not a Uint8Array.
 */
export function hkdfSha256(ikm: Uint8Array, info: string, lengthBytes: number): Uint8Array {
  if (!(ikm instanceof Uint8Array)) {
    throw new InvalidArgumentError('hkdfSha256: "ikm" must be a Uint8Array')
  }
  if (typeof info !== 'string') {
    throw new InvalidArgumentError('hkdfSha256: "info" must be a string')
  }
  if (!Number.isSafeInteger(lengthBytes) || lengthBytes <= 0 || lengthBytes > MAX_OUTPUT_BYTES) {
    throw new InvalidArgumentError(`hkdfSha256: "lengthBytes" must be an integer from 1 to ${MAX_OUTPUT_BYTES}`)
  }
  // hkdfSync returns a fresh ArrayBuffer of exactly lengthBytes: no copy needed.
  return new Uint8Array(hkdfSync('sha256', ikm, EMPTY_SALT, Buffer.from(info, 'utf8'), lengthBytes))
}
