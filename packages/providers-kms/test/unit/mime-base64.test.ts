/**
 * Issue 9: older Java clients wrote `amzn-ddb-env-key` as MIME base64 (76-character lines separated by CRLF); both
 * references read it leniently. A Direct KMS item whose encrypted data key is spelled that way must decrypt, and KMS
 * must be sent exactly the blob that was stored.
 */
import {
  AttributeActions,
  CryptoAction,
  decryptItem,
  DecryptionError,
  encryptItem,
  MaterialDescriptionKey,
  UnwrappingError,
  type Item,
} from '@ddb-encryption/core'
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms'
import { descriptionOf, withDescription } from '@ddb-encryption/testing'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'
import { emulatedKms } from '../support/fake-kms'

const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const CONTEXT = { tableName: 'Orders', partitionKeyName: 'pk', sortKeyName: 'sk' }
const ACTIONS = new AttributeActions({ attributeActions: { note: CryptoAction.SIGN_ONLY } }).setIndexKeys('pk', 'sk')
const PLAINTEXT: Item = Object.freeze({ pk: { S: 'order-1' }, sk: { N: '3' }, card: { S: '4111' }, note: { S: 'gift' } })
const ENV_KEY = MaterialDescriptionKey.WrappedDataKey

const lines = (text: string, width: number): string[] => text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []
const withEnvKey = (item: Item, text: string): Item => withDescription(item, { ...descriptionOf(item), [ENV_KEY]: text })

describe('DirectKMSMaterialsProvider reads items whose env-key is MIME base64', () => {
  it.each([
    ['MIME (76-character lines, CRLF between)', (t: string) => lines(t, 76).join('\r\n')],
    ['chunked (CRLF after every 76-character line)', (t: string) => lines(t, 76).map((l) => `${l}\r\n`).join('')],
    ['64-character lines separated by LF', (t: string) => lines(t, 64).join('\n')],
  ])('%s', async (_label, spell) => {
    const kms = emulatedKms(KEY_ARN)
    const config = { materialsProvider: new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient() }), encryptionContext: CONTEXT, attributeActions: ACTIONS }
    const stored = await encryptItem(PLAINTEXT, config)
    const canonical = descriptionOf(stored)[ENV_KEY] as string
    const text = spell(canonical)
    expect(text.split(/\r?\n/).filter((l) => l !== '').length).toBeGreaterThan(1)

    expect(await decryptItem(withEnvKey(stored, text), config)).toEqual(PLAINTEXT)
    const generated = kms.sent[0] as GenerateDataKeyCommand
    const decrypt = kms.sent[1] as DecryptCommand
    expect(decrypt).toBeInstanceOf(DecryptCommand)
    expect(Buffer.from(decrypt.input.CiphertextBlob as Uint8Array).toString('base64')).toBe(canonical)
    expect(generated).toBeInstanceOf(GenerateDataKeyCommand)
  })

  it('still refuses text neither reference decodes, before calling KMS', async () => {
    const kms = emulatedKms(KEY_ARN)
    const config = { materialsProvider: new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: kms.asClient() }), encryptionContext: CONTEXT, attributeActions: ACTIONS }
    const stored = await encryptItem(PLAINTEXT, config)
    const canonical = descriptionOf(stored)[ENV_KEY] as string
    // One character left over after the last complete unit: Java's MIME decoder and Python's b64decode refuse it.
    const error = await decryptItem(withEnvKey(stored, `${canonical.replace(/=+$/, '')}\r\nAB`), config).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect(error).not.toBeInstanceOf(DecryptionError)
    expect(kms.sent.filter((c) => c instanceof DecryptCommand)).toHaveLength(0)
  })
})
