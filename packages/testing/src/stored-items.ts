import {
  deserializeMaterialDescription,
  ReservedAttribute,
  serializeMaterialDescription,
  setOwn,
  type AttributeValue,
  type DelegatedKey,
  type Item,
} from '@ddb-encryption/core'

/** A stored item without its two reserved attributes (signature and material description): what is signed. */
export function storedBody(item: Item): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const name of Object.keys(item)) {
    if (name !== ReservedAttribute.Signature && name !== ReservedAttribute.MaterialDescription) setOwn(out, name, item[name] as AttributeValue)
  }
  return out
}

/** The parsed material description of a stored item. */
export function descriptionOf(item: Item): Record<string, string> {
  const value = item[ReservedAttribute.MaterialDescription]
  if (value === undefined || !('B' in value)) throw new Error('the item has no material description')
  return deserializeMaterialDescription(value.B)
}

/** The item with its material description replaced (the description is not signed: no re-signing needed). */
export function withDescription(item: Item, md: Record<string, string>): Item {
  return { ...item, [ReservedAttribute.MaterialDescription]: { B: serializeMaterialDescription(md) } }
}

/**
 * A DelegatedKey that forwards every call to `key` but is not a LocalDelegatedKey: the encryptor takes its generic
 * path for it. Spread it and replace a method to record or change one call.
 */
export function forwardingKey(key: DelegatedKey): DelegatedKey {
  return {
    algorithm: key.algorithm,
    allowedForRawMaterials: key.allowedForRawMaterials,
    encrypt: (algorithm, name, plaintext) => key.encrypt(algorithm, name, plaintext),
    decrypt: (algorithm, name, ciphertext) => key.decrypt(algorithm, name, ciphertext),
    wrap: (algorithm, contentKey) => key.wrap(algorithm, contentKey),
    unwrap: (algorithm, wrapped, keyAlgorithm, keyType) => key.unwrap(algorithm, wrapped, keyAlgorithm, keyType),
    sign: (algorithm, data) => key.sign(algorithm, data),
    verify: (algorithm, signature, data) => key.verify(algorithm, signature, data),
  }
}
