import type { AttributeValue } from '../attribute-value'
import { DeserializationError, SerializationError } from '../errors'
import { describeAttributePath } from './attribute-path'
import { ByteReader, type ByteReaderErrors } from './byte-reader'
import { acquireWriter, type ByteWriter, releaseWriter } from './byte-writer'
import { normalizeNumber, normalizeNumberPython } from './number'
import { compareBytesSigned, compareBytesUnsigned, compareCodePoint, compareUtf16, sortInPlace } from './ordering'
import { SerializeFlag, serializeFlags, type SerializeOptions } from './serialize-options'
import { isWellFormed } from './well-formed'
import { hasOwn, setOwn } from '../own-property'

/** Second byte of each 2-byte type tag; the first is always 0x00 (FORMAT.md 1.1). */
const Tag = {
  B: 0x62, // 'b'
  S: 0x73, // 's'
  N: 0x6e, // 'n'
  BS: 0x42, // 'B'
  SS: 0x53, // 'S'
  NS: 0x4e, // 'N'
  BOOL: 0x3f, // '?'
  NULL: 0x00,
  L: 0x4c, // 'L'
  M: 0x4d, // 'M'
} as const

/**
 * Deepest nesting of L and M we read or write. DynamoDB itself allows 32 levels; the limit only keeps crafted input
 * from exhausting the call stack with an untyped RangeError.
 */
const MAX_DEPTH = 1000

// ---------------------------------------------------------------------------------------------------------------
// Serialization (FORMAT.md 1.1-1.5)

/**
 * Where the serializer currently is, for error messages only (list indexes and map keys). Pushing and popping
 * keeps the hot path free of string building; it is reset on every top-level call.
 */
const path: (string | number)[] = []
let pathRoot: string | undefined

function fail(problem: string): never {
  throw new SerializationError(`Cannot serialize ${describeAttributePath(pathRoot, path)}: ${problem}`)
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string`)
  if (!isWellFormed(value)) fail(`${what} contains a lone UTF-16 surrogate, which is not valid Unicode; fix the text`)
  return value
}

function numberText(value: unknown, flags: number, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be number text (a string); DynamoDB N values are strings`)
  try {
    return (flags & SerializeFlag.PythonNumbers) !== 0 ? normalizeNumberPython(value) : normalizeNumber(value)
  } catch (error) {
    if (error instanceof SerializationError) fail(`${what}: ${error.message}`)
    throw error
  }
}

