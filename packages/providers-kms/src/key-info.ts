import { InvalidAlgorithmError, JceName, UnwrappingError, parseAlgorithmSpec } from '@ddb-encryption/core'

/**
 * A derived key as described by `amzn-ddb-env-alg` / `amzn-ddb-sig-alg`: `ALG[/BITS]`, bits defaulting to 256
 * (FORMAT.md 7.3).
 * @internal
 */
export interface KeyInfo {
  /** The description text exactly as configured or stored; it is what KMS sees in the encryption context. */
  readonly description: string
  /** JCE algorithm name: `AES` or `HmacSHA*`. */
  readonly algorithm: string
  /** Key length in bits. */
  readonly lengthBits: number
}

const DEFAULT_KEY_BITS = 256
const AES_BITS: ReadonlySet<number> = new Set([128, 192, 256])
const HMAC_ALGORITHMS: ReadonlySet<string> = new Set([
  JceName.HmacSha224,
  JceName.HmacSha256,
  JceName.HmacSha384,
  JceName.HmacSha512,
])
// HKDF-SHA256 can expand to at most 255 blocks of 32 bytes (RFC 5869 section 2.3).
const MAX_HKDF_BITS = 255 * 32 * 8

/** Where a description came from, to word the error message. @internal */
export type KeyInfoSource = 'option' | 'item'

/** `ALG[/BITS]` with core's grammar, bits defaulting to 256. */
function split(description: string): { algorithm: string; lengthBits: number } | undefined {
  const spec = parseAlgorithmSpec(description)
  return spec && { algorithm: spec.algorithm, lengthBits: spec.bits ?? DEFAULT_KEY_BITS }
}

function where(source: KeyInfoSource, key: string): string {
  return source === 'option' ? `The "materialDescription" option's ${key}` : `The item's material description entry ${key}`
}

/**
 * A configured algorithm that cannot be used is the caller's mistake (`InvalidAlgorithmError`); an item naming one
 * cannot be unwrapped (`UnwrappingError`), as in every other provider.
 */
function unusable(source: KeyInfoSource, message: string): InvalidAlgorithmError | UnwrappingError {
  return source === 'option' ? new InvalidAlgorithmError(message) : new UnwrappingError(message)
}

/**
 * Parses a content key description; only AES with 128, 192 or 256 bits is accepted.
 * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for anything else in an option, UnwrappingError
 *   (`ERR_UNWRAPPING_FAILED`) in an item.
 * @internal
 */
export function parseContentKeyInfo(description: string, source: KeyInfoSource, key: string): KeyInfo {
  const parsed = split(description)
  if (parsed === undefined || parsed.algorithm !== JceName.Aes || !AES_BITS.has(parsed.lengthBits)) {
    throw unusable(
      source,
      `${where(source, key)} is not a supported content key algorithm; the Direct KMS provider derives AES keys ` +
        'only: use "AES/128", "AES/192" or "AES/256"',
    )
  }
  return Object.freeze({ description, algorithm: parsed.algorithm, lengthBits: parsed.lengthBits })
}

/**
 * Parses a signing key description; only `HmacSHA224/256/384/512` with a whole number of bytes is accepted.
 * When `forWriting`, keys shorter than 128 bits are refused (reading accepts them, as old items may use them).
 * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for anything else in an option, UnwrappingError
 *   (`ERR_UNWRAPPING_FAILED`) in an item.
 * @internal
 */
export function parseSigningKeyInfo(description: string, source: KeyInfoSource, key: string, forWriting: boolean): KeyInfo {
  const parsed = split(description)
  const minBits = forWriting ? 128 : 8
  if (
    parsed === undefined ||
    !HMAC_ALGORITHMS.has(parsed.algorithm) ||
    parsed.lengthBits % 8 !== 0 ||
    parsed.lengthBits < minBits ||
    parsed.lengthBits > MAX_HKDF_BITS
  ) {
    throw unusable(
      source,
      `${where(source, key)} is not a supported signing key algorithm; the Direct KMS provider derives HMAC keys ` +
        `only: use "HmacSHA256/256" (or HmacSHA224/384/512) with a length in bits that is a multiple of 8, ` +
        `at least ${minBits}`,
    )
  }
  return Object.freeze({ description, algorithm: parsed.algorithm, lengthBits: parsed.lengthBits })
}
