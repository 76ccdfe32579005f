/**
 * Literal error codes and the exported union: a `switch` on `code` narrows an {@link AnyDynamoDBEncryptionError} to
 * its class. `pnpm typecheck` compiles this file, so a class whose `code` is widened to `string` (or a code missing
 * from the switch) fails the build; the runtime assertions check that each case really is that class.
 */
import * as core from '@ddb-encryption/core'
import {
  DynamoDBEncryptionError,
  type AnyDynamoDBEncryptionError,
  type ErrorCode,
  type PythonRoundedNumbersError,
  type UnknownRegionError,
} from '@ddb-encryption/core'

/** The class each code narrows to; `never` in the default branch makes the switch exhaustive. */
function classOf(error: AnyDynamoDBEncryptionError): string {
  switch (error.code) {
    case 'ERR_INVALID_ARGUMENT': return 'InvalidArgumentError'
    case 'ERR_INVALID_ALGORITHM': return 'InvalidAlgorithmError'
    case 'ERR_UNSUPPORTED_OPERATION': return 'UnsupportedOperationError'
    case 'ERR_INVALID_KEY': return 'InvalidKeyError'
    case 'ERR_SERIALIZATION': return 'SerializationError'
    case 'ERR_NON_PORTABLE_ITEM': return 'NonPortableItemError'
    case 'ERR_DESERIALIZATION': return 'DeserializationError'
    case 'ERR_INVALID_MATERIAL_DESCRIPTION': return 'InvalidMaterialDescriptionError'
    case 'ERR_INVALID_MATERIAL_DESCRIPTION_VERSION': return 'InvalidMaterialDescriptionVersionError'
    case 'ERR_JCE_TRANSFORMATION': return 'JceTransformationError'
    case 'ERR_DELEGATED_KEY': return 'DelegatedKeyError'
    case 'ERR_MATERIALS_UNAVAILABLE': return 'MaterialsUnavailableError'
    case 'ERR_AWS_KMS_PROVIDER': return 'AwsKMSMaterialsProviderError'
    case 'ERR_UNKNOWN_REGION': {
      const narrowed: UnknownRegionError = error
      return narrowed.name === 'UnknownRegionError' ? 'UnknownRegionError' : 'a subclass'
    }
    case 'ERR_DECRYPTION_FAILED': return 'DecryptionError'
    case 'ERR_UNWRAPPING_FAILED': return 'UnwrappingError'
    case 'ERR_ENCRYPTION_FAILED': return 'EncryptionError'
    case 'ERR_WRAPPING_FAILED': return 'WrappingError'
    case 'ERR_SIGNING_FAILED': return 'SigningError'
    case 'ERR_SIGNATURE_VERIFICATION_FAILED': return 'SignatureVerificationError'
    case 'ERR_PYTHON_ROUNDED_NUMBERS': {
      const narrowed: PythonRoundedNumbersError = error
      return narrowed.name
    }
    case 'ERR_PROVIDER_STORE': return 'ProviderStoreError'
    case 'ERR_INVALID_VERSION': return 'InvalidVersionError'
    default: {
      const unreachable: never = error
      return String(unreachable)
    }
  }
}

// Every code of the union is a class's code (the base's own code is for the base alone, which is never thrown).
type ClassCode = AnyDynamoDBEncryptionError['code']
const everyCodeHasAClass: Exclude<ErrorCode, ClassCode> = 'ERR_DDB_ENCRYPTION'

type ErrorClass = new (message: string, options?: ErrorOptions) => DynamoDBEncryptionError
const classes = Object.entries(core as Record<string, unknown>).filter(
  (entry): entry is [string, ErrorClass] => typeof entry[1] === 'function' && (entry[1] as ErrorClass).prototype instanceof DynamoDBEncryptionError,
)

describe('error codes', () => {
  it('finds the exported error classes', () => {
    expect(classes.length).toBe(23)
    expect(everyCodeHasAClass).toBe('ERR_DDB_ENCRYPTION')
  })

  it.each(classes)('%s: a switch on its literal code narrows to it', (name, cls) => {
    const error = new cls('message')
    expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
    if (!DynamoDBEncryptionError.isInstance(error)) return
    expect(classOf(error)).toBe(name)
  })
})
