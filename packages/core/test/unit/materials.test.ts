import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { createDecryptionMaterials, createEncryptionMaterials } from '../../src/materials/cryptographic-materials'

const aes = LocalDelegatedKey.generate('AES', 256)
const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)

describe('createEncryptionMaterials / createDecryptionMaterials (built without temporaries)', () => {
  it('have the keys of the conditional-spread form, in its order, frozen, with a frozen copy of the description', () => {
    const description: Record<string, string> = { b: '2', a: '1' }
    Object.defineProperty(description, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true })
    const enc = createEncryptionMaterials({ materialDescription: description, encryptionKey: aes, signingKey: hmac })
    const signOnly = createEncryptionMaterials({ materialDescription: description, signingKey: hmac })
    const dec = createDecryptionMaterials({ materialDescription: description, decryptionKey: aes, verificationKey: hmac })
    const verifyOnly = createDecryptionMaterials({ materialDescription: description, verificationKey: hmac })
    expect(Object.keys(enc)).toEqual(['materialDescription', 'encryptionKey', 'signingKey'])
    expect(Object.keys(signOnly)).toEqual(['materialDescription', 'signingKey'])
    expect(Object.keys(dec)).toEqual(['materialDescription', 'decryptionKey', 'verificationKey'])
    expect(Object.keys(verifyOnly)).toEqual(['materialDescription', 'verificationKey'])
    for (const materials of [enc, signOnly, dec, verifyOnly]) {
      expect(Object.isFrozen(materials)).toBe(true)
      expect(Object.isFrozen(materials.materialDescription)).toBe(true)
      expect(materials.materialDescription).not.toBe(description)
      expect(Object.keys(materials.materialDescription)).toEqual(['b', 'a', '__proto__'])
      expect(Object.getPrototypeOf(materials.materialDescription)).toBe(Object.prototype)
    }
    expect(enc.encryptionKey).toBe(aes)
    expect(dec.decryptionKey).toBe(aes)
    expect(enc.signingKey).toBe(hmac)
    expect(dec.verificationKey).toBe(hmac)
    description.a = 'changed'
    expect(enc.materialDescription.a).toBe('1')
  })
})
