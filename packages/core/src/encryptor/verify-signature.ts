import type { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import { bytesEqual } from '../crypto/bytes'
import { keyOperations, isPending } from '../crypto/key-operations'
import { SignatureVerificationError } from '../errors'
import type { DecryptionMaterials } from '../materials/cryptographic-materials'
import type { DelegatedKey } from '../materials/delegated-key'
import { hasOwn } from '../own-property'
import { stringToSign } from '../serialize/string-to-sign'
import { MaterialDescriptionKey } from '../wire'

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

/**
 * String-to-sign variants tried when the default one does not verify (FORMAT.md 11): Java orders set members, map
 * keys and attribute names by UTF-16 code unit (and `BS` members as signed bytes); Python rounds numbers to 28
 * significant digits and keeps `-0`. Only variants whose bytes differ from the default are returned.
 */
function fallbackStringsToSign(body: Item, tableName: string, actions: AttributeActions, primary: Uint8Array): Uint8Array[] {
  const variants: Uint8Array[] = []
  for (const options of [{ ordering: 'utf16' as const }, { numbers: 'python' as const }, { ordering: 'utf16' as const, numbers: 'python' as const }]) {
    let candidate: Uint8Array
    try {
      candidate = stringToSign(body, tableName, actions, options)
    } catch {
      continue // e.g. Python number rules refuse more than 38 digits: that writer could not have produced this item
    }
    if (!bytesEqual(candidate, primary) && !variants.some((v) => bytesEqual(v, candidate))) variants.push(candidate)
  }
  return variants
}

/**
 * Verifies the item signature (FORMAT.md 3.5) over our string to sign, then over the compatibility variants the
 * reference clients may have signed; throws `SignatureVerificationError` if none verifies.
 * @internal
 */
export async function verifySignature(
  materials: DecryptionMaterials,
  description: Readonly<Record<string, string>>,
  signature: Uint8Array,
  body: Item,
  tableName: string,
  actions: AttributeActions,
): Promise<void> {
  const key = materials.verificationKey
  const algorithm = verificationAlgorithm(key, description)
  const operations = keyOperations(key)
  try {
    const primary = stringToSign(body, tableName, actions)
    const verified = operations.verify(algorithm, signature, primary)
    if (isPending(verified) ? await verified : verified) return
    // Interop fallback: items written by Java or Python whose canonical bytes differ from ours (FORMAT.md 1.3, 1.4).
    for (const candidate of fallbackStringsToSign(body, tableName, actions, primary)) {
      if (await operations.verify(algorithm, signature, candidate)) return
    }
  } catch (error) {
    throw new SignatureVerificationError(MSG_BAD_SIGNATURE, { cause: error })
  }
  throw new SignatureVerificationError(MSG_BAD_SIGNATURE)
}
