import { JceName } from '@ddb-encryption/core'

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
 * @internal Parses `amzn-ddb-env-alg` (FORMAT.md 2.3, 12.9): split on the first `/`, bits default to 256. Returns a
 * reason string instead when the value is not an AES algorithm with 128, 192 or 256 bits, the only content keys
 * either reference library ever writes.
 */
export function parseContentAlgorithm(text: string): ContentAlgorithm | string {
  const slash = text.indexOf('/')
  const algorithm = slash === -1 ? text : text.slice(0, slash)
  const bitsText = slash === -1 ? undefined : text.slice(slash + 1)
  if (algorithm !== JceName.Aes) {
    return `content key algorithm must be "${JceName.Aes}"`
  }
  if (bitsText === undefined) return { algorithm, bits: 256, bitsNamed: false }
  if (!/^[0-9]{1,4}$/.test(bitsText) || !AES_BITS.has(Number(bitsText))) {
    return 'content key length must be 128, 192 or 256 bits'
  }
  return { algorithm, bits: Number(bitsText), bitsNamed: true }
}
