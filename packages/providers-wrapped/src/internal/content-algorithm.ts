import { JceName, parseAlgorithmSpec } from '@ddb-encryption/core'

/** The content key algorithm written when the description does not name one (FORMAT.md 7.2). */
export const DEFAULT_CONTENT_ALGORITHM = `${JceName.Aes}/256`

/** Bit lengths an AES content key may have. */
const AES_BITS: ReadonlySet<number> = new Set([128, 192, 256])

/** @internal A parsed `amzn-ddb-env-alg` value (`ALG[/BITS]`). */
export interface ContentAlgorithm {
  /** Key algorithm: the part before the first `/`. */
  readonly algorithm: string
  /** Bit length: the part after the first `/`, or 256 when absent. */
  readonly bits: number
  /** True if the text named a bit length (`AES/256`), false for a bare `AES` (Java writers). */
  readonly bitsNamed: boolean
}

/**
 * @internal Parses `amzn-ddb-env-alg` (FORMAT.md 2.3, 12.9) with core's `ALG[/BITS]` grammar; bits default to 256.
 * Returns a reason string instead when the value is not an AES algorithm with 128, 192 or 256 bits, the only content
 * keys either reference library ever writes.
 */
export function parseContentAlgorithm(text: string): ContentAlgorithm | string {
  const spec = parseAlgorithmSpec(text)
  if (spec?.algorithm !== JceName.Aes) {
    return `content key algorithm must be "${JceName.Aes}" or "${JceName.Aes}/<bits>"`
  }
  if (spec.bits === undefined) return { algorithm: spec.algorithm, bits: 256, bitsNamed: false }
  if (!AES_BITS.has(spec.bits)) return 'content key length must be 128, 192 or 256 bits'
  return { algorithm: spec.algorithm, bits: spec.bits, bitsNamed: true }
}