function writeValue(writer: ByteWriter, value: AttributeValue, flags: number, depth: number): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('it is not an AttributeValue object such as { S: "..." }')
  }
  // Keys whose value is undefined are ignored, as the AWS SDK does when it sends a request. The body is kept as it
  // is read here: one property read per value instead of two (a keyed read costs ~15 ns on this path).
  let type: string | undefined
  let body: unknown
  let count = 0
  for (const key in value) {
    if (!hasOwn(value, key)) continue
    const member: unknown = (value as Record<string, unknown>)[key]
    if (member !== undefined) {
      type = key
      body = member
      count++
    }
  }
  if (count !== 1) fail(`an AttributeValue must have exactly one type key (S, N, B, SS, NS, BS, BOOL, NULL, L or M), found ${count}`)
  switch (type) {
    case 'S':
      writer.tag(Tag.S)
      writer.lengthString(checkString(body, 'S'))
      return
    case 'N':
      writer.tag(Tag.N)
      writer.lengthString(numberText(body, flags, 'N'))
      return
    case 'B':
      if (!isBytes(body)) fail('B must be a Uint8Array')
      writer.tag(Tag.B)
      writer.lengthValue(body)
      return
    case 'SS': {
      if (!Array.isArray(body)) fail('SS must be an array of strings')
      const members: string[] = new Array<string>(body.length)
      for (let i = 0; i < body.length; i++) members[i] = checkString(body[i], 'SS member')
      sortInPlace(members, (flags & SerializeFlag.Utf16Ordering) !== 0 ? compareUtf16 : compareCodePoint)
      writer.tag(Tag.SS)
      writer.u32(members.length)
      for (const member of members) writer.lengthString(member)
      return
    }
    case 'NS': {
      if (!Array.isArray(body)) fail('NS must be an array of number strings')
      const members: string[] = new Array<string>(body.length)
      for (let i = 0; i < body.length; i++) members[i] = numberText(body[i], flags, 'NS member')
      // Normalized numbers are ASCII, so both reference orders agree (FORMAT.md 1.4).
      sortInPlace(members, compareUtf16)
      writer.tag(Tag.NS)
      writer.u32(members.length)
      for (const member of members) writer.lengthString(member)
      return
    }
    case 'BS': {
      if (!Array.isArray(body)) fail('BS must be an array of Uint8Array')
      const members: Uint8Array[] = new Array<Uint8Array>(body.length)
      for (let i = 0; i < body.length; i++) {
        const member: unknown = body[i]
        if (!isBytes(member)) fail('BS members must be Uint8Array')
        members[i] = member
      }
      sortInPlace(members, (flags & SerializeFlag.Utf16Ordering) !== 0 ? compareBytesSigned : compareBytesUnsigned)
      writer.tag(Tag.BS)
      writer.u32(members.length)
      for (const member of members) writer.lengthValue(member)
      return
    }
    case 'BOOL':
      if (typeof body !== 'boolean') fail('BOOL must be true or false')
      writer.tag(Tag.BOOL)
      writer.byte(body ? 1 : 0)
      return
    case 'NULL':
      // Java refuses NULL: false; Python ignores the flag. Refusing is the safe choice (FORMAT.md 1.1).
      if (body !== true) fail('NULL must be true')
      writer.tag(Tag.NULL)
      return
    case 'L': {
      if (!Array.isArray(body)) fail('L must be an array of AttributeValue')
      if (depth >= MAX_DEPTH) fail(`it is nested deeper than ${MAX_DEPTH} levels (DynamoDB allows 32)`)
      writer.tag(Tag.L)
      writer.u32(body.length)
      for (let i = 0; i < body.length; i++) {
        path.push(i)
        writeValue(writer, body[i] as AttributeValue, flags, depth + 1)
        path.pop()
      }
      return
    }
    case 'M': {
      if (typeof body !== 'object' || body === null || Array.isArray(body) || isBytes(body)) {
        fail('M must be an object mapping names to AttributeValue')
      }
      if (depth >= MAX_DEPTH) fail(`it is nested deeper than ${MAX_DEPTH} levels (DynamoDB allows 32)`)
      const map = body as Readonly<Record<string, AttributeValue>>
      const keys = Object.keys(map)
      for (const key of keys) checkString(key, 'a map key')
      sortInPlace(keys, (flags & SerializeFlag.Utf16Ordering) !== 0 ? compareUtf16 : compareCodePoint)
      writer.tag(Tag.M)
      writer.u32(keys.length)
      for (const key of keys) {
        // Map keys are complete S values (FORMAT.md 1.1).
        writer.tag(Tag.S)
        writer.lengthString(key)
        path.push(key)
        writeValue(writer, map[key] as AttributeValue, flags, depth + 1)
        path.pop()
      }
      return
    }
    default:
      fail(`unsupported type key "${String(type)}"; use one of S, N, B, SS, NS, BS, BOOL, NULL, L, M`)
  }
}

/**
 * Appends the serialization of `value` to `writer`; `attributeName` only improves error messages. The hot paths
 * (encrypting an attribute, hashing each value of the string to sign) call this on one shared writer, with no
 * closure or intermediate copy per value.
 * @internal
 */
export function writeAttribute(writer: ByteWriter, value: AttributeValue, flags: number, attributeName: string | undefined): void {
  // The path is balanced by every successful write; only a failed one (it threw) leaves segments behind.
  if (path.length !== 0) path.length = 0
  pathRoot = attributeName
  writeValue(writer, value, flags, 0)
}

/**
 * Appends the serialization of `{ B: bytes }` (`00 62 ‖ LV(bytes)`, FORMAT.md 1.1): what {@link writeAttribute}
 * writes for it, without the type detection and checks of an arbitrary value. For ciphertexts the encryptor has
 * just made (always a Uint8Array).
 * @internal
 */
