import type { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import { bytesEqual } from '../crypto/bytes'
import { hasNativeOperations, keyOperations, isPending, type Eventually, type KeyOperations } from '../crypto/key-operations'
import { PythonRoundedNumbersError, SignatureVerificationError } from '../errors'
import type { DecryptionMaterials } from '../materials/cryptographic-materials'
import type { DelegatedKey } from '../materials/delegated-key'
import { hasOwn } from '../own-property'
import { SerializeFlag } from '../serialize/serialize-options'
import { stringToSignWithFlags } from '../serialize/string-to-sign'
import { MaterialDescriptionKey } from '../wire'
import type { ResolvedOptions } from './crypto-config'

const SIGNING_ALG = MaterialDescriptionKey.SigningAlgorithm
const RSA_SIGNATURE_ALGORITHM = /^SHA(224|256|384|512)withRSA$/
const HMAC_PREFIX = 'Hmac'

/** Fixed message of every signature failure; the detail is in `cause`. @internal */
export const MSG_BAD_SIGNATURE = 'Unable to verify signature'

/** Picks the algorithm to verify with (FORMAT.md 3.5), or throws if the description contradicts an HMAC key. */
function verificationAlgorithm(key: DelegatedKey, description: Readonly<Record<string, string>>): string {
  const recorded = hasOwn(description, SIGNING_ALG) ? description[SIGNING_ALG] : undefined
  if (key.algorithm.startsWith(HMAC_PREFIX)) {
    // Python ignores the entry and Java ignores it for HMAC keys. We are stricter: the description is not signed, so
    // a changed entry means the item was altered or written with other materials.
    if (recorded !== undefined && recorded !== key.algorithm) {
      throw new SignatureVerificationError(MSG_BAD_SIGNATURE, {
        cause: new Error(`The item's ${SIGNING_ALG} "${recorded}" differs from the verification key's algorithm "${key.algorithm}"`),
      })
    }
    return key.algorithm
  }
  if (key.algorithm.endsWith('withRSA')) {
    // Java selects the RSA signature hash from the description (absent: the key's own). Any other recorded name
    // fails in Java (no such Signature, or a different hash), so it is refused here rather than ignored.
    if (recorded === undefined) return key.algorithm
    if (!RSA_SIGNATURE_ALGORITHM.test(recorded)) {
      throw new SignatureVerificationError(MSG_BAD_SIGNATURE, {
        cause: new Error(`The item's ${SIGNING_ALG} "${recorded}" is not a SHA*withRSA algorithm`),
      })
    }
    return recorded
  }
  return key.algorithm
}

/** The string to sign as the Python client computes it (numbers rounded), or undefined where Python would raise. */
function pythonStringToSign(body: Item, tableName: string, actions: AttributeActions): Uint8Array | undefined {
  try {
    return stringToSignWithFlags(body, tableName, actions, SerializeFlag.PythonNumbers)
  } catch {
    return undefined // e.g. more than 38 digits: no Python writer could have produced this item
  }
}

const MSG_ROUNDED_NUMBERS =
  'Unable to verify signature: it verifies only with the item\'s numbers rounded to 28 significant digits (or -0 ' +
  'kept), as the Python client signs them. If Python writers use this table, pass acceptPythonRoundedNumbers: true ' +
  '(numbers are then authenticated to 28 significant digits only); otherwise a number of the item was changed'

/**
 * Verifies the item signature (FORMAT.md 3.5) over the string to sign in the write mode's order, then in the other
 * reference order (FORMAT.md 1.4, 11: Java orders by UTF-16 code unit and signed bytes, Python by code point and
 * unsigned bytes), so items written by either client verify. Numbers are exact; the Python rounding (28 significant
 * digits, `-0` kept) is accepted only with `acceptPythonRoundedNumbers`, and otherwise reported by its own error.
 *
 * A native key whose first check succeeds answers synchronously (`undefined`, no promise): the common case costs
 * no async function and no promise per item. Anything else returns a promise, settled as before.
 * @throws {SignatureVerificationError} ERR_SIGNATURE_VERIFICATION_FAILED if no accepted variant verifies.
 * @throws {PythonRoundedNumbersError} ERR_PYTHON_ROUNDED_NUMBERS if only the Python-rounded variant verifies.
 * @internal
 */
export function verifySignature(
  materials: DecryptionMaterials,
  description: Readonly<Record<string, string>>,
  signature: Uint8Array,
  body: Item,
  tableName: string,
  actions: AttributeActions,
  options: ResolvedOptions,
): Eventually<void> {
  const key = materials.verificationKey
  const algorithm = verificationAlgorithm(key, description)
  const operations = keyOperations(key)
  // A native key verifies synchronously and keeps no reference: the string to sign can go in reused memory.
  const reuse = hasNativeOperations(key)
  let primary: Uint8Array
  let verified: Eventually<boolean>
  try {
    primary = stringToSignWithFlags(body, tableName, actions, options.writeFlags, reuse)
    verified = operations.verify(algorithm, signature, primary)
  } catch (error) {
    throw new SignatureVerificationError(MSG_BAD_SIGNATURE, { cause: error })
  }
  if (!isPending(verified) && verified) return undefined
  return verifyOtherVariants(verified, primary, reuse, algorithm, operations, signature, body, tableName, actions, options)
}

/** The rest of {@link verifySignature}: waits for a pending first check, then tries the other variants. */
async function verifyOtherVariants(
  first: Eventually<boolean>,
  reused: Uint8Array,
  reuse: boolean,
  algorithm: string,
  operations: KeyOperations,
  signature: Uint8Array,
  body: Item,
  tableName: string,
  actions: AttributeActions,
  options: ResolvedOptions,
): Promise<void> {
  let roundedOnly = false
  try {
    // The reused memory is not ours past this point (the checks below await): copy it before the first await.
    const primary = reuse ? reused.slice() : reused
    if (isPending(first) && (await first)) return
    // Interop: items written by the other reference client (FORMAT.md 1.4). Only the failure path pays for this.
    const other = stringToSignWithFlags(body, tableName, actions, options.writeFlags ^ SerializeFlag.Utf16Ordering)
    if (!bytesEqual(other, primary) && (await operations.verify(algorithm, signature, other))) return
    const python = pythonStringToSign(body, tableName, actions)
    if (python !== undefined && !bytesEqual(python, primary) && !bytesEqual(python, other) && (await operations.verify(algorithm, signature, python))) {
      if (options.acceptRounded) return
      roundedOnly = true
    }
  } catch (error) {
    throw new SignatureVerificationError(MSG_BAD_SIGNATURE, { cause: error })
  }
  if (roundedOnly) throw new PythonRoundedNumbersError(MSG_ROUNDED_NUMBERS)
  throw new SignatureVerificationError(MSG_BAD_SIGNATURE)
}
