/**
 * RSA-OAEP with MGF1-SHA-1 (FORMAT.md 7.2), cross-checked against an independent, deliberately simple reference
 * written here: BigInt modular exponentiation on the JWK key components and a textbook RFC 8017 7.1 encoder and
 * decoder. Neither uses the code under test nor node's RSA padding.
 */
import { constants, createHash, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, InvalidKeyError, JceTransformationError, UnwrappingError, WrappingError } from '../../src/errors'
import { b64uToBig, modPow } from '../support/big-rsa'

type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512'
const OAEP: Record<Hash, string> = {
  sha1: 'RSA/ECB/OAEPWithSHA-1AndMGF1Padding',
  sha256: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
  sha384: 'RSA/ECB/OAEPWithSHA-384AndMGF1Padding',
  sha512: 'RSA/ECB/OAEPWithSHA-512AndMGF1Padding',
}

// ---- independent reference ------------------------------------------------------------------------------
const toBig = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`))
const fromBig = (value: bigint, length: number): Uint8Array =>
  new Uint8Array(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'))

interface RefKey { n: bigint; e: bigint; d: bigint; k: number }
function refKey(privateKey: KeyObject): RefKey {
  const jwk = privateKey.export({ format: 'jwk' })
  const n = b64uToBig(jwk.n as string)
  return { n, e: b64uToBig(jwk.e as string), d: b64uToBig(jwk.d as string), k: Math.ceil(n.toString(16).length / 2) }
}
const refEncrypt = (key: RefKey, em: Uint8Array): Uint8Array => fromBig(modPow(toBig(em), key.e, key.n), key.k)
const refDecrypt = (key: RefKey, c: Uint8Array): Uint8Array => fromBig(modPow(toBig(c), key.d, key.n), key.k)

function mgf1(hash: Hash, seed: Uint8Array, length: number): Uint8Array {
  let out = Buffer.alloc(0)
  for (let counter = 0; out.length < length; counter++) {
    const c = Buffer.alloc(4)
    c.writeUInt32BE(counter)
    out = Buffer.concat([out, createHash(hash).update(seed).update(c).digest()])
  }
  return new Uint8Array(out.subarray(0, length))
}
const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length !== b.length) throw new Error('xor length mismatch')
  return a.map((x, i) => x ^ (b[i] as number))
}
const digest = (hash: Hash, data: Uint8Array): Uint8Array => new Uint8Array(createHash(hash).update(data).digest())

/** Textbook EME-OAEP encoding; `tweak` lets a test break one part of it. */
function oaepEncode(k: number, hash: Hash, mgfHash: Hash, message: Uint8Array, tweak: { y?: number; lHash?: boolean; separator?: number } = {}): Uint8Array {
  const hLen = digest(hash, new Uint8Array()).length
  const lHash = digest(hash, new Uint8Array())
  if (tweak.lHash) lHash[0] = (lHash[0] as number) ^ 1
  const ps = new Uint8Array(k - message.length - 2 * hLen - 2)
  const db = new Uint8Array([...lHash, ...ps, tweak.separator ?? 0x01, ...message])
  const seed = new Uint8Array(randomBytes(hLen))
  const maskedDb = xor(db, mgf1(mgfHash, seed, db.length))
  const maskedSeed = xor(seed, mgf1(mgfHash, maskedDb, hLen))
  return new Uint8Array([tweak.y ?? 0, ...maskedSeed, ...maskedDb])
}

function oaepDecode(k: number, hash: Hash, mgfHash: Hash, em: Uint8Array): Uint8Array | undefined {
  const hLen = digest(hash, new Uint8Array()).length
  const maskedSeed = em.subarray(1, 1 + hLen)
  const maskedDb = em.subarray(1 + hLen)
  const seed = xor(maskedSeed, mgf1(mgfHash, maskedDb, hLen))
  const db = xor(maskedDb, mgf1(mgfHash, seed, k - hLen - 1))
  if (em[0] !== 0 || Buffer.compare(db.subarray(0, hLen), digest(hash, new Uint8Array())) !== 0) return undefined
  const one = db.indexOf(1, hLen)
  if (one < 0 || db.subarray(hLen, one).some((b) => b !== 0)) return undefined
  return db.subarray(one + 1)
}
// ----------------------------------------------------------------------------------------------------------

const aesKey = (key: Uint8Array): LocalDelegatedKey =>
  LocalDelegatedKey.fromBytes({ key, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })

/** True if `key` is the AES key `bytes`: what one encrypts, the other decrypts. */
async function isAesKey(key: LocalDelegatedKey, bytes: Uint8Array): Promise<boolean> {
  const probe = new Uint8Array(randomBytes(40))
  const blob = await key.encrypt('AES/CBC/PKCS5Padding', 'probe', probe)
  return Buffer.compare(await aesKey(bytes).decrypt('AES/CBC/PKCS5Padding', 'probe', blob), probe) === 0
}

let publicKey: KeyObject
let privateKey: KeyObject
let ref: RefKey
let small: { publicKey: KeyObject; privateKey: KeyObject; ref: RefKey }

beforeAll(() => {
  ;({ publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }))
  ref = refKey(privateKey)
  const pair = generateKeyPairSync('rsa', { modulusLength: 1024 })
  small = { ...pair, ref: refKey(pair.privateKey) }
})

describe('LocalDelegatedKey RSA/ECB/OAEPWithSHA-256AndMGF1Padding', () => {
  it('wraps so that the reference decoder (SHA-256 label hash, MGF1-SHA-1) recovers the key', async () => {
    const contentKey = new Uint8Array(randomBytes(32))
    const wrapped = await LocalDelegatedKey.fromKeyObject(publicKey, 'RSA').wrap(OAEP.sha256, contentKey)
    expect(wrapped.byteLength).toBe(256)
    const em = refDecrypt(ref, wrapped)
    expect(oaepDecode(ref.k, 'sha256', 'sha1', em)).toEqual(contentKey)
    // MGF1 is SHA-1, not SHA-256 (FORMAT.md 7.2: MGF1-SHA-256 does not decrypt the vectors).
    expect(oaepDecode(ref.k, 'sha256', 'sha256', em)).toBeUndefined()
  })

  it('uses a fresh random seed: wrapping twice gives different ciphertexts', async () => {
    const key = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
    const contentKey = new Uint8Array(32)
    expect(await key.wrap(OAEP.sha256, contentKey)).not.toEqual(await key.wrap(OAEP.sha256, contentKey))
  })

  it('wraps with the public half of a private key too', async () => {
    const contentKey = new Uint8Array(randomBytes(32))
    const wrapped = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').wrap(OAEP.sha256, contentKey)
    expect(oaepDecode(ref.k, 'sha256', 'sha1', refDecrypt(ref, wrapped))).toEqual(contentKey)
  })

  it.each(Object.keys(OAEP) as Hash[])('unwraps reference OAEP ciphertexts with OAEP hash %s and MGF1-SHA-1', async (hash) => {
    const contentKey = new Uint8Array(randomBytes(32))
    const wrapped = refEncrypt(ref, oaepEncode(ref.k, hash, 'sha1', contentKey))
    const key = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').unwrap(OAEP[hash], wrapped, 'AES', 'symmetric')
    expect(key.algorithm).toBe('AES')
    expect(key.sizeBits).toBe(256)
    expect(await isAesKey(key, contentKey)).toBe(true)
  })

  it('round-trips wrap and unwrap, and accepts AES/128 style wrapped key algorithm names', async () => {
    const contentKey = new Uint8Array(randomBytes(16))
    const wrapped = await LocalDelegatedKey.fromKeyObject(publicKey, 'RSA').wrap(OAEP.sha256, contentKey)
    const key = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').unwrap(OAEP.sha256, wrapped, 'AES/128', 'symmetric')
    expect(await isAesKey(key, contentKey)).toBe(true)
  })

  it("matches node's own OAEP when both hashes are SHA-1, and rejects node's MGF1-SHA-256 variant", async () => {
    const contentKey = new Uint8Array(randomBytes(32))
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const sha1 = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey)
    expect(await isAesKey(await unwrapper.unwrap(OAEP.sha1, sha1, 'AES', 'symmetric'), contentKey)).toBe(true)
    const mgfSha256 = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey)
    const error = await unwrapper.unwrap(OAEP.sha256, mgfSha256, 'AES', 'symmetric').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
    expect((error as Error).message).toBe('Decryption failed')
  })

  it('fails with the same UnwrappingError for every malformed encoding (leading byte, label hash, separator)', async () => {
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const contentKey = new Uint8Array(32).fill(9)
    const cases = [
      oaepEncode(ref.k, 'sha256', 'sha1', contentKey, { y: 1 }),
      oaepEncode(ref.k, 'sha256', 'sha1', contentKey, { lHash: true }),
      oaepEncode(ref.k, 'sha256', 'sha1', contentKey, { separator: 0x02 }),
      oaepEncode(ref.k, 'sha256', 'sha1', contentKey, { separator: 0x00 }),
      oaepEncode(ref.k, 'sha1', 'sha1', contentKey),
    ]
    for (const em of cases) {
      const error = await unwrapper.unwrap(OAEP.sha256, refEncrypt(ref, em), 'AES', 'symmetric').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UnwrappingError)
      expect((error as Error).message).toBe('Decryption failed')
    }
  })

  it('fails with UnwrappingError for tampered ciphertexts, the wrong key, wrong lengths and out-of-range values', async () => {
    const wrapped = await LocalDelegatedKey.fromKeyObject(publicKey, 'RSA').wrap(OAEP.sha256, new Uint8Array(32))
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const inputs = [
      wrapped.map((b, i) => (i === 7 ? b ^ 0x10 : b)),
      wrapped.subarray(1),
      new Uint8Array([0, ...wrapped]),
      new Uint8Array(256).fill(0xff),
      new Uint8Array(0),
    ]
    for (const input of inputs) {
      await expect(unwrapper.unwrap(OAEP.sha256, input, 'AES', 'symmetric')).rejects.toThrow(UnwrappingError)
    }
    const other = LocalDelegatedKey.fromKeyObject(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'RSA')
    await expect(other.unwrap(OAEP.sha256, wrapped, 'AES', 'symmetric')).rejects.toThrow('Decryption failed')
  })

  it('fails with UnwrappingError when the decrypted content key is not a valid AES key', async () => {
    const wrapped = refEncrypt(ref, oaepEncode(ref.k, 'sha256', 'sha1', new Uint8Array(20)))
    const error = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').unwrap(OAEP.sha256, wrapped, 'AES', 'symmetric').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnwrappingError)
  })

  it('needs the private key to unwrap (DelegatedKeyError)', async () => {
    await expect(
      LocalDelegatedKey.fromKeyObject(publicKey, 'RSA').unwrap(OAEP.sha256, new Uint8Array(256), 'AES', 'symmetric'),
    ).rejects.toThrow(DelegatedKeyError)
  })

  it('writes only OAEP with SHA-256: the other OAEP hashes are read only', async () => {
    const key = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
    for (const hash of ['sha1', 'sha384', 'sha512'] as const) {
      const error = await key.wrap(OAEP[hash], new Uint8Array(32)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(JceTransformationError)
      expect((error as Error).message).toMatch(/reading \(unwrap\) only/)
    }
  })

  it('refuses a content key too long for the modulus with WrappingError', async () => {
    await expect(LocalDelegatedKey.fromKeyObject(publicKey, 'RSA').wrap(OAEP.sha256, new Uint8Array(256 - 64 - 1))).rejects.toThrow(WrappingError)
  })

  it('refuses to wrap with a 1024-bit key but unwraps with one', async () => {
    const error = await LocalDelegatedKey.fromKeyObject(small.publicKey, 'RSA').wrap(OAEP.sha256, new Uint8Array(32)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeyError)
    expect((error as Error).message).toMatch(/at least 2048 bits/)
    const contentKey = new Uint8Array(randomBytes(32))
    const wrapped = refEncrypt(small.ref, oaepEncode(small.ref.k, 'sha256', 'sha1', contentKey))
    const key = await LocalDelegatedKey.fromKeyObject(small.privateKey, 'RSA').unwrap(OAEP.sha256, wrapped, 'AES', 'symmetric')
    expect(await isAesKey(key, contentKey)).toBe(true)
  })

  it('refuses RSA transformations on AES keys and unknown transformations', async () => {
    const aes = aesKey(new Uint8Array(16))
    await expect(aes.wrap(OAEP.sha256, new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
    await expect(aes.unwrap(OAEP.sha256, new Uint8Array(256), 'AES', 'symmetric')).rejects.toThrow(DelegatedKeyError)
    const rsa = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    await expect(rsa.wrap('RSA/ECB/OAEPWithSHA-256AndMGF1PaddingX', new Uint8Array(32))).rejects.toThrow(JceTransformationError)
    await expect(rsa.wrap('AESWrap', new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
  })
  it('MGF1 over one-shot SHA-1 blocks: wraps decode and reference encodings unwrap, for every content key length, on 1024- and 2048-bit keys', async () => {
    // The data block is k - hLen - 1 bytes (95 or 223 here): MGF1 ends inside a 20-byte SHA-1 block, and the seed
    // mask takes 2 blocks; every message length moves where the separator and the key bytes sit.
    const wrapper = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
    const unwrappers = [
      { key: LocalDelegatedKey.fromKeyObject(privateKey, 'RSA'), ref },
      { key: LocalDelegatedKey.fromKeyObject(small.privateKey, 'RSA'), ref: small.ref },
    ]
    for (const length of [16, 24, 32]) {
      const contentKey = new Uint8Array(randomBytes(length))
      const wrapped = await wrapper.wrap(OAEP.sha256, contentKey)
      expect(oaepDecode(ref.k, 'sha256', 'sha1', refDecrypt(ref, wrapped))).toEqual(contentKey)
      for (const { key, ref: r } of unwrappers) {
        for (const hash of ['sha1', 'sha256'] as const) {
          const encoded = refEncrypt(r, oaepEncode(r.k, hash, 'sha1', contentKey))
          expect(await isAesKey(await key.unwrap(OAEP[hash], encoded, 'AES', 'symmetric'), contentKey)).toBe(true)
        }
      }
    }
  })
})
