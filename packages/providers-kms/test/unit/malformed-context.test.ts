/** Issue 9: the Direct KMS provider refuses malformed contexts and key attributes with typed errors (found by `pnpm fuzz`). */
import { DynamoDBEncryptionError, type EncryptionContext } from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'
import { FakeKms } from '../support/fake-kms'

const DESCRIPTION = {
  'amzn-ddb-wrap-alg': 'kms', 'amzn-ddb-env-alg': 'AES/256', 'amzn-ddb-sig-alg': 'HmacSHA256/256', 'amzn-ddb-env-key': 'AAAA',
}

function provider(): { provider: DirectKMSMaterialsProvider; kms: FakeKms } {
  const kms = new FakeKms(() => { throw new Error('KMS must not be called for a malformed input') })
  return { provider: new DirectKMSMaterialsProvider({ keyId: 'alias/k', kmsClient: kms.asClient() }), kms }
}

describe('DirectKMSMaterialsProvider with malformed input', () => {
  it.each([
    ['no context', null],
    ['attributes undefined', { tableName: 't', materialDescription: DESCRIPTION }],
    ['materialDescription null', { tableName: 't', attributes: {}, materialDescription: null }],
    ['a description value that is not a string', { tableName: 't', attributes: {}, materialDescription: { ...DESCRIPTION, 'amzn-ddb-env-key': 5 } }],
  ])('%s: ERR_INVALID_ARGUMENT from both methods, before any KMS call', async (_label, context) => {
    const { provider: p, kms } = provider()
    for (const call of [() => p.getDecryptionMaterials(context as unknown as EncryptionContext), () => p.getEncryptionMaterials(context as unknown as EncryptionContext)]) {
      const error = await call().then(() => undefined, (e: unknown) => e as DynamoDBEncryptionError)
      expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
      expect(error?.code).toBe('ERR_INVALID_ARGUMENT')
    }
    expect(kms.sent).toHaveLength(0)
  })

  it.each([null, 'S', 5, { S: 5 }, { N: null }, { B: 'AAAA' }, { NULL: true }, { S: undefined }])(
    'a key attribute %p is refused with ERR_INVALID_ARGUMENT naming the attribute, not a TypeError',
    async (value) => {
      const { provider: p, kms } = provider()
      const context = { tableName: 't', partitionKeyName: 'pk', attributes: { pk: value }, materialDescription: DESCRIPTION }
      const error = await p.getDecryptionMaterials(context as unknown as EncryptionContext).then(() => undefined, (e: unknown) => e as DynamoDBEncryptionError)
      expect(error?.code).toBe('ERR_INVALID_ARGUMENT')
      expect(error?.message).toContain('Key attribute "pk" has a type that cannot go into the KMS encryption context')
      expect(kms.sent).toHaveLength(0)
    },
  )
})
