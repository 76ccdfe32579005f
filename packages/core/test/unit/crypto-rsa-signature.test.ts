import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, InvalidKeyError, SigningError } from '../../src/errors'

const ALGORITHMS = [
  ['SHA224withRSA', 'sha224'],
  ['SHA256withRSA', 'sha256'],
  ['SHA384withRSA', 'sha384'],
  ['SHA512withRSA', 'sha512'],
] as const
const data = new Uint8Array(Buffer.from('the string to sign'))

let publicKey: KeyObject
let privateKey: KeyObject
let small: { publicKey: KeyObject; privateKey: KeyObject }

beforeAll(() => {
  ;({ publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }))
  small = generateKeyPairSync('rsa', { modulusLength: 1024 })
})

describe('LocalDelegatedKey RSA signatures (RSASSA-PKCS1-v1_5)', () => {
  it.each(ALGORITHMS)('%s signatures verify with node and with the public key', async (algorithm, hash) => {
    const signer = LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA')
    const signature = await signer.sign(algorithm, data)
    expect(signature.byteLength).toBe(256)
    expect(nodeVerify(hash, data, publicKey, signature)).toBe(true)
    expect(await LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA').verify(algorithm, signature, data)).toBe(true)
    // A private key verifies through its public half (Python behaviour, FORMAT.md 3.5).
    expect(await signer.verify(algorithm, signature, data)).toBe(true)
  })

  it('verifies signatures made by node and is deterministic like PKCS#1 v1.5', async () => {
    const signature = nodeSign('sha256', data, privateKey)
    const key = LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA')
    expect(await key.verify('SHA256withRSA', signature, data)).toBe(true)
    expect(await LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA').sign('SHA256withRSA', data)).toEqual(
      new Uint8Array(signature),
    )
  })

  it('an RSA key declared as algorithm RSA can sign too (Java key pairs are always "RSA")', async () => {
    const signature = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').sign('SHA256withRSA', data)
    expect(nodeVerify('sha256', data, publicKey, signature)).toBe(true)
  })

  it('returns false, never throws, for tampered data or signatures, wrong hash, wrong key or junk', async () => {
    const key = LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA')
    const signature = await LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA').sign('SHA256withRSA', data)
    const flipped = signature.slice()
    flipped[100] = (flipped[100] as number) ^ 1
    expect(await key.verify('SHA256withRSA', flipped, data)).toBe(false)
    expect(await key.verify('SHA256withRSA', signature, data.subarray(1))).toBe(false)
    expect(await key.verify('SHA384withRSA', signature, data)).toBe(false)
    expect(await key.verify('SHA256withRSA', signature.subarray(1), data)).toBe(false)
    expect(await key.verify('SHA256withRSA', new Uint8Array(0), data)).toBe(false)
    expect(await key.verify('SHA256withRSA', new Uint8Array(256).fill(0xff), data)).toBe(false)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
    expect(await LocalDelegatedKey.fromKeyObject(other, 'SHA256withRSA').verify('SHA256withRSA', signature, data)).toBe(false)
  })

  it('refuses to sign with a public key (SigningError)', async () => {
    const error = await LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA').sign('SHA256withRSA', data).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SigningError)
    expect((error as Error).message).toMatch(/private key/)
  })

  it('refuses to sign with a 1024-bit key but verifies its signatures', async () => {
    const error = await LocalDelegatedKey.fromKeyObject(small.privateKey, 'SHA256withRSA').sign('SHA256withRSA', data).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeyError)
    expect((error as Error).message).toMatch(/at least 2048 bits/)
    const signature = nodeSign('sha256', data, small.privateKey)
    expect(await LocalDelegatedKey.fromKeyObject(small.publicKey, 'SHA256withRSA').verify('SHA256withRSA', signature, data)).toBe(true)
  })

  it('refuses HMAC algorithms on RSA keys (DelegatedKeyError)', async () => {
    const key = LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA')
    await expect(key.sign('HmacSHA256', data)).rejects.toThrow(DelegatedKeyError)
    await expect(key.verify('HmacSHA256', new Uint8Array(32), data)).rejects.toThrow(DelegatedKeyError)
  })
})
