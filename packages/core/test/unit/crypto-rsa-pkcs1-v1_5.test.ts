/**
 * Read-only RSAES-PKCS1-v1_5 unwrap (`RSA`, `RSA/ECB/PKCS1Padding`; FORMAT.md 7.2). Ciphertexts come from node's
 * publicEncrypt with RSA_PKCS1_PADDING (public-key encryption is still allowed) or from a BigInt reference here.
 */
import { constants, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { InvalidAlgorithmError, JceTransformationError } from '../../src/errors'
import { b64uToBig, modPow } from '../support/big-rsa'

/** Raw RSA with the public key (BigInt), to build deliberately malformed encodings. */
function rawEncrypt(publicKey: KeyObject, em: Uint8Array): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' })
  const n = b64uToBig(jwk.n as string)
  const c = modPow(BigInt(`0x${Buffer.from(em).toString('hex')}`), b64uToBig(jwk.e as string), n)
  return new Uint8Array(Buffer.from(c.toString(16).padStart(em.length * 2, '0'), 'hex'))
}
/** EM = 00 ‖ 02 ‖ PS ‖ 00 ‖ M with nonzero PS, optionally broken. */
function encode(k: number, message: Uint8Array, tweak: { prefix?: [number, number]; zeroAt?: number; noSeparator?: boolean } = {}): Uint8Array {
  const ps = new Uint8Array(k - 3 - message.length).map(() => 1 + Math.floor(Math.random() * 255))
  if (tweak.zeroAt !== undefined) ps[tweak.zeroAt] = 0
  const em = new Uint8Array([...(tweak.prefix ?? [0, 2]), ...ps, tweak.noSeparator ? 0x5a : 0, ...message])
  return em
}

const aes = (key: Uint8Array): LocalDelegatedKey =>
  LocalDelegatedKey.fromBytes({ key, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
async function isAesKey(key: LocalDelegatedKey, bytes: Uint8Array): Promise<boolean> {
  const probe = new Uint8Array(randomBytes(33))
  const blob = await key.encrypt('AES/CBC/PKCS5Padding', 'probe', probe)
  if (key.sizeBits !== bytes.length * 8) return false
  const plain = await aes(bytes).decrypt('AES/CBC/PKCS5Padding', 'probe', blob).catch(() => undefined)
  return plain !== undefined && Buffer.compare(plain, probe) === 0
}
const pkcs1Encrypt = (publicKey: KeyObject, data: Uint8Array): Uint8Array =>
  new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, data))

let publicKey: KeyObject
let privateKey: KeyObject

beforeAll(() => {
  ;({ publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }))
})

