import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  DynamoDBEncryptionError,
  encryptItem,
  type Item,
  UnwrappingError,
} from '@ddb-encryption/core'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'
import { emulatedKms } from '../support/fake-kms'

const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const TABLE = { tableName: 'Orders', partitionKeyName: 'pk', sortKeyName: 'sk' }

function item(pk: Item[string], sk: Item[string]): Item {
  return {
    pk,
    sk,
    s: { S: 'text' },
    n: { N: '12.5' }, // encrypted values come back normalized
    b: { B: Uint8Array.of(1, 2, 3) },
    ss: { SS: ['a', 'b'] },
    ns: { NS: ['1', '2.5'] },
    bs: { BS: [Uint8Array.of(8), Uint8Array.of(9)] }, // and with sets sorted
    bool: { BOOL: true },
    nul: { NULL: true },
    l: { L: [{ S: 'x' }, { N: '1' }] },
    m: { M: { inner: { S: 'y' } } },
    signed: { S: 'sign only' },
  }
}

const actions = new AttributeActions({ attributeActions: { signed: CryptoAction.SIGN_ONLY } }).setIndexKeys('pk', 'sk')

describe('DirectKMSMaterialsProvider with encryptItem / decryptItem (emulated KMS)', () => {
  it.each([
    ['S', { S: 'order-1' }, { S: 'line-1' }],
    ['N', { N: '10.25' }, { N: '-3' }],
    ['B', { B: Uint8Array.of(0, 255) }, { B: Uint8Array.of(7) }],
  ])('round-trips an item with every attribute type and %s keys', async (_type, pk, sk) => {
    const kms = emulatedKms(KEY_ARN)
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient() })
    const config = { materialsProvider: provider, encryptionContext: TABLE, attributeActions: actions }
    const plaintext = item(pk, sk)
    const stored = await encryptItem(plaintext, config)
    expect(stored.s).not.toEqual(plaintext.s)
    expect(stored.pk).toEqual(pk)
    expect(await decryptItem(stored, config)).toEqual(plaintext)
    expect(kms.sent.map((c) => c.constructor.name)).toEqual(['GenerateDataKeyCommand', 'DecryptCommand'])
  })

  it('refuses an item moved to another table, partition key or sort key with UnwrappingError', async () => {
    const kms = emulatedKms(KEY_ARN)
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient() })
    const config = { materialsProvider: provider, encryptionContext: TABLE, attributeActions: actions }
    const stored = await encryptItem(item({ S: 'a' }, { N: '1' }), config)
    const attempts: Array<Promise<unknown>> = [
      decryptItem(stored, { ...config, encryptionContext: { ...TABLE, tableName: 'Other' } }),
      decryptItem({ ...stored, pk: { S: 'b' } }, config),
      decryptItem({ ...stored, sk: { N: '1.0' } }, config),
    ]
    for (const attempt of attempts) {
      const error = await attempt.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UnwrappingError)
      expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
    }
  })

  it('refuses an item read with different caller encryption context', async () => {
    const kms = emulatedKms(KEY_ARN)
    const writer = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient(), kmsEncryptionContext: { tenant: 'a' } })
    const reader = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient(), kmsEncryptionContext: { tenant: 'b' } })
    const stored = await encryptItem(item({ S: 'a' }, { N: '1' }), { materialsProvider: writer, encryptionContext: TABLE, attributeActions: actions })
    await expect(decryptItem(stored, { materialsProvider: reader, encryptionContext: TABLE, attributeActions: actions }))
      .rejects.toThrow(UnwrappingError)
  })
})
