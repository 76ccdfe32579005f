import { InvalidMaterialDescriptionError, InvalidMaterialDescriptionVersionError, SerializationError } from '../errors'
import { MATERIAL_DESCRIPTION_VERSION } from '../wire'
import { ByteReader, type ByteReaderErrors } from './byte-reader'
import { acquireWriter, releaseWriter } from './byte-writer'
import { compareCodePoint } from './ordering'
import { isWellFormed } from './well-formed'
import { setOwn } from '../own-property'

/**
 * Serializes a material description to the bytes stored in `*amzn-ddb-map-desc*` (FORMAT.md 2.2): the version
 * `00000000`, then `LV(utf8(key)) ‖ LV(utf8(value))` for each entry, keys sorted by code point (as Python writes
 * them, so the bytes are reproducible).
 *
 * @example
 * serializeMaterialDescription({}) // 00 00 00 00
 *
 * @throws {SerializationError} ERR_SERIALIZATION if a value is not a string or a key or value is not valid
 * Unicode (the message names the key).
 */
export function serializeMaterialDescription(md: Readonly<Record<string, string>>): Uint8Array {
  if (typeof md !== 'object' || md === null || Array.isArray(md)) {
    throw new SerializationError('A material description must be an object of string keys and string values')
  }
  const keys = Object.keys(md)
  for (const key of keys) {
    if (!isWellFormed(key)) {
      throw new SerializationError('A material description key contains a lone UTF-16 surrogate; use valid Unicode')
    }
    const value: unknown = md[key]
    if (typeof value !== 'string') {
      throw new SerializationError(`Material description entry "${key}" must be a string`)
    }
    if (!isWellFormed(value)) {
      throw new SerializationError(`Material description entry "${key}" contains a lone UTF-16 surrogate; use valid Unicode`)
    }
  }
  keys.sort(compareCodePoint)
  const writer = acquireWriter()
  try {
    // FORMAT.md 2.2: version, then LV pairs with no entry count.
    writer.raw(MATERIAL_DESCRIPTION_VERSION)
    for (const key of keys) {
      writer.lengthString(key)
      writer.lengthString(md[key] as string)
    }
    return writer.finish()
  } finally {
    releaseWriter(writer)
  }
}


function malformed(cause?: unknown): never {
  throw new InvalidMaterialDescriptionError(
    'Invalid material description: an entry is truncated or not valid UTF-8; the item\'s *amzn-ddb-map-desc* is damaged',
    cause === undefined ? undefined : { cause },
  )
}

/** A truncated entry and an entry that is not UTF-8 get the same error (FORMAT.md 2.2). */
const DESCRIPTION_ERRORS: ByteReaderErrors = { truncated: () => malformed(), invalidUtf8: malformed }

/**
 * Parses the bytes of `*amzn-ddb-map-desc*` (FORMAT.md 2.2). Entries may come in any order (Java writes them in
 * hash order); if a key repeats, the last one wins.
 *
 * @throws {InvalidMaterialDescriptionError} ERR_INVALID_MATERIAL_DESCRIPTION if the data is shorter than the
 * 4-byte version, or an entry is truncated or not valid UTF-8.
 * @throws {InvalidMaterialDescriptionVersionError} ERR_INVALID_MATERIAL_DESCRIPTION_VERSION if the version is not 0
 * (written by a newer, unsupported format).
 */
export function deserializeMaterialDescription(data: Uint8Array): Record<string, string> {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidMaterialDescriptionError('Invalid material description: it must be binary (a B attribute)')
  }
  if (data.length < MATERIAL_DESCRIPTION_VERSION.length) {
    throw new InvalidMaterialDescriptionError(
      'Malformed material description version: fewer than 4 bytes; the item\'s *amzn-ddb-map-desc* is damaged',
    )
  }
  for (let i = 0; i < MATERIAL_DESCRIPTION_VERSION.length; i++) {
    if (data[i] !== MATERIAL_DESCRIPTION_VERSION[i]) {
      throw new InvalidMaterialDescriptionVersionError(
        'Invalid material description version: only version 0 is supported; the item was written by an ' +
        'incompatible client',
      )
    }
  }
  const result: Record<string, string> = {}
  const reader = new ByteReader(data, DESCRIPTION_ERRORS, MATERIAL_DESCRIPTION_VERSION.length)
  while (reader.remaining > 0) {
    const key = reader.lengthString()
    const value = reader.lengthString()
    setOwn(result, key, value)
  }
  return result
}
