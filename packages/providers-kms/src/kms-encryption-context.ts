import {
  type AttributeValue,
  DirectKMS,
  type EncryptionContext,
  InvalidArgumentError,
  getOwn,
  MaterialDescriptionKey,
  normalizeNumber,
  setOwn,
  toBase64,
  UnwrappingError,
} from '@ddb-encryption/core'

/** KMS encryption-context keys this provider sets itself; callers may not supply them (FORMAT.md 7.3). @internal */
export const RESERVED_KMS_CONTEXT_KEYS: readonly string[] = Object.freeze([
  DirectKMS.ContextKeyContentAlgorithm,
  DirectKMS.ContextKeySigningAlgorithm,
  DirectKMS.ContextKeyTable,
])

/** The parts of an {@link EncryptionContext} that feed the KMS encryption context. */
export type KMSContextSource = Pick<EncryptionContext, 'tableName' | 'partitionKeyName' | 'sortKeyName' | 'attributes'>

/**
 * Converts a key attribute to its KMS encryption-context value (FORMAT.md 7.3): `S` as is, `N` as the text held
 * (not normalized: KMS compares strings, and the references send the raw text), `B` as base64.
 */
function keyAttributeValue(name: string, value: AttributeValue, forWriting: boolean): string {
  // The item may be anything a caller or a tampered table hands us: check before using (no TypeError).
  const record: unknown = value
  if (typeof record !== 'object' || record === null) return badKeyType(name)
  if ('S' in value) return typeof value.S === 'string' ? value.S : badKeyType(name)
  if ('N' in value) {
    if (typeof value.N !== 'string') return badKeyType(name)
    // DynamoDB stores numbers normalized ("10.50" comes back as "10.5"), and the reader sends the text it reads.
    // A writer sending other text than DynamoDB will return makes an item nobody can decrypt (the references
    // have this trap), so writing refuses it; reading sends the text as held, for compatibility.
    if (forWriting && normalizeNumber(value.N) !== value.N) {
      throw new InvalidArgumentError(
        `Key attribute "${name}" holds number text that DynamoDB stores differently (leading or trailing zeros, ` +
          'exponent, sign); the KMS encryption context would then differ on read and the item could not be ' +
          'decrypted. Pass the number in normalized form (normalizeNumber from @ddb-encryption/core)',
      )
    }
    return value.N
  }
  if ('B' in value) return value.B instanceof Uint8Array ? toBase64(value.B) : badKeyType(name)
  return badKeyType(name)
}

function badKeyType(name: string): never {
  throw new InvalidArgumentError(
    `Key attribute "${name}" has a type that cannot go into the KMS encryption context; partition and sort keys ` +
      'must be of type S, N or B',
  )
}

function checkKeyName(name: string): void {
  if (RESERVED_KMS_CONTEXT_KEYS.includes(name)) {
    throw new InvalidArgumentError(
      `Key attribute name "${name}" collides with a KMS encryption context key reserved by the Direct KMS ` +
        'provider; rename the key attribute',
    )
  }
}

/**
 * Builds the KMS encryption context from the two key descriptions and the item context (FORMAT.md 7.3).
 * `forWriting` additionally refuses `N` key text that DynamoDB would store in another form.
 * @internal
 */
export function buildKMSEncryptionContext(
  contentKeyDescription: string,
  signingKeyDescription: string,
  context: KMSContextSource,
  extraContext: Readonly<Record<string, string>> = {},
  forWriting = false,
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(extraContext)) {
    if (RESERVED_KMS_CONTEXT_KEYS.includes(key)) {
      throw new InvalidArgumentError(
        `Encryption context key "${key}" is reserved by the Direct KMS provider; choose another name`,
      )
    }
    if (key === context.partitionKeyName || key === context.sortKeyName) {
      throw new InvalidArgumentError(
        `Encryption context key "${key}" is also the name of a table key attribute, whose value the provider ` +
          'puts under that name; choose another name',
      )
    }
    setOwn(result, key, value)
  }
  result[DirectKMS.ContextKeyContentAlgorithm] = contentKeyDescription
  result[DirectKMS.ContextKeySigningAlgorithm] = signingKeyDescription
  for (const name of [context.partitionKeyName, context.sortKeyName]) {
    if (name === undefined) continue
    checkKeyName(name)
    // A key attribute the item lacks is left out, as Python does (Java throws). Writer and reader then agree as
    // long as both see the same item; KMS refuses the data key if they do not.
    const value = getOwn(context.attributes, name)
    if (value !== undefined) setOwn(result, name, keyAttributeValue(name, value, forWriting))
  }
  if (context.tableName !== undefined) result[DirectKMS.ContextKeyTable] = context.tableName
  return result
}

/**
 * Builds the KMS encryption context that decrypting an item sends to KMS `Decrypt`, from the item's material
 * description and the item context (FORMAT.md 7.3). The Direct KMS provider uses this very function, so the
 * vectors runner can check the structure of network (`awskms`) vectors offline.
 *
 * Keys: `*amzn-ddb-env-alg*` and `*amzn-ddb-sig-alg*` (the description's `amzn-ddb-env-alg` / `amzn-ddb-sig-alg`,
 * verbatim), the partition and sort key values from `context.attributes` (`S` as is, `N` text not normalized,
 * `B` base64; a key the item lacks is left out), `*aws-kms-table*` when `context.tableName` is set, plus
 * `extraContext`.
 *
 * @example
 * ```ts
 * const ec = kmsEncryptionContextFor(deserializeMaterialDescription(item['*amzn-ddb-map-desc*'].B), {
 *   tableName: 'TableName', partitionKeyName: 'hashKey', sortKeyName: 'rangeKey', attributes: item,
 * })
 * ```
 * @throws UnwrappingError (`ERR_UNWRAPPING_FAILED`) if the description lacks `amzn-ddb-env-alg` or `amzn-ddb-sig-alg`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if a key attribute is not S, N or B, or a name collides
 *   with a reserved context key.
 */
export function kmsEncryptionContextFor(
  materialDescription: Readonly<Record<string, string>>,
  context: KMSContextSource,
  extraContext?: Readonly<Record<string, string>>,
): Record<string, string> {
  const contentKey = ownString(materialDescription, MaterialDescriptionKey.ContentEncryptionAlgorithm)
  const signingKey = ownString(materialDescription, MaterialDescriptionKey.ItemSignatureAlgorithm)
  if (contentKey === undefined || signingKey === undefined) {
    throw new UnwrappingError(
      `The item's material description lacks ${MaterialDescriptionKey.ContentEncryptionAlgorithm} or ` +
        `${MaterialDescriptionKey.ItemSignatureAlgorithm}, so it was not written by a Direct KMS provider; ` +
        'read it with the provider that wrote it',
    )
  }
  return buildKMSEncryptionContext(contentKey, signingKey, context, extraContext)
}

/** Own string property of a description, ignoring prototype keys such as `constructor`. @internal */
export function ownString(map: Readonly<Record<string, string>>, key: string): string | undefined {
  const value: unknown = getOwn(map, key)
  return typeof value === 'string' ? value : undefined
}
