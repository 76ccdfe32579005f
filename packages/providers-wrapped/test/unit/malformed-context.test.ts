/** Issue 9: the wrapped provider refuses malformed contexts with typed errors (found by `pnpm fuzz`). */
import { DynamoDBEncryptionError, type EncryptionContext } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '../../src/wrapped-materials-provider'
import { aesKey, hmacKey } from '../support/keys'

describe('WrappedMaterialsProvider.getDecryptionMaterials with a malformed context', () => {
  const key = aesKey()
  const provider = new WrappedMaterialsProvider({ wrappingKey: key, unwrappingKey: key, signingKey: hmacKey() })
  it.each([
    ['no context', undefined],
    ['materialDescription undefined', { attributes: {} }],
    ['materialDescription a string', { attributes: {}, materialDescription: 'x' }],
    ['an env-key that is not a string', { attributes: {}, materialDescription: { 'amzn-ddb-env-key': 5, 'amzn-ddb-wrap-alg': 'AESWrap' } }],
  ])('%s: ERR_INVALID_ARGUMENT', async (_label, context) => {
    const error = await provider.getDecryptionMaterials(context as unknown as EncryptionContext).then(() => undefined, (e: unknown) => e)
    expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
    expect((error as DynamoDBEncryptionError).code).toBe('ERR_INVALID_ARGUMENT')
    expect((error as Error).message).toMatch(/^WrappedMaterialsProvider\.getDecryptionMaterials: the EncryptionContext /)
  })
})
