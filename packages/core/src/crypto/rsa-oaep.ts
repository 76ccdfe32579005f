import { createHash, hash as oneShotHash, type KeyObject } from 'node:crypto'
import { UnwrappingError, WrappingError } from '../errors'
import { HASH_LENGTH, type HashName } from './jce-names'
import { randomKeyBytes } from './random'
import { ctEqual, ctIsZero, rsaRawDecrypt, rsaRawEncrypt } from './rsa-raw'

/*
 * RSAES-OAEP (RFC 8017 7.1) with a configurable OAEP (label) hash and MGF1 always over SHA-1, empty label.
 * This is what Java's SunJCE does for `RSA/ECB/OAEPWith<H>AndMGF1Padding` (and what the Python client
 * reproduces), FORMAT.md 7.2. Node's OAEP ties the MGF1 hash to the OAEP hash, so the encoding is done here and
 * only the raw RSA operation is left to OpenSSL.
 */

const MGF1_HASH = 'sha1'
const LABEL_HASHES = new Map<HashName, Buffer>()

function labelHash(hash: HashName): Buffer {
  let value = LABEL_HASHES.get(hash)
  if (value === undefined) {
    value = createHash(hash).update(new Uint8Array(0)).digest()
    LABEL_HASHES.set(hash, value)
  }
  return value
}

const SHA1_LENGTH = 20

/**
 * MGF1 (RFC 8017 B.2.1) with SHA-1, XORed into `target` in place.
 *
 * Each block is one one-shot `crypto.hash` of `seed ‖ counter` read back from a `binary` (latin1) string, as in
 * `hash.ts`: about 1 µs per block instead of about 4 µs for a Hash object, two updates and a Buffer digest, which
 * saves about 40 µs per RSA-2048 OAEP wrap or unwrap (14 blocks: 12 for the data block, 2 for the seed). The
 * strings hold mask bytes only: without the masked values (inside the encoded message, wiped by the callers) they
 * say nothing about the key. The `seed ‖ counter` copy is wiped.
 */
function xorMgf1(seed: Uint8Array, target: Uint8Array): void {
  const seedLength = seed.byteLength
  const input = new Uint8Array(seedLength + 4)
  input.set(seed, 0)
  try {
    let offset = 0
    for (let counter = 0; offset < target.byteLength; counter++) {
      input[seedLength] = counter >>> 24
      input[seedLength + 1] = (counter >>> 16) & 0xff
      input[seedLength + 2] = (counter >>> 8) & 0xff
      input[seedLength + 3] = counter & 0xff
      const block = oneShotHash(MGF1_HASH, input, 'binary')
      const end = Math.min(SHA1_LENGTH, target.byteLength - offset)
      for (let j = 0; j < end; j++, offset++) target[offset] = (target[offset] as number) ^ block.charCodeAt(j)
    }
  } finally {
    input.fill(0)
  }
}

/**
 * Encrypts `message` with RSAES-OAEP (OAEP hash `hash`, MGF1-SHA-1). `k` is the modulus length in bytes.
 * @internal
 */
export function rsaOaepEncrypt(publicKey: KeyObject, k: number, hash: HashName, message: Uint8Array): Uint8Array {
  const hLen = HASH_LENGTH[hash]
  if (message.byteLength > k - 2 * hLen - 2) {
    throw new WrappingError('The key to wrap is too long for this RSA key and OAEP hash')
  }
  // EM = 0x00 ‖ maskedSeed ‖ maskedDB, DB = lHash ‖ PS (zeros) ‖ 0x01 ‖ M
  const em = new Uint8Array(k)
  const seed = em.subarray(1, 1 + hLen)
  const db = em.subarray(1 + hLen)
  db.set(labelHash(hash), 0)
  db[db.byteLength - message.byteLength - 1] = 0x01
  db.set(message, db.byteLength - message.byteLength)
  // The seed from the pooled CSPRNG bytes content keys come from (crypto.randomBytes, random.ts): one fewer
  // randomBytes call (about 4 µs) per wrap.
  const seedBytes = randomKeyBytes(hLen)
  seed.set(seedBytes)
  seedBytes.fill(0)
  xorMgf1(seed, db) // maskedDB
  xorMgf1(db, seed) // maskedSeed
  try {
    return rsaRawEncrypt(publicKey, em)
  } catch (cause) {
    throw new WrappingError('Key wrap failed', { cause })
  } finally {
    em.fill(0)
  }
}

/**
 * Decrypts RSAES-OAEP (OAEP hash `hash`, MGF1-SHA-1). Every check (ciphertext length and range, leading zero
 * byte, label hash, zero padding, 0x01 separator) is computed without data-dependent branches and folded into one
 * flag, and every failure is the same `UnwrappingError('Decryption failed')`: the caller must not be able to tell
 * which check failed (Manger's attack needs exactly that distinction).
 * @internal
 */
export function rsaOaepDecrypt(privateKey: KeyObject, k: number, hash: HashName, ciphertext: Uint8Array): Uint8Array {
  const hLen = HASH_LENGTH[hash]
  const em = k >= 2 * hLen + 2 ? rsaRawDecrypt(privateKey, k, ciphertext) : undefined
  if (em === undefined) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('RSA decryption failed') })
  }
  const seed = em.subarray(1, 1 + hLen)
  const db = em.subarray(1 + hLen)
  xorMgf1(db, seed) // seed = maskedSeed ^ MGF(maskedDB)
  xorMgf1(seed, db) // DB = maskedDB ^ MGF(seed)

  let bad = em[0] as number
  const lHash = labelHash(hash)
  for (let i = 0; i < hLen; i++) bad |= (db[i] as number) ^ (lHash[i] as number)

  // Find the 0x01 separator after the zero padding without branching on the data.
  let found = 0
  let separator = 0
  for (let i = hLen; i < db.byteLength; i++) {
    const b = db[i] as number
    const isOne = ctEqual(b, 1)
    const isZero = ctIsZero(b)
    const notFound = found ^ 1
    separator |= -(notFound & isOne) & i
    bad |= notFound & (isZero ^ 1) & (isOne ^ 1)
    found |= isOne
  }
  bad |= found ^ 1

  // Copy out (Uint8Array, not Buffer: Buffer#slice would be a view) before wiping the decoded message.
  const message = bad === 0 ? new Uint8Array(db.subarray(separator + 1)) : undefined
  em.fill(0)
  if (message === undefined) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('OAEP decoding error') })
  }
  return message
}
