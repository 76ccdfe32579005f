import type { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import { CryptoAction } from '../crypto-action'
import { sha256, sha256Into } from '../crypto/hash'
import { SerializationError } from '../errors'
import { ReservedAttribute, SignatureMarker } from '../wire'
import { writeAttribute } from './attribute'
import { acquireWriter, releaseWriter } from './byte-writer'
import { compareCodePoint, compareUtf16 } from './ordering'
import { SerializeFlag, serializeFlags, type SerializeOptions } from './serialize-options'
import { isWellFormed } from './well-formed'

const DIGEST_LENGTH = 32
const textEncoder = new TextEncoder()

// The two constant marker digests of FORMAT.md 3.2, computed once.
const ENCRYPTED_DIGEST = sha256(textEncoder.encode(SignatureMarker.Encrypted))
const PLAINTEXT_DIGEST = sha256(textEncoder.encode(SignatureMarker.Plaintext))

/**
 * Digests of attribute names and table headers, which repeat from item to item. Names are not secret (they are
 * stored in plaintext), and the cache is cleared when full so it cannot grow without bound.
 */
const MAX_CACHED_DIGESTS = 4096
const digestCache = new Map<string, Uint8Array>()

function cachedDigest(text: string): Uint8Array {
  let digest = digestCache.get(text)
  if (digest === undefined) {
    digest = sha256(textEncoder.encode(text))
    if (digestCache.size >= MAX_CACHED_DIGESTS) digestCache.clear()
    digestCache.set(text, digest)
  }
  return digest
}

/** The last table header digest: most processes read and write one table at a time. */
let lastTableName: string | undefined
let lastTableDigest: Uint8Array | undefined

function tableDigest(tableName: string): Uint8Array {
  if (tableName !== lastTableName || lastTableDigest === undefined) {
    lastTableDigest = cachedDigest(`TABLE>${tableName}<TABLE`)
    lastTableName = tableName
  }
  return lastTableDigest
}

function checkText(text: unknown, what: string): string {
  if (typeof text !== 'string') throw new SerializationError(`${what} must be a string`)
  if (!isWellFormed(text)) {
    throw new SerializationError(`${what} contains a lone UTF-16 surrogate, which is not valid Unicode; fix the name`)
  }
  return text
}

/**
 * Builds the string to sign of an item (FORMAT.md 3.2): `H("TABLE>" + tableName + "<TABLE")`, then for each signed
 * attribute in name order `H(name) ‖ H("ENCRYPTED" or "PLAINTEXT") ‖ H(serialize(value))`, where `H` is SHA-256.
 * DO_NOTHING attributes and the reserved `*amzn-ddb-map-desc*` / `*amzn-ddb-map-sig*` are skipped. The item is
 * hashed as stored, so encrypted attributes must already hold their ciphertext `B` values.
 *
 * @example
 * const sts = stringToSign(storedItem, 'my-table', actions) // 32 + 96 × (number of signed attributes) bytes
 *
 * @param options Defaults are what this library writes (Python order and exact numbers); see {@link SerializeOptions}.
 * @throws {SerializationError} ERR_SERIALIZATION if the table name or an attribute name is not valid text, or a
 * signed value cannot be serialized (the message names the attribute).
 */
export function stringToSign(
  item: Item,
  tableName: string,
  actions: AttributeActions,
  options?: SerializeOptions,
): Uint8Array {
  return stringToSignWithFlags(item, tableName, actions, serializeFlags(options))
}

/**
 * {@link stringToSign} with already-resolved {@link SerializeFlag} bits (the item encryptor resolves them once).
 * @internal
 */
export function stringToSignWithFlags(item: Item, tableName: string, actions: AttributeActions, flags: number): Uint8Array {
  checkText(tableName, 'The table name')
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new SerializationError('The item must be an object mapping attribute names to AttributeValue')
  }
  const names: string[] = []
  for (const name of Object.keys(item)) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription) continue
    if (actions.action(name) === CryptoAction.DO_NOTHING) continue
    checkText(name, 'An attribute name')
    names.push(name)
  }
  names.sort((flags & SerializeFlag.Utf16Ordering) !== 0 ? compareUtf16 : compareCodePoint)

  const out = new Uint8Array(DIGEST_LENGTH * (1 + 3 * names.length))
  out.set(tableDigest(tableName), 0)
  let offset = DIGEST_LENGTH
  // One writer for the whole item: each value is serialized, hashed straight into `out`, and overwritten by the
  // next; the writer is wiped once at the end.
  const writer = acquireWriter()
  try {
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string
      const value = item[name]
      if (value === undefined) {
        throw new SerializationError(`Attribute "${name}" has no value; remove it from the item or give it a value`)
      }
      out.set(cachedDigest(name), offset)
      out.set(actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? ENCRYPTED_DIGEST : PLAINTEXT_DIGEST, offset + DIGEST_LENGTH)
      writer.reset()
      writeAttribute(writer, value, flags, name)
      sha256Into(writer.view(), out, offset + 2 * DIGEST_LENGTH)
      offset += 3 * DIGEST_LENGTH
    }
  } finally {
    releaseWriter(writer)
  }
  return out
}
