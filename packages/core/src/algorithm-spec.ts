/**
 * The `ALG[/BITS]` grammar of material description values (`amzn-ddb-env-alg`, `amzn-ddb-sig-alg`, a wrapped key's
 * algorithm; FORMAT.md 2.3, 7.2, 7.3): the one parser every package uses, so that all accept and refuse the same
 * spellings.
 */

/** A parsed `ALG[/BITS]` value. */
export interface AlgorithmSpec {
  /** The algorithm: the text before the first `/` (`AES`, `HmacSHA256`), never empty. */
  readonly algorithm: string
  /** The key length in bits after the `/`, or `undefined` when the value names none (`AES`). */
  readonly bits: number | undefined
}

// Python parses BITS with int(), which also takes "0128", "+128" or " 128"; Java writes only plain decimals. Odd
// spellings are refused rather than guessed, so a description means one thing to every reader.
const BITS = /^[1-9][0-9]{0,5}$/

/**
 * Parses `ALG` or `ALG/BITS`, where BITS is a positive decimal without sign, spaces or leading zeros (at most six
 * digits). Whether the algorithm and length are allowed is the caller's decision.
 *
 * @example
 * parseAlgorithmSpec('AES/256') // { algorithm: 'AES', bits: 256 }
 * parseAlgorithmSpec('AES')     // { algorithm: 'AES', bits: undefined }
 * parseAlgorithmSpec('AES/0128') // undefined
 * @returns the parts, or `undefined` if `text` does not follow the grammar (empty algorithm, `AES/`, `AES/0128`,
 *   `AES/128/x`, not a string).
 */
export function parseAlgorithmSpec(text: string): AlgorithmSpec | undefined {
  if (typeof text !== 'string') return undefined
  const slash = text.indexOf('/')
  const algorithm = slash === -1 ? text : text.slice(0, slash)
  if (algorithm.length === 0) return undefined
  if (slash === -1) return { algorithm, bits: undefined }
  const bits = text.slice(slash + 1)
  return BITS.test(bits) ? { algorithm, bits: Number(bits) } : undefined
}
