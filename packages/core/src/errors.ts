/**
 * Typed errors mirroring the Python client's exception taxonomy (FORMAT.md section 9). Every class has a stable
 * `code` to switch on. Messages may name attributes but never contain key bytes, plaintext, ciphertext or
 * attribute values.
 */
const MARKER = Symbol.for('ddb-encryption.error')

export type ErrorCode =
  | 'ERR_DDB_ENCRYPTION'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_ALGORITHM'
  | 'ERR_UNSUPPORTED_OPERATION'
  | 'ERR_SERIALIZATION'
  | 'ERR_DESERIALIZATION'
  | 'ERR_INVALID_MATERIAL_DESCRIPTION'
  | 'ERR_INVALID_MATERIAL_DESCRIPTION_VERSION'
  | 'ERR_JCE_TRANSFORMATION'
  | 'ERR_INVALID_KEY'
  | 'ERR_DELEGATED_KEY'
  | 'ERR_MATERIALS_UNAVAILABLE'
  | 'ERR_AWS_KMS_PROVIDER'
  | 'ERR_UNKNOWN_REGION'
  | 'ERR_DECRYPTION_FAILED'
  | 'ERR_UNWRAPPING_FAILED'
  | 'ERR_ENCRYPTION_FAILED'
  | 'ERR_WRAPPING_FAILED'
  | 'ERR_SIGNING_FAILED'
  | 'ERR_SIGNATURE_VERIFICATION_FAILED'
  | 'ERR_PYTHON_ROUNDED_NUMBERS'
  | 'ERR_NON_PORTABLE_ITEM'
  | 'ERR_PROVIDER_STORE'
  | 'ERR_INVALID_VERSION'

/** Base class of every error this library throws on purpose. */
export class DynamoDBEncryptionError extends Error {
  readonly code: ErrorCode = 'ERR_DDB_ENCRYPTION'
  readonly [MARKER] = true
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
  /**
   * True for any error of this library, even from another installed copy of core. Narrows to
   * {@link AnyDynamoDBEncryptionError}, so a `switch` on `code` narrows to the class.
   */
  static isInstance(value: unknown): value is AnyDynamoDBEncryptionError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true
  }
}

/** A caller passed something this library cannot use; the message says what to change. */
export class InvalidArgumentError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_ALGORITHM' | 'ERR_UNSUPPORTED_OPERATION' | 'ERR_INVALID_KEY' = 'ERR_INVALID_ARGUMENT'
}
/** An algorithm name is unknown or not allowed where it was used. */
export class InvalidAlgorithmError extends InvalidArgumentError {
  override readonly code = 'ERR_INVALID_ALGORITHM' as const
}
/** The operation would bypass encryption or break signatures, so it is refused before anything is sent. */
export class UnsupportedOperationError extends InvalidArgumentError {
  override readonly code = 'ERR_UNSUPPORTED_OPERATION' as const
}
/** A key has the wrong type, size or encoding for its use. */
export class InvalidKeyError extends InvalidArgumentError {
  override readonly code = 'ERR_INVALID_KEY' as const
}
/** An attribute value cannot be serialized (FORMAT.md section 1). */
export class SerializationError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_SERIALIZATION' | 'ERR_NON_PORTABLE_ITEM' = 'ERR_SERIALIZATION'
}
/**
 * `writeMode: 'portable'` refused an item: the Python and Java clients would compute different strings to sign for
 * it (FORMAT.md 11), so one of them could not verify it. The message names the attribute and what differs.
 */
