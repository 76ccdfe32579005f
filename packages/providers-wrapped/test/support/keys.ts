import { deepFreeze } from '@ddb-encryption/testing'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { LocalDelegatedKey, type EncryptionContext } from '@ddb-encryption/core'

/** Test helpers: real LocalDelegatedKeys made from fresh random material. */
export function aesKey(bits = 256): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(bits / 8)), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
}

export function aesKeyFrom(bytes: Uint8Array): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({ key: new Uint8Array(bytes), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
}

export function hmacKey(bits = 256, algorithm = 'HmacSHA256'): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(bits / 8)), algorithm, keyType: 'symmetric', encoding: 'RAW' })
}

let cachedPair: { publicDer: Uint8Array; privateDer: Uint8Array } | undefined
/** One RSA-2048 pair per test file (generation is slow); DER SubjectPublicKeyInfo / PKCS#8. */
export function rsaPairDer(): { publicDer: Uint8Array; privateDer: Uint8Array } {
  if (cachedPair === undefined) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    cachedPair = {
      publicDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      privateDer: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    }
  }
  return cachedPair
}

export function rsaKeys(algorithm: string): { publicKey: LocalDelegatedKey; privateKey: LocalDelegatedKey } {
  const { publicDer, privateDer } = rsaPairDer()
  return {
    publicKey: LocalDelegatedKey.fromBytes({ key: publicDer, algorithm, keyType: 'public', encoding: 'DER' }),
    privateKey: LocalDelegatedKey.fromBytes({ key: privateDer, algorithm, keyType: 'private', encoding: 'DER' }),
  }
}

export function context(materialDescription: Record<string, string> = {}): EncryptionContext {
  return deepFreeze({ tableName: 'table', partitionKeyName: 'pk', attributes: { pk: { S: 'key' } }, materialDescription })
}


/** Encrypts with one key and decrypts with the other: proves both hold the same AES key bytes. */
export async function sameContentKey(encryptKey: LocalDelegatedKey | { encrypt: LocalDelegatedKey['encrypt'] }, decryptKey: { decrypt: LocalDelegatedKey['decrypt'] }): Promise<boolean> {
  const plaintext = new Uint8Array(randomBytes(37))
  const ciphertext = await encryptKey.encrypt('AES/CBC/PKCS5Padding', 'attr', plaintext)
  const back = await decryptKey.decrypt('AES/CBC/PKCS5Padding', 'attr', ciphertext)
  return Buffer.from(back).equals(Buffer.from(plaintext))
}

export { deepFreeze }
