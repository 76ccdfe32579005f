/**
 * Comparators for the two orders of FORMAT.md 1.4. In both, a prefix sorts before the longer value.
 * @internal
 */

/**
 * Code-point order of two well-formed strings, which equals the order of their UTF-8 bytes (Python). UTF-16 code
 * unit order differs only where a surrogate (U+D800..U+DFFF, part of a character >= U+10000) meets a unit in
 * U+E000..U+FFFF, so only that case is remapped.
 */
export function compareCodePoint(a: string, b: string): number {
  if (a === b) return 0
  const length = a.length < b.length ? a.length : b.length
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates move above U+E000..U+FFFF; the relative order inside each group is kept.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000
      }
      return x - y
    }
  }
  return a.length - b.length
}

/** UTF-16 code unit order (Java `String.compareTo`). */
export function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Lexicographic order of bytes compared as unsigned values (Python). */
export function compareBytesUnsigned(a: Uint8Array, b: Uint8Array): number {
  const length = a.length < b.length ? a.length : b.length
  for (let i = 0; i < length; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Lexicographic order of bytes compared as signed Java bytes (Java `ByteBuffer.compareTo`). */
export function compareBytesSigned(a: Uint8Array, b: Uint8Array): number {
  const length = a.length < b.length ? a.length : b.length
  for (let i = 0; i < length; i++) {
    // x ^ 0x80 maps signed byte order onto unsigned order: 0x80 (-128) -> 0, 0x7f (127) -> 0xff.
    const d = ((a[i] as number) ^ 0x80) - ((b[i] as number) ^ 0x80)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Arrays up to this length are sorted by {@link sortInPlace}'s insertion sort; longer ones by `Array#sort`. */
const INSERTION_SORT_MAX = 16

/**
 * Sorts `values` in place by `compare`, as `values.sort(compare)` does. Items have small sets and maps (a handful
 * of members or keys), and `Array#sort` with a comparator has a high fixed cost: sorting 4 map keys took 350 ns
 * with it and about 30 ns with this insertion sort (measured; about 1 µs per benchmark item of one map and one
 * string set). The result is the same for any input: members that compare equal are equal strings or equal bytes.
 * @internal
 */
export function sortInPlace<T>(values: T[], compare: (a: T, b: T) => number): void {
  const length = values.length
  if (length > INSERTION_SORT_MAX) {
    values.sort(compare)
    return
  }
  for (let i = 1; i < length; i++) {
    const value = values[i] as T
    let j = i - 1
    while (j >= 0 && compare(values[j] as T, value) > 0) {
      values[j + 1] = values[j] as T
      j--
    }
    values[j + 1] = value
  }
}
