import type { KeyObject } from 'node:crypto'
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
 * other caller in the process. Instead we do the raw RSA operation (OpenSSL, blinded) and unpad here:
 *
 * - Every check (ciphertext length/range, `00 02` prefix, >= 8 nonzero padding bytes, a `00` separator, and a
 *   message length that is a valid AES key length: 16, 24 or 32 bytes) is computed over the whole encoded message
 *   without data-dependent branches and folded into one flag.
 * - There is one failure path and one message, `UnwrappingError('Decryption failed')`, whichever check failed,
 *   so the error does not say *why* the padding was rejected (Bleichenbacher needs that signal to be cheap).
 * - Requiring a known key length removes most "valid padding, wrong length" ciphertexts, which is the usual way a
 *   lenient decoder leaks.
 *
 * Residual risk (not closed here): the material description is not signed (FORMAT.md 3.4), so whoever can write
 * items can point `amzn-ddb-wrap-alg` at this decoder for *any* RSA-wrapped key, OAEP ones included. If the
 * application then lets them tell "unwrap failed" (UnwrappingError) from "unwrap worked, decryption failed"
 * (DecryptionError), that is a Bleichenbacher oracle: a strict one (the length check makes conforming
 * ciphertexts rare), so slow, but real. Closing it fully needs implicit rejection (return a key derived from the
 * private key and the ciphertext instead of failing, for one fixed expected length) or not reading PKCS#1 v1.5
 * unless the caller opts in; both are provider-level decisions. This mode is only read, never written.
 */

/**
 * Decrypts an RSAES-PKCS1-v1_5 ciphertext holding a 16/24/32-byte content key; see the comment above.
 * @internal
 */
export function rsaPkcs1v15Decrypt(privateKey: KeyObject, k: number, ciphertext: Uint8Array): Uint8Array {
  const em = k >= 11 + 16 ? rsaRawDecrypt(privateKey, k, ciphertext) : undefined
  if (em === undefined) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('RSA decryption failed') })
  }
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

  const message = bad === 0 ? new Uint8Array(em.subarray(separator + 1)) : undefined
  em.fill(0)
  if (message === undefined) {
    throw new UnwrappingError('Decryption failed', { cause: new Error('PKCS#1 v1.5 decoding error') })
  }
  return message
}
