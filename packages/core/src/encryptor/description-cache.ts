import type { EncryptionMaterials } from '../materials/cryptographic-materials'
import { bytesEqual } from '../crypto/bytes'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../serialize/material-description'
import { MaterialDescriptionKey, SYMMETRIC_MODE } from '../wire'

/**
 * The material description's two caches (FORMAT.md 2.2): on write, the serialized description of each frozen
 * materials object; on read, the last stored description parsed. Both hold only descriptions, which are stored in
 * plaintext anyway.
 */

const SYM_MODE = MaterialDescriptionKey.SymmetricMode
const SIGNING_ALG = MaterialDescriptionKey.SigningAlgorithm

/** The description of an item that has none. @internal */
export const EMPTY_DESCRIPTION: Readonly<Record<string, string>> = Object.freeze({})

/** Serialized descriptions of frozen materials objects, so a static provider's description is serialized once. */
const descriptionCache = new WeakMap<EncryptionMaterials, Uint8Array>()

/**
 * The last stored description read and its parsed, frozen form: items written with the same materials carry the
 * same description bytes, so most reads skip parsing. The bytes are copied (callers own theirs) and compared in full.
 */
let lastDescriptionBytes: Uint8Array | undefined
let lastDescription: Readonly<Record<string, string>> = EMPTY_DESCRIPTION
const MAX_CACHED_DESCRIPTION_BYTES = 1024

/** The stored description parsed (FORMAT.md 2.2) and frozen; throws as {@link deserializeMaterialDescription}. @internal */
export function parsedDescription(bytes: Uint8Array): Readonly<Record<string, string>> {
  const last = lastDescriptionBytes
  if (last !== undefined && bytesEqual(last, bytes)) return lastDescription
  const description = Object.freeze(deserializeMaterialDescription(bytes))
  if (bytes.length <= MAX_CACHED_DESCRIPTION_BYTES) {
    lastDescriptionBytes = bytes.slice()
    lastDescription = description
  }
  return description
}

/** The description written with the item (FORMAT.md 2.2, 5.4), serialized once per frozen materials object. @internal */
export function descriptionBytes(materials: EncryptionMaterials): Uint8Array {
  const cacheable = Object.isFrozen(materials) && Object.isFrozen(materials.materialDescription)
  if (cacheable) {
    const cached = descriptionCache.get(materials)
    // A copy per item: callers own the items we return and may change their bytes.
    if (cached !== undefined) return cached.slice()
  }
  const md: Record<string, string> = { ...materials.materialDescription }
  // Python writes sym-mode whenever there is an encryption key (even if nothing is encrypted) and the signing
  // algorithm for every signing key (FORMAT.md 2.3). Our own values win over the provider's.
  if (materials.encryptionKey !== undefined) md[SYM_MODE] = SYMMETRIC_MODE
  md[SIGNING_ALG] = materials.signingKey.algorithm
  const bytes = serializeMaterialDescription(md)
  if (cacheable) {
    descriptionCache.set(materials, bytes)
    return bytes.slice()
  }
  return bytes
}