export class NonPortableItemError extends SerializationError {
  override readonly code = 'ERR_NON_PORTABLE_ITEM' as const
}
/** Serialized attribute bytes are malformed (FORMAT.md 1.6). */
export class DeserializationError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_DESERIALIZATION' | 'ERR_INVALID_MATERIAL_DESCRIPTION' | 'ERR_INVALID_MATERIAL_DESCRIPTION_VERSION' = 'ERR_DESERIALIZATION'
}
/** A material description is malformed (FORMAT.md 2.2). */
export class InvalidMaterialDescriptionError extends DeserializationError {
  override readonly code = 'ERR_INVALID_MATERIAL_DESCRIPTION' as const
}
/** A material description has a version other than 0 (FORMAT.md 2.2). */
export class InvalidMaterialDescriptionVersionError extends DeserializationError {
  override readonly code = 'ERR_INVALID_MATERIAL_DESCRIPTION_VERSION' as const
}
/** A JCE transformation or algorithm name is invalid or unsupported (FORMAT.md 4.1, 7.2). */
export class JceTransformationError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_JCE_TRANSFORMATION' as const
}
/** A delegated key cannot perform the requested operation. */
export class DelegatedKeyError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_DELEGATED_KEY' as const
}
/** A provider has no materials for this request (Python raises AttributeError here). */
export class MaterialsUnavailableError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_MATERIALS_UNAVAILABLE' as const
}
/** The Direct KMS provider is misconfigured. */
export class AwsKMSMaterialsProviderError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_AWS_KMS_PROVIDER' | 'ERR_UNKNOWN_REGION' = 'ERR_AWS_KMS_PROVIDER'
}
/** No region could be determined for a KMS key id. */
export class UnknownRegionError extends AwsKMSMaterialsProviderError {
  override readonly code = 'ERR_UNKNOWN_REGION' as const
}
/** An item or attribute could not be decrypted. The detail, if any, is in `cause`. */
export class DecryptionError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_DECRYPTION_FAILED' as const
}
/** A wrapped content key could not be unwrapped. */
export class UnwrappingError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_UNWRAPPING_FAILED' as const
}
/** An item or attribute could not be encrypted. */
export class EncryptionError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_ENCRYPTION_FAILED' as const
}
/** A content key could not be wrapped. */
export class WrappingError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_WRAPPING_FAILED' as const
}
/** An item could not be signed. */
export class SigningError extends DynamoDBEncryptionError {
  override readonly code = 'ERR_SIGNING_FAILED' as const
}
/** The item signature does not verify: the item was altered, moved, or read with other keys or actions. */
export class SignatureVerificationError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_SIGNATURE_VERIFICATION_FAILED' | 'ERR_PYTHON_ROUNDED_NUMBERS' = 'ERR_SIGNATURE_VERIFICATION_FAILED'
}
/**
 * The item's signature verifies only if its numbers are rounded to 28 significant digits (or `-0` is kept), as the
 * Python client signs them, and `acceptPythonRoundedNumbers` is off: the item was either written by the Python
 * client with such numbers, or a number was changed past its 28th digit. Pass `acceptPythonRoundedNumbers: true`
 * only if Python writers use this table (numbers are then authenticated to 28 significant digits only).
 */
export class PythonRoundedNumbersError extends SignatureVerificationError {
  override readonly code = 'ERR_PYTHON_ROUNDED_NUMBERS' as const
}
/** A provider store (e.g. MetaStore) failed. */
export class ProviderStoreError extends DynamoDBEncryptionError {
  override readonly code: 'ERR_PROVIDER_STORE' | 'ERR_INVALID_VERSION' = 'ERR_PROVIDER_STORE'
}
/** The requested version does not exist or is not usable. */
export class InvalidVersionError extends ProviderStoreError {
  override readonly code = 'ERR_INVALID_VERSION' as const
}

/**
 * Every error class this library throws (subclasses from other packages, such as client-helpers'
 * `ItemDecryptionError`, are members through their parent), discriminated by `code`: a parent class is a member
 * with its own code only, so each code narrows to exactly one class.
 *
 * @example
 * if (DynamoDBEncryptionError.isInstance(error)) {
 *   switch (error.code) {
 *     case 'ERR_SIGNATURE_VERIFICATION_FAILED': // error is a SignatureVerificationError
 *   }
 * }
 */
export type AnyDynamoDBEncryptionError =
  | (InvalidArgumentError & { readonly code: 'ERR_INVALID_ARGUMENT' })
  | InvalidAlgorithmError
  | UnsupportedOperationError
  | InvalidKeyError
  | (SerializationError & { readonly code: 'ERR_SERIALIZATION' })
  | NonPortableItemError
  | (DeserializationError & { readonly code: 'ERR_DESERIALIZATION' })
  | InvalidMaterialDescriptionError
  | InvalidMaterialDescriptionVersionError
  | JceTransformationError
  | DelegatedKeyError
  | MaterialsUnavailableError
  | (AwsKMSMaterialsProviderError & { readonly code: 'ERR_AWS_KMS_PROVIDER' })
  | UnknownRegionError
  | DecryptionError
  | UnwrappingError
  | EncryptionError
  | WrappingError
  | SigningError
  | (SignatureVerificationError & { readonly code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })
  | PythonRoundedNumbersError
  | (ProviderStoreError & { readonly code: 'ERR_PROVIDER_STORE' })
  | InvalidVersionError
