import { LocalDelegatedKey } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'

/** A wrapped meta provider with fresh keys (protects MetaStore rows in tests). */
export function newMetaProvider(): WrappedMaterialsProvider {
  const aes = LocalDelegatedKey.generate('AES', 256)
  return new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
}