describe('LocalDelegatedKey RSAES-PKCS1-v1_5 unwrap (read only)', () => {
  it.each([
    ['RSA', 32],
    ['RSA/ECB/PKCS1Padding', 32],
    ['RSA', 16],
    ['RSA/ECB/PKCS1Padding', 24],
  ])('unwraps a node RSA_PKCS1_PADDING ciphertext with %s (%i-byte key)', async (transformation, length) => {
    const contentKey = new Uint8Array(randomBytes(length))
    const key = await LocalDelegatedKey.fromKeyObject(privateKey, 'RSA').unwrap(
      transformation,
      pkcs1Encrypt(publicKey, contentKey),
      'AES',
      'symmetric',
    )
    expect(key.sizeBits).toBe(length * 8)
    expect(await isAesKey(key, contentKey)).toBe(true)
  })

  it('refuses to wrap with PKCS#1 v1.5 and says it is read only', async () => {
    const key = LocalDelegatedKey.fromKeyObject(publicKey, 'RSA')
    for (const t of ['RSA', 'RSA/ECB/PKCS1Padding']) {
      const error = await key.wrap(t, new Uint8Array(32)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(JceTransformationError)
      expect((error as Error).message).toMatch(/reading \(unwrap\) only/)
    }
  })

  it('answers every malformed encoding with a synthetic key (implicit rejection), never an error', async () => {
    const k = 256
    const m = new Uint8Array(32).fill(3)
    const cases = [
      encode(k, m, { prefix: [0, 1] }),
      encode(k, m, { prefix: [1, 2] }),
      encode(k, m, { zeroAt: 3 }), // padding shorter than 8 bytes
      encode(k, m, { noSeparator: true, zeroAt: undefined }).map((b, i) => (i >= 2 ? b || 1 : b)), // no zero at all
      encode(k, new Uint8Array(20).fill(3)), // content key of an invalid length
      encode(k, new Uint8Array(0)),
    ]
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    for (const algorithm of ['AES/256', 'AES']) {
      const probes = new Set<string>()
      for (const em of cases) {
        const ciphertext = rawEncrypt(publicKey, em)
        const key = await unwrapper.unwrap('RSA', ciphertext, algorithm, 'symmetric')
        // Named length: exactly it. Bare AES: one of the three AES lengths, chosen by the synthetic key itself.
        if (algorithm === 'AES/256') expect(key.sizeBits).toBe(256)
        else expect([128, 192, 256]).toContain(key.sizeBits)
        expect(await isAesKey(key, m)).toBe(false)
        // Deterministic per ciphertext (a retry cannot tell it apart from a real key) and different across ciphertexts.
        const again = await unwrapper.unwrap('RSA', ciphertext, algorithm, 'symmetric')
        expect(again.sizeBits).toBe(key.sizeBits)
        const probe = new Uint8Array(16)
        const blob = await key.encrypt('AES/CBC/PKCS5Padding', 'p', probe)
        expect(Buffer.from(await again.decrypt('AES/CBC/PKCS5Padding', 'p', blob))).toEqual(Buffer.from(probe))
        probes.add(Buffer.from(blob.subarray(16)).toString('hex') + Buffer.from(blob.subarray(0, 16)).toString('hex'))
      }
      expect(probes.size).toBe(cases.length)
    }
    // Control: the same builder with nothing broken unwraps to the real key.
    const good = await unwrapper.unwrap('RSA', rawEncrypt(publicKey, encode(k, m)), 'AES', 'symmetric')
    expect(await isAesKey(good, m)).toBe(true)
  })

  it('bare AES: synthetic keys of all three lengths occur, so a key length reveals nothing about the padding', async () => {
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const sizes = new Set<number>()
    for (let i = 0; i < 40 && sizes.size < 3; i++) {
      const key = await unwrapper.unwrap('RSA', rawEncrypt(publicKey, encode(256, new Uint8Array(32), { prefix: [0, 3] })), 'AES', 'symmetric')
      sizes.add(key.sizeBits)
    }
    expect([...sizes].sort()).toEqual([128, 192, 256])
  })

  it('turns a well-padded key of another length than the one named into a synthetic key of the named length', async () => {
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    for (const [named, actual] of [['AES/256', 16], ['AES/256', 24], ['AES/128', 32], ['AES/192', 16]] as const) {
      const contentKey = new Uint8Array(randomBytes(actual))
      const wrapped = pkcs1Encrypt(publicKey, contentKey)
      const key = await unwrapper.unwrap('RSA/ECB/PKCS1Padding', wrapped, named, 'symmetric')
      expect(key.sizeBits).toBe(Number(named.slice(4)))
      expect(await isAesKey(key, contentKey)).toBe(false)
      // Read without a named length, the same ciphertext is the real key: the builder is right.
      expect(await isAesKey(await unwrapper.unwrap('RSA', wrapped, 'AES', 'symmetric'), contentKey)).toBe(true)
    }
  })

  it('answers ciphertexts of the wrong length or range with a synthetic key too, never an error', async () => {
    const contentKey = new Uint8Array(32).fill(1)
    const wrapped = pkcs1Encrypt(publicKey, contentKey)
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    for (const input of [wrapped.subarray(2), new Uint8Array(256).fill(0xff), new Uint8Array(0), new Uint8Array([...wrapped, 0])]) {
      const key = await unwrapper.unwrap('RSA', input, 'AES/256', 'symmetric')
      expect(key.sizeBits).toBe(256)
      expect(await isAesKey(key, contentKey)).toBe(false)
    }
    const tampered = await unwrapper.unwrap('RSA', wrapped.map((b, i) => (i === 100 ? b ^ 1 : b)), 'AES', 'symmetric')
    expect(await isAesKey(tampered, contentKey)).toBe(false)
    // Under another key (also one of another size) the ciphertext gives a useless key, whether or not it is below
    // that modulus.
    for (const modulusLength of [2048, 1024]) {
      const other = LocalDelegatedKey.fromKeyObject(generateKeyPairSync('rsa', { modulusLength }).privateKey, 'RSA')
      const underOther = await other.unwrap('RSA', wrapped, 'AES/256', 'symmetric')
      expect(underOther.sizeBits).toBe(256)
      expect(await isAesKey(underOther, contentKey)).toBe(false)
    }
  })

  it('refuses a named length PKCS#1 items never have, before any decryption (InvalidAlgorithmError)', async () => {
    const unwrapper = LocalDelegatedKey.fromKeyObject(privateKey, 'RSA')
    const wrapped = pkcs1Encrypt(publicKey, new Uint8Array(32))
    await expect(unwrapper.unwrap('RSA', wrapped, 'AES/512', 'symmetric')).rejects.toThrow(InvalidAlgorithmError)
    await expect(unwrapper.unwrap('RSA', wrapped, 'HmacSHA256/512', 'symmetric')).rejects.toThrow(InvalidAlgorithmError)
  })

  it('unwraps with keys under 2048 bits (reading has no minimum)', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const contentKey = new Uint8Array(randomBytes(32))
    const key = await LocalDelegatedKey.fromKeyObject(pair.privateKey, 'RSA').unwrap(
      'RSA/ECB/PKCS1Padding',
      pkcs1Encrypt(pair.publicKey, contentKey),
      'AES',
      'symmetric',
    )
    expect(await isAesKey(key, contentKey)).toBe(true)
  })
})
