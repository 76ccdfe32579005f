/**
 * True if `text` has no lone UTF-16 surrogate, i.e. it is valid Unicode and encodes to UTF-8 without replacement
 * characters (a lone surrogate would be silently written as U+FFFD, so the bytes would not match the value).
 * @internal
 */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed()
}
