import { createHash, createHmac, type KeyObject } from 'node:crypto'
import { UnwrappingError } from '../errors'
import { ctEqual, ctIsZero, ctLessThan, rsaRawDecrypt } from './rsa-raw'

/** Content key lengths (bytes) a PKCS#1 v1.5-wrapped item may hold: AES-128/192/256. */
const CONTENT_KEY_LENGTHS: readonly number[] = [16, 24, 32]
/** RFC 8017 7.2.2: at least 8 bytes of nonzero padding. */
const MIN_PADDING = 8

/*
 * Read-only RSAES-PKCS1-v1_5 decryption (`RSA` / `RSA/ECB/PKCS1Padding`, FORMAT.md 7.2), for items written by
 * old Java releases.
 *
 * Why not Node's RSA_PKCS1_PADDING: since the Marvin attack (CVE-2023-46809) Node refuses PKCS#1 v1.5 in
 * privateDecrypt unless the whole process is started with --security-revert, which would re-open the hole for every
 * other caller in the process. Instead we do the raw RSA operation (OpenSSL, blinded) and unpad here, with
 * *implicit rejection* (the approach of OpenSSL 3.2 and draft-irtf-cfrg-rsa-guidance):
 *
 * - Every check (`00 02` prefix, >= 8 nonzero padding bytes, a `00` separator, and a message length that is a valid
 *   AES key length: 16, 24 or 32 bytes) is computed over the whole encoded message without data-dependent
 *   branches and folded into one flag.
 * - A ciphertext that fails any check does not raise an error: it yields a 32-byte *synthetic* key,
 *   HMAC-SHA256(SHA-256(private key), ciphertext), computed for every call. The caller then fails later exactly as
 *   with a wrong key (attribute decryption: DecryptionError), so an attacker who can rewrite the (unsigned)
 *   material description to point `amzn-ddb-wrap-alg` at this decoder learns nothing about the padding:
 *   there is no Bleichenbacher oracle, whatever the application reveals about which step failed.
 * - Only facts derived from public data fail fast: a ciphertext of the wrong length or not below the modulus.
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
 * Decrypts an RSAES-PKCS1-v1_5 ciphertext holding a 16/24/32-byte content key, with implicit rejection (see above):
 * a malformed encoding returns a synthetic 32-byte key instead of throwing.
 * @throws {UnwrappingError} only when the ciphertext length or range is wrong (public facts).
 * @internal
 */
export function rsaPkcs1v15Decrypt(privateKey: KeyObject, k: number, ciphertext: Uint8Array): Uint8Array {
  const em = k >= 11 + 16 ? rsaRawDecrypt(privateKey, k, ciphertext) : undefined
  if (em === undefined) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('RSA ciphertext has the wrong length or range') })
  }
  const synthetic = createHmac('sha256', rejectionKey(privateKey)).update(ciphertext).digest()
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
  for (const allowed of CONTENT_KEY_LENGTHS) lengthOk |= ctEqual(length, allowed)
  bad |= lengthOk ^ 1

  const message = new Uint8Array(bad === 0 ? em.subarray(separator + 1) : synthetic)
  em.fill(0)
  synthetic.fill(0)
  return message
}