export function writeBinaryAttribute(writer: ByteWriter, bytes: Uint8Array): void {
  writer.tag(Tag.B)
  writer.lengthValue(bytes)
}

/**
 * Serializes with already-resolved {@link SerializeFlag} bits; `attributeName` only improves error messages.
 * @internal
 */
export function serializeAttributeWithFlags(value: AttributeValue, flags: number, attributeName?: string): Uint8Array {
  const writer = acquireWriter()
  try {
    writeAttribute(writer, value, flags, attributeName)
    return writer.finish()
  } finally {
    releaseWriter(writer)
  }
}

/**
 * Serializes `value` and passes a temporary view of the bytes to `use`, without copying them out: for callers that
 * only hash or encrypt the bytes. The view is wiped when `use` returns; never keep it.
 * @internal
 */
export function withSerializedAttribute<T>(
  value: AttributeValue,
  flags: number,
  attributeName: string | undefined,
  use: (bytes: Uint8Array) => T,
): T {
  const writer = acquireWriter()
  try {
    writeAttribute(writer, value, flags, attributeName)
    return use(writer.view())
  } finally {
    releaseWriter(writer)
  }
}

/**
 * Serializes one DynamoDB attribute value to the binary form that is encrypted and signed (FORMAT.md section 1):
 * a 2-byte type tag, then u32 big-endian lengths and counts. Numbers are normalized, sets and map keys sorted, so
 * the bytes depend only on the value.
 *
 * @example
 * serializeAttribute({ N: '55.00' }) // 00 6e 00000002 35 35
 *
 * @param options Defaults are what this library writes (code-point order, exact numbers); see {@link SerializeOptions}.
 * @throws {SerializationError} ERR_SERIALIZATION if the value is not exactly one known type with a valid body
 * (the message names the position inside the value, never the value).
 */
export function serializeAttribute(value: AttributeValue, options?: SerializeOptions): Uint8Array {
  return serializeAttributeWithFlags(value, serializeFlags(options), undefined)
}

// ---------------------------------------------------------------------------------------------------------------
// Deserialization (FORMAT.md 1.6), stricter than both references: it also refuses bad UTF-8, bad BOOL bytes and
// trailing bytes, which only a broken writer produces.

/** What a malformed serialized attribute raises (FORMAT.md 1.6). */
const ATTRIBUTE_ERRORS: ByteReaderErrors = {
  truncated(length) {
    throw new DeserializationError(`Malformed serialized attribute: data ends early at byte ${length}; the stored value is damaged`)
  },
  invalidUtf8(cause) {
    throw new DeserializationError('Malformed serialized attribute: a string is not valid UTF-8', { cause })
  },
}

/**
 * Reads `LV` number text and checks that it is a number (FORMAT.md 1.6: Python re-normalizes it and raises for
 * anything else). Returned as stored: the writer normalized it.
 */
function readNumberString(reader: ByteReader): string {
  const text = reader.lengthString()
  try {
    normalizeNumber(text)
  } catch (error) {
    throw new DeserializationError('Malformed serialized attribute: an N value or NS member is not a decimal number', { cause: error })
  }
  return text
}

