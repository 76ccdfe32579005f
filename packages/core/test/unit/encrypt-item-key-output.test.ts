/**
 * A DelegatedKey of the caller's own whose `encrypt` does not return bytes: encryptItem refuses the item with the
 * typed error of the stored value's serialization (SerializationError), as before the string to sign was made
 * from the ciphertext arrays; it never signs something else than what it stores.
 */
import { randomBytes } from 'node:crypto'
import { forwardingKey, TestStaticProvider } from '@ddb-encryption/testing'
import { AttributeActions, CryptoAction, encryptItem, LocalDelegatedKey, SerializationError, type DelegatedKey } from '../../src/index'
import { configFor, rejection } from '../support/helpers'

describe('encryptItem with a DelegatedKey whose encrypt returns something that is not bytes', () => {
  const aes = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(16)), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
  const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })

  for (const [label, output] of [['a string', 'abc'], ['an array of numbers', [1, 2, 3]], ['undefined', undefined]] as const) {
    it(`refuses ${label} with SerializationError, signing nothing`, async () => {
      let signed = 0
      const bad: DelegatedKey = { ...forwardingKey(aes), encrypt: async () => output as unknown as Uint8Array }
      const signer: DelegatedKey = { ...forwardingKey(hmac), sign: (algorithm, data) => { signed++; return hmac.sign(algorithm, data) } }
      const error = await rejection(encryptItem({ pk: { S: 'k' }, secret: { S: 'value' } }, configFor(new TestStaticProvider({ encryptionKey: bad, signingKey: signer }), actions)))
      expect(error).toBeInstanceOf(SerializationError)
      if (output !== undefined) expect(error.message).toContain('B must be a Uint8Array')
      expect(signed).toBe(0)
    })
  }
})
