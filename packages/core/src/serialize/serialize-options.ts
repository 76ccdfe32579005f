import { InvalidArgumentError } from '../errors'

/**
 * How to serialize where the Python and Java clients differ (FORMAT.md 1.3, 1.4, 11). The defaults are what this
 * library writes; the alternatives exist only so that items written by the other reference implementation can
 * still be verified.
 */
export interface SerializeOptions {
  /**
   * Order of `SS` members, `M` keys and attribute names in the string to sign, and of `BS` members.
   * - `'code-point'` (default, Python): strings by Unicode code point (= UTF-8 bytes), `BS` members by unsigned bytes.
   * - `'utf16'` (Java): strings by UTF-16 code unit (`String.compareTo`), `BS` members by signed bytes.
   *
   * The two differ only for non-BMP characters against U+E000..U+FFFF, and for `BS` members differing at a byte
   * of 0x80 or above.
   */
  readonly ordering?: 'code-point' | 'utf16'
  /**
   * How `N` and `NS` text is normalized before it is serialized.
   * - `'exact'` (default, Java rule): exact value, any zero is `0`.
   * - `'python'` (Python 3.3.0): rounded to 28 significant digits, `-0` kept, more than 38 digits refused.
   */
  readonly numbers?: 'exact' | 'python'
}

/** @internal Bit set resolved once per call, so the recursive serializer allocates nothing for options. */
export const SerializeFlag = {
  Utf16Ordering: 1,
  PythonNumbers: 2,
} as const

/**
 * Which byte order {@link encryptItem} writes for signed values (FORMAT.md 1.4, 11); see `CryptoConfig.writeMode`.
 * - `'portable'` (default): code-point / unsigned order, and items whose string to sign would differ in the Python
 *   or the Java client are refused, so both can verify everything that is written.
 * - `'python'`: code-point / unsigned-byte order (Python's), nothing refused.
 * - `'java'`: UTF-16 code-unit / signed-byte order (Java's), nothing refused.
 */
export type WriteMode = 'python' | 'java' | 'portable'

/** @internal The default {@link WriteMode}. */
export const DEFAULT_WRITE_MODE: WriteMode = 'portable'

/**
 * @internal Resolves options into {@link SerializeFlag} bits; 0 is the default.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown option value.
 */
export function serializeFlags(options: SerializeOptions | undefined): number {
  if (options === undefined) return 0
  let flags = 0
  if (options.ordering === 'utf16') flags |= SerializeFlag.Utf16Ordering
  else if (options.ordering !== undefined && options.ordering !== 'code-point') {
    throw new InvalidArgumentError('"ordering" option must be "code-point" or "utf16"')
  }
  if (options.numbers === 'python') flags |= SerializeFlag.PythonNumbers
  else if (options.numbers !== undefined && options.numbers !== 'exact') {
    throw new InvalidArgumentError('"numbers" option must be "exact" or "python"')
  }
  return flags
}