function readValue(reader: ByteReader, depth: number): AttributeValue {
  const offset = reader.position
  if (reader.remaining < 2) reader.truncated()
  if (reader.byte() !== 0) {
    throw new DeserializationError(`Invalid tag at byte ${offset}: the reserved first byte is not 0x00`)
  }
  const tag = reader.byte()
  switch (tag) {
    case Tag.B:
      return { B: reader.lengthValueCopy() }
    case Tag.S:
      return { S: reader.lengthString() }
    case Tag.N:
      return { N: readNumberString(reader) }
    case Tag.BS: {
      const count = reader.count(4)
      const members: Uint8Array[] = new Array<Uint8Array>(count)
      for (let i = 0; i < count; i++) members[i] = reader.lengthValueCopy()
      return { BS: members }
    }
    case Tag.SS:
    case Tag.NS: {
      const count = reader.count(4)
      const members: string[] = new Array<string>(count)
      if (tag === Tag.SS) for (let i = 0; i < count; i++) members[i] = reader.lengthString()
      else for (let i = 0; i < count; i++) members[i] = readNumberString(reader)
      return tag === Tag.SS ? { SS: members } : { NS: members }
    }
    case Tag.BOOL: {
      const flag = reader.byte()
      if (flag > 1) {
        throw new DeserializationError(`Malformed serialized attribute: BOOL byte at ${offset + 2} is neither 00 nor 01`)
      }
      return { BOOL: flag === 1 }
    }
    case Tag.NULL:
      return { NULL: true }
    case Tag.L: {
      if (depth >= MAX_DEPTH) {
        throw new DeserializationError(`Malformed serialized attribute: nested deeper than ${MAX_DEPTH} levels`)
      }
      const count = reader.count(2)
      const elements: AttributeValue[] = new Array<AttributeValue>(count)
      for (let i = 0; i < count; i++) elements[i] = readValue(reader, depth + 1)
      return { L: elements }
    }
    case Tag.M: {
      if (depth >= MAX_DEPTH) {
        throw new DeserializationError(`Malformed serialized attribute: nested deeper than ${MAX_DEPTH} levels`)
      }
      // Each entry is at least an empty S key (6 bytes) and a 2-byte value.
      const count = reader.count(8)
      const map: Record<string, AttributeValue> = {}
      for (let i = 0; i < count; i++) {
        const keyOffset = reader.position
        if (reader.remaining < 2) reader.truncated()
        if (reader.byte() !== 0 || reader.byte() !== Tag.S) {
          throw new DeserializationError(`Malformed serialized map: the key at byte ${keyOffset} is not a string (S) value`)
        }
        const key = reader.lengthString()
        setOwn(map, key, readValue(reader, depth + 1))
      }
      return { M: map }
    }
    default:
      throw new DeserializationError(
        `Unsupported tag at byte ${offset}: 0x${tag.toString(16).padStart(2, '0')} is not a DynamoDB type`,
      )
  }
}

/**
 * Parses bytes written by {@link serializeAttribute} (or by the Python or Java client) back into an attribute
 * value (FORMAT.md 1.6). `N` text and set members come back as stored; binary values are fresh copies.
 *
 * @example
 * deserializeAttribute(serializeAttribute({ SS: ['b', 'a'] })) // { SS: ['a', 'b'] }
 *
 * @throws {DeserializationError} ERR_DESERIALIZATION for input that is not a Uint8Array, empty input, a bad
 * reserved byte, an unknown tag, truncated data or counts beyond it, a map key that is not S, a BOOL byte other
 * than 00/01, invalid UTF-8, N or NS text that is not a decimal number (or far outside DynamoDB's range), nesting
 * deeper than 1000 levels, or bytes left over after the value.
 */
export function deserializeAttribute(data: Uint8Array): AttributeValue {
  return deserializeWith(data, false)
}

/**
 * {@link deserializeAttribute} of a plaintext that `AesCbc.decryptBatch` passed to its `use`: the same value and
 * errors, except that `B` and `BS` members of more than 64 bytes may be views that the batch keeps (see
 * `keptPlaintext` in `crypto/aes-cbc.ts`) rather than copies in their own ArrayBuffers. For any other input it is
 * exactly {@link deserializeAttribute}.
 * @internal
 */
export function deserializeDecrypted(data: Uint8Array): AttributeValue {
  return deserializeWith(data, true)
}

function deserializeWith(data: Uint8Array, keep: boolean): AttributeValue {
  if (!(data instanceof Uint8Array)) {
    throw new DeserializationError('Serialized attribute data must be a Uint8Array')
  }
  if (data.length === 0) {
    throw new DeserializationError('Empty serialized attribute data: there is no value to read')
  }
  const reader = new ByteReader(data, ATTRIBUTE_ERRORS, 0, keep)
  const value = readValue(reader, 0)
  if (reader.remaining !== 0) {
    throw new DeserializationError(
      `Malformed serialized attribute: ${reader.remaining} unexpected bytes after the value`,
    )
  }
  return value
}
