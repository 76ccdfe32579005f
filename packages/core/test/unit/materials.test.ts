import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import {
  adoptDecryptionMaterials,
  adoptEncryptionMaterials,
  createDecryptionMaterials,
  createEncryptionMaterials,
} from '../../src/materials/cryptographic-materials'

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

describe('adoptEncryptionMaterials / adoptDecryptionMaterials (the description frozen in place) equal create*', () => {
  const describe3 = (): Record<string, string> => {
    const d: Record<string, string> = { 'amzn-ddb-env-key': 'k', 'amzn-ddb-env-alg': 'AES/256' }
    Object.defineProperty(d, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true })
    return d
  }
  it('same keys, order, values and frozenness; the adopted description is the one handed over, now frozen', () => {
    for (const key of [aes, undefined]) {
      const handed = describe3()
      const adopted = adoptEncryptionMaterials(handed, key, hmac)
      const created = createEncryptionMaterials({ materialDescription: describe3(), ...(key ? { encryptionKey: key } : {}), signingKey: hmac })
      expect(adopted).toEqual(created)
      expect(Object.keys(adopted)).toEqual(Object.keys(created))
      expect(Object.keys(adopted.materialDescription)).toEqual(Object.keys(created.materialDescription))
      expect(adopted.materialDescription).toBe(handed)
      expect(Object.isFrozen(adopted)).toBe(true)
      expect(Object.isFrozen(handed)).toBe(true)
      const handedDec = describe3()
      const adoptedDec = adoptDecryptionMaterials(handedDec, key, hmac)
      const createdDec = createDecryptionMaterials({ materialDescription: describe3(), ...(key ? { decryptionKey: key } : {}), verificationKey: hmac })
      expect(adoptedDec).toEqual(createdDec)
      expect(Object.keys(adoptedDec)).toEqual(Object.keys(createdDec))
      expect(Object.keys(adoptedDec.materialDescription)).toEqual(['amzn-ddb-env-key', 'amzn-ddb-env-alg', '__proto__'])
      expect(Object.isFrozen(adoptedDec)).toBe(true)
      expect(Object.isFrozen(handedDec)).toBe(true)
    }
  })
})
