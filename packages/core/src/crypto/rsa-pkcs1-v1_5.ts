import { createHash, createHmac, type KeyObject } from 'node:crypto'
import { InvalidAlgorithmError, UnwrappingError } from '../errors'
import { ctEqual, ctIsZero, ctLessThan, rsaRawDecrypt } from './rsa-raw'

/** Content key lengths (bytes) a PKCS#1 v1.5-wrapped item may hold: AES-128/192/256. */
const CONTENT_KEY_LENGTHS: readonly number[] = [16, 24, 32]
/** RFC 8017 7.2.2: at least 8 bytes of nonzero padding. */
const MIN_PADDING = 8
/** The smallest modulus (bytes) that can hold a 16-byte key: 00 02, 8 bytes of padding, 00. */
const MIN_MODULUS_BYTES = 11 + 16

/*
 * Read-only RSAES-PKCS1-v1_5 decryption (`RSA` / `RSA/ECB/PKCS1Padding`, FORMAT.md 7.2), for items written by
 * old Java releases.
 *
 * Why not Node's RSA_PKCS1_PADDING: since the Marvin attack (CVE-2023-46809) Node refuses PKCS#1 v1.5 in
 * privateDecrypt unless the whole process is started with --security-revert, which would re-open the hole for every
 * other caller in the process. Instead we do the raw RSA operation (OpenSSL, blinded) and unpad here, with
 * *implicit rejection* (the approach of OpenSSL 3.2 and draft-irtf-cfrg-rsa-guidance).
 *
 * The material description is not signed, so an attacker can point `amzn-ddb-wrap-alg` of any item at this decoder
 * (and put any ciphertext in `amzn-ddb-env-key`, e.g. an OAEP-wrapped key of another item, multiplied by s^e). Any
 * observable difference between "the padding was valid" and "it was not" is then a Bleichenbacher oracle. So there
 * is no decision here that the caller can see:
 *
 * - Every check (`00 02` prefix, >= 8 nonzero padding bytes, a `00` separator, and a message length equal to the
 *   expected content key length, or one of 16, 24, 32 when the caller names none) is computed over the whole
 *   encoded message without data-dependent branches and folded into one flag.
 * - Whatever the flag says, a key comes out: the message, or a *synthetic* key, HMAC-SHA256(SHA-256(private key),
 *   ciphertext), computed on every call and chosen with a mask, not a branch. Its length is the expected length
 *   (so "well padded but the wrong size" is one more way to get a synthetic key: no size check runs before the
 *   substitution, and none after it can fail), or, when no length is expected, 16, 24 or 32 bytes picked by the
 *   synthetic key itself. The same ciphertext always gives the same key, as a real one would.
 * - Ciphertexts of the wrong length or not below the modulus (public facts) take the same path: they yield the
 *   synthetic key too, instead of an error of their own.
 *
 * The caller then fails (or not) exactly as with a wrong key: attribute decryption raises DecryptionError, whatever
 * happened here. The only error this function raises depends on the private key and the arguments alone (a modulus
 * too small to hold any content key, an expected length PKCS#1 items never have), never on the ciphertext.
 * This mode is only read, never written.
 */

const REJECTION_LABEL = Buffer.from('ddb-encryption PKCS#1 v1.5 implicit rejection', 'utf8')
const rejectionKeys = new WeakMap<KeyObject, Buffer>()

/** A secret derived from the private key, for synthetic keys (cached per KeyObject). */
function rejectionKey(privateKey: KeyObject): Buffer {
  let key = rejectionKeys.get(privateKey)
  if (key === undefined) {
    key = createHash('sha256').update(REJECTION_LABEL).update(privateKey.export({ format: 'der', type: 'pkcs8' })).digest()
    rejectionKeys.set(privateKey, key)
  }
  return key
}

/**
 * Decrypts an RSAES-PKCS1-v1_5 ciphertext holding a content key, with implicit rejection (see above): any
 * ciphertext that does not decode to a key of the expected length returns a synthetic key of that length instead.
 *
 * @param k the modulus length in bytes.
 * @param keyLength the content key length the caller expects (16, 24 or 32 bytes), or `undefined` to accept any
 *   of the three.
 * @throws {UnwrappingError} only when the modulus is too small to hold a content key (a property of the key).
 * @throws {InvalidAlgorithmError} when `keyLength` is not 16, 24 or 32 (a property of the arguments).
 * @internal
 */
export function rsaPkcs1v15Decrypt(privateKey: KeyObject, k: number, ciphertext: Uint8Array, keyLength?: number): Uint8Array {
  if (keyLength !== undefined && !CONTENT_KEY_LENGTHS.includes(keyLength)) {
    throw new InvalidAlgorithmError('PKCS#1 v1.5-wrapped content keys are AES keys of 128, 192 or 256 bits')
  }
  if (k < MIN_MODULUS_BYTES) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('the RSA key is too small to hold a content key') })
  }
  const synthetic = createHmac('sha256', rejectionKey(privateKey)).update(ciphertext).digest()
  // A ciphertext of the wrong length or range is public knowledge; an all-zero message fails the checks below.
  const em = rsaRawDecrypt(privateKey, k, ciphertext) ?? Buffer.alloc(k)

  // EM = 00 ‖ 02 ‖ PS (nonzero) ‖ 00 ‖ M
  let bad = (em[0] as number) | ((em[1] as number) ^ 0x02)
  let found = 0
  let separator = 0
  for (let i = 2; i < k; i++) {
    const isZero = ctIsZero(em[i] as number)
    const first = isZero & (found ^ 1)
    separator |= -first & i
    found |= isZero
  }
  bad |= found ^ 1
  bad |= ctLessThan(separator - 2, MIN_PADDING)
  const length = k - separator - 1
  let lengthOk = 0
  if (keyLength !== undefined) {
    lengthOk = ctEqual(length, keyLength)
  } else {
    for (const allowed of CONTENT_KEY_LENGTHS) lengthOk |= ctEqual(length, allowed)
  }
  bad |= lengthOk ^ 1

  const good = ctIsZero(bad) // 1 if the message is a well-formed key of an accepted length, else 0
  const goodMask = -good // all ones or zero
  const syntheticLength = keyLength ?? (CONTENT_KEY_LENGTHS[(synthetic[31] as number) % 3] as number)
  const outLength = (length & goodMask) | (syntheticLength & ~goodMask)
  // M ends the encoded message, so its bytes sit at k - outLength.. whatever the separator's position.
  const byteMask = goodMask & 0xff
  const message = new Uint8Array(outLength)
  for (let i = 0, j = k - outLength; i < outLength; i++, j++) {
    message[i] = ((em[j] as number) & byteMask) | ((synthetic[i] as number) & ~byteMask)
  }
  em.fill(0)
  synthetic.fill(0)
  return message
}
