import type { AttributeValue } from '../attribute-value'
import { NonPortableItemError } from '../errors'
import { describeAttributePath } from './attribute-path'
import { compareBytesSigned, compareBytesUnsigned, compareCodePoint, compareUtf16 } from './ordering'

/**
 * The check behind `writeMode: 'portable'` (FORMAT.md 1.4, 11): refuses an item whose string to sign differs
 * between the two reference orders, code-point / unsigned-byte (Python) and UTF-16 code-unit / signed-byte (Java).
 * Only signed plaintext values and signed attribute names matter: encrypted values are signed as their ciphertext
 * `B`, which is not reordered. Numbers are not an ordering question (see `acceptPythonRoundedNumbers`).
 *
 * The orders of two distinct strings (or byte strings) can only differ where one of them has a surrogate and the
 * other a unit in U+E000..U+FFFF (a byte >= 0x80 and one below): such members are sorted in one order and checked
 * pairwise in the other, everything else costs one scan.
 * @internal
 */

const MAX_DEPTH = 1000
/** A UTF-16 unit >= U+D800: a surrogate or U+E000..U+FFFF, the only units whose two orders can differ. */
const HIGH_UNIT = /[\uD800-\uFFFF]/

const ADVICE =
  'the Python and Java clients would sign it differently, so one of them could not read the item. Change the ' +
  "value, or pass writeMode 'python' or 'java' if only that client reads this table"

function refuse(root: string, path: readonly (string | number)[], problem: string): never {
  throw new NonPortableItemError(`Cannot write ${describeAttributePath(root, path)} portably: ${problem}; ${ADVICE}`)
}

/** True if the strings sort the same by code point and by UTF-16 code unit. */
function sameStringOrder(values: readonly string[]): boolean {
  if (values.length < 2 || !values.some((v) => HIGH_UNIT.test(v))) return true
  const sorted = [...values].sort(compareCodePoint)
  for (let i = 1; i < sorted.length; i++) if (compareUtf16(sorted[i - 1] as string, sorted[i] as string) > 0) return false
  return true
}

function hasHighByte(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return true
  return false
}

/** True if the byte strings sort the same as unsigned and as signed bytes. */
function sameByteOrder(values: readonly Uint8Array[]): boolean {
  if (values.length < 2 || !values.some(hasHighByte)) return true
  const sorted = [...values].sort(compareBytesUnsigned)
  for (let i = 1; i < sorted.length; i++) if (compareBytesSigned(sorted[i - 1] as Uint8Array, sorted[i] as Uint8Array) > 0) return false
  return true
}

const STRING_PROBLEM = 'characters above U+FFFF and characters in U+E000..U+FFFF meet at the same position, which Python orders by code point and Java by UTF-16 code unit'

function checkValue(value: unknown, root: string, path: (string | number)[], depth: number): void {
  // Malformed values are left to the serializer, which reports them with a SerializationError.
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > MAX_DEPTH) return
  const record = value as Record<string, unknown>
  for (const type of Object.keys(record)) {
    const body = record[type]
    switch (type) {
      case 'SS':
        if (Array.isArray(body) && body.every((m) => typeof m === 'string') && !sameStringOrder(body as string[])) {
          refuse(root, path, `in its set members ${STRING_PROBLEM}`)
        }
        break
      case 'BS':
        if (Array.isArray(body) && body.every((m) => m instanceof Uint8Array) && !sameByteOrder(body as Uint8Array[])) {
          refuse(root, path, 'its set members differ at a byte of 0x80 or above against one below, which Python orders as unsigned and Java as signed bytes')
        }
        break
      case 'L':
        if (Array.isArray(body)) {
          for (let i = 0; i < body.length; i++) {
            path.push(i)
            checkValue(body[i], root, path, depth + 1)
            path.pop()
          }
        }
        break
      case 'M':
        if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
          const keys = Object.keys(body)
          if (!sameStringOrder(keys)) refuse(root, path, `in its map keys ${STRING_PROBLEM}`)
          for (const key of keys) {
            path.push(key)
            checkValue((body as Record<string, unknown>)[key], root, path, depth + 1)
            path.pop()
          }
        }
        break
      default:
        break
    }
  }
}

/**
 * Throws if the string to sign of the sign-only values `values` (named `names`, same length) would differ between
 * the two reference orders; `signedNames` are the names of every signed attribute (plaintext and encrypted).
 * @throws {NonPortableItemError} ERR_NON_PORTABLE_ITEM naming the attribute and what differs.
 * @internal
 */
export function assertPortable(signedNames: readonly string[], names: readonly string[], values: readonly AttributeValue[]): void {
  if (!sameStringOrder(signedNames)) {
    const offending = signedNames.find((n) => HIGH_UNIT.test(n)) as string
    throw new NonPortableItemError(
      `Cannot write attribute "${offending}" portably: in the signed attribute names ${STRING_PROBLEM}; ${ADVICE}`,
    )
  }
  const path: (string | number)[] = []
  for (let i = 0; i < values.length; i++) checkValue(values[i], names[i] as string, path, 0)
}

