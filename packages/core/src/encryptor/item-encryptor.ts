import type { AttributeActions } from '../attribute-actions'
import type { AttributeValue, Item } from '../attribute-value'
import { CryptoAction } from '../crypto-action'
import type { EncryptionContext } from '../encryption-context'
import {
  DecryptionError,
  DynamoDbEncryptionError,
  EncryptionError,
  InvalidArgumentError,
  InvalidMaterialDescriptionError,
  SignatureVerificationError,
  SigningError,
} from '../errors'
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/cryptographic-materials'
import type { CryptographicMaterialsProvider } from '../materials/cryptographic-materials-provider'
import type { DelegatedKey } from '../materials/delegated-key'
import { isPending, keyOperations, type Eventually } from '../crypto/key-operations'
import { deserializeAttribute, writeAttribute } from '../serialize/attribute'
import { acquireWriter, releaseWriter } from '../serialize/byte-writer'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../serialize/material-description'
import { stringToSign } from '../serialize/string-to-sign'
import { MaterialDescriptionKey, ReservedAttribute, SYMMETRIC_MODE } from '../wire'
import { hasOwn, setOwn } from '../own-property'

/** Configuration of one {@link encryptItem} / {@link decryptItem} call (Python `CryptoConfig`). */
export interface CryptoConfig {
  /** Supplies the keys for the item. */
  materialsProvider: CryptographicMaterialsProvider
  /**
   * Where the item lives. `tableName` is required: it is signed into every item (FORMAT.md 3.3), so an item only
   * verifies under the table name it was written with. `partitionKeyName` / `sortKeyName`, when given, are refused
   * as ENCRYPT_AND_SIGN and passed on to the provider (Direct KMS puts their values in the KMS context).
   */
  encryptionContext: { tableName: string; partitionKeyName?: string; sortKeyName?: string }
  /** What to do with each attribute. Reader and writer must use the same actions for every attribute. */
  attributeActions: AttributeActions
}

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription
const SYM_MODE = MaterialDescriptionKey.SymmetricMode
const SIGNING_ALG = MaterialDescriptionKey.SigningAlgorithm
const EMPTY_DESCRIPTION: Readonly<Record<string, string>> = Object.freeze({})
const RSA_SIGNATURE_ALGORITHM = /^SHA(224|256|384|512)withRSA$/
const HMAC_PREFIX = 'Hmac'

// Fixed messages: every verify / decrypt failure of one class says the same thing; the detail is in `cause`.
const MSG_NO_SIGNATURE = 'No signature attribute found in item'
const MSG_BAD_SIGNATURE = 'Unable to verify signature'
const MSG_DECRYPTION_FAILED = 'Decryption failed'

/** Serialized descriptions of frozen materials objects, so a static provider's description is serialized once. */
const descriptionCache = new WeakMap<EncryptionMaterials, Uint8Array>()

/**
 * The last stored description read and its parsed, frozen form: items written with the same materials carry the
 * same description bytes, so most reads skip parsing. The bytes are copied (callers own theirs) and compared in full.
 */
let lastDescriptionBytes: Uint8Array | undefined
let lastDescription: Readonly<Record<string, string>> = EMPTY_DESCRIPTION
const MAX_CACHED_DESCRIPTION_BYTES = 1024

/** The stored description parsed (FORMAT.md 2.2) and frozen; throws as {@link deserializeMaterialDescription}. */
function parsedDescription(bytes: Uint8Array): Readonly<Record<string, string>> {
  const last = lastDescriptionBytes
  if (last !== undefined && bytesEqual(last, bytes)) return lastDescription
  const description = Object.freeze(deserializeMaterialDescription(bytes))
  if (bytes.length <= MAX_CACHED_DESCRIPTION_BYTES) {
    lastDescriptionBytes = bytes.slice()
    lastDescription = description
  }
  return description
}

/** Validates the parts of the config both directions need; returns the table name. */
function checkConfig(config: CryptoConfig): string {
  if (config === null || typeof config !== 'object') {
    throw new InvalidArgumentError('config must be a CryptoConfig object with materialsProvider, encryptionContext and attributeActions')
  }
  const tableName = config.encryptionContext?.tableName
  if (typeof tableName !== 'string' || tableName === '') {
    throw new InvalidArgumentError('tableName is missing; pass it in encryptionContext or use EncryptedTable')
  }
  config.attributeActions.assertKeysNotEncrypted(config.encryptionContext.partitionKeyName, config.encryptionContext.sortKeyName)
  return tableName
}

function buildContext(
  config: CryptoConfig,
  tableName: string,
  attributes: Item,
  materialDescription: Readonly<Record<string, string>>,
): EncryptionContext {
  const { partitionKeyName, sortKeyName } = config.encryptionContext
  return Object.freeze({
    tableName,
    ...(partitionKeyName !== undefined ? { partitionKeyName } : {}),
    ...(sortKeyName !== undefined ? { sortKeyName } : {}),
    attributes,
    materialDescription,
  })
}

/** The description written with the item (FORMAT.md 2.2, 5.4), serialized once per frozen materials object. */
function descriptionBytes(materials: EncryptionMaterials): Uint8Array {
  const cacheable = Object.isFrozen(materials) && Object.isFrozen(materials.materialDescription)
  if (cacheable) {
    const cached = descriptionCache.get(materials)
    // A copy per item: callers own the items we return and may change their bytes.
    if (cached !== undefined) return cached.slice()
  }
  const md: Record<string, string> = { ...materials.materialDescription }
  // Python writes sym-mode whenever there is an encryption key (even if nothing is encrypted) and the signing
  // algorithm for every signing key (FORMAT.md 2.3). Our own values win over the provider's.
  if (materials.encryptionKey !== undefined) md[SYM_MODE] = SYMMETRIC_MODE
  md[SIGNING_ALG] = materials.signingKey.algorithm
  const bytes = serializeMaterialDescription(md)
  if (cacheable) {
    descriptionCache.set(materials, bytes)
    return bytes.slice()
  }
  return bytes
}

/**
 * Serializes the values one after the other into the shared writer (wiped right after) and encrypts them all with
 * one call of the key's operations (for a LocalDelegatedKey, one native call). Serialization errors name the
 * attribute; nothing reaches the key if any value fails to serialize.
 */
function encryptAll(key: DelegatedKey, transformation: string, names: readonly string[], values: readonly AttributeValue[]): Eventually<AttributeValue[]> {
  const writer = acquireWriter()
  let pending: Eventually<Uint8Array[]>
  try {
    const ends: number[] = new Array<number>(values.length)
    for (let i = 0; i < values.length; i++) {
      try {
        writeAttribute(writer, values[i] as AttributeValue, 0, undefined)
      } catch (error) {
        if (DynamoDbEncryptionError.isInstance(error)) throw error
        throw new EncryptionError(`Failed to encrypt attribute "${names[i] as string}"`, { cause: error })
      }
      ends[i] = writer.position
    }
    const all = writer.view()
    const plaintexts: Uint8Array[] = new Array<Uint8Array>(values.length)
    for (let i = 0; i < values.length; i++) plaintexts[i] = all.subarray(i === 0 ? 0 : (ends[i - 1] as number), ends[i] as number)
    // The views must not outlive this synchronous call: operations copy what they keep (see KeyOperations).
    pending = keyOperations(key).encryptAttributes(transformation, names, plaintexts)
  } finally {
    releaseWriter(writer)
  }
  return isPending(pending) ? pending.then(binaryValues) : binaryValues(pending)
}

function binaryValues(blobs: readonly Uint8Array[]): AttributeValue[] {
  const out: AttributeValue[] = new Array<AttributeValue>(blobs.length)
  for (let i = 0; i < blobs.length; i++) out[i] = { B: blobs[i] as Uint8Array }
  return out
}

/**
 * Encrypts and signs one DynamoDB item (FORMAT.md 5.4, Python semantics): every ENCRYPT_AND_SIGN attribute becomes
 * a `B` value `IV ‖ ciphertext`, SIGN_ONLY and DO_NOTHING attributes are copied, and the signature
 * (`*amzn-ddb-map-sig*`) and material description (`*amzn-ddb-map-desc*`) are added. When every action is
 * DO_NOTHING, a shallow copy is returned with nothing added.
 *
 * The caller's item is never modified; the result is a new object (attribute values that are not encrypted are
 * shared with the input). The function either resolves with a complete encrypted item or rejects.
 *
 * @example
 * const encrypted = await encryptItem(
 *   { pk: { S: 'user#1' }, secret: { S: 'hunter2' } },
 *   { materialsProvider, encryptionContext: { tableName: 'users', partitionKeyName: 'pk' },
 *     attributeActions: new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } }) },
 * )
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if `tableName` is missing or a named key attribute is ENCRYPT_AND_SIGN.
 * @throws {EncryptionError} ERR_ENCRYPTION_FAILED if the item already holds a reserved attribute, the materials lack
 * a signing key, or an attribute must be encrypted and the materials have no encryption key.
 * @throws {SigningError} ERR_SIGNING_FAILED if the signing key fails.
 */
export async function encryptItem(item: Item, config: CryptoConfig): Promise<Item> {
  if (config?.attributeActions?.takeNoActions === true) return { ...item }
  const tableName = checkConfig(config)
  // Python refuses these: they would be overwritten, or worse, confuse a reader (FORMAT.md 2.1).
  for (const reserved of [SIGNATURE, DESCRIPTION]) {
    if (hasOwn(item, reserved)) {
      throw new EncryptionError(`Reserved attribute name "${reserved}" found in item; rename or remove it before encrypting`)
    }
  }

  const context = buildContext(config, tableName, item, EMPTY_DESCRIPTION)
  const materials = await config.materialsProvider.getEncryptionMaterials(context)
  // Postcondition: the materials can sign (ESDK-style check of the provider's contract).
  if (materials === null || typeof materials !== 'object' || materials.signingKey == null) {
    throw new EncryptionError('The materials provider returned encryption materials without a signing key; fix the provider')
  }
  const actions = config.attributeActions
  const encryptionKey = materials.encryptionKey
  const transformation = encryptionKey !== undefined ? encryptionKey.algorithm + SYMMETRIC_MODE : ''

  // The item's own attributes, in the caller's order, and which of them are encrypted.
  const names: string[] = []
  const values: AttributeValue[] = []
  const encrypt: boolean[] = []
  const encryptedNames: string[] = []
  const encryptedValues: AttributeValue[] = []
  for (const name in item) {
    if (!hasOwn(item, name)) continue
    const encrypted = actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN
    const value = item[name] as AttributeValue
    names.push(name)
    values.push(value)
    encrypt.push(encrypted)
    if (!encrypted) continue
    // Postcondition: something must be encrypted, so the materials must have an encryption key.
    if (encryptionKey === undefined) {
      throw new EncryptionError(
        `Attribute "${name}" is ENCRYPT_AND_SIGN but no encryption key is available; use materials with an encryption key or mark it SIGN_ONLY`,
      )
    }
    encryptedNames.push(name)
    encryptedValues.push(value)
  }
  let stored: AttributeValue[] = []
  if (encryptionKey !== undefined && encryptedValues.length > 0) {
    const encrypted = encryptAll(encryptionKey, transformation, encryptedNames, encryptedValues)
    // A LocalDelegatedKey answers synchronously: no promise per item.
    stored = isPending(encrypted) ? await encrypted : encrypted
  }
  // The result in one pass, in the caller's attribute order.
  const out: Record<string, AttributeValue> = {}
  for (let i = 0, e = 0; i < names.length; i++) {
    setOwn(out, names[i] as string, encrypt[i] === true ? (stored[e++] as AttributeValue) : (values[i] as AttributeValue))
  }

  // FORMAT.md 3.2: the string to sign covers the stored (encrypted) values.
  const signingKey = materials.signingKey
  let signature: Uint8Array
  try {
    const data = stringToSign(out, tableName, actions)
    // A LocalDelegatedKey signs synchronously: no promise per item.
    const signed = keyOperations(signingKey).sign(signingKey.algorithm, data)
    signature = isPending(signed) ? await signed : signed
  } catch (error) {
    if (DynamoDbEncryptionError.isInstance(error)) throw error
    throw new SigningError('Failed to sign the item', { cause: error })
  }
  out[SIGNATURE] = { B: signature }
  // FORMAT.md 2.2 / 3.4: the description is written (even empty, as Python does) but not signed.
  out[DESCRIPTION] = { B: descriptionBytes(materials) }
  return out
}

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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

async function verifySignature(
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

/**
 * Decrypts every encrypted attribute with one call of the key's operations (for a LocalDelegatedKey, one native
 * call) and parses the plaintexts, which are wiped as soon as they are parsed. The error is that of the first
 * failing attribute in order: a value that is not `B` first, then decryption or deserialization failures.
 */
function decryptAll(key: DelegatedKey, transformation: string, names: readonly string[], body: Item): Eventually<AttributeValue[]> {
  const blobs: Uint8Array[] = new Array<Uint8Array>(names.length)
  for (let i = 0; i < names.length; i++) {
    const blob = (body[names[i] as string] as { B?: unknown }).B
    if (!(blob instanceof Uint8Array)) {
      throw new DecryptionError(MSG_DECRYPTION_FAILED, { cause: new Error(`Encrypted attribute "${names[i] as string}" is not a binary (B) value`) })
    }
    blobs[i] = blob
  }
  try {
    const values = keyOperations(key).decryptAttributes(transformation, names, blobs, (plaintexts) => {
      const out: AttributeValue[] = new Array<AttributeValue>(plaintexts.length)
      for (let i = 0; i < plaintexts.length; i++) {
        const plaintext = plaintexts[i]
        if (!(plaintext instanceof Uint8Array)) throw plaintext
        // FORMAT.md 4.3, 1.6; B values and strings are copied out of the temporary plaintext.
        out[i] = deserializeAttribute(plaintext)
      }
      return out
    })
    return isPending(values) ? values.catch(decryptionFailed) : values
  } catch (error) {
    return decryptionFailed(error)
  }
}

function decryptionFailed(cause: unknown): never {
  throw new DecryptionError(MSG_DECRYPTION_FAILED, { cause })
}

/**
 * Verifies and decrypts one DynamoDB item written by {@link encryptItem} or by the Python or Java DynamoDB
 * Encryption Client (FORMAT.md 5.5). Returns a new item with ENCRYPT_AND_SIGN attributes decrypted and the two
 * reserved attributes removed. When every action is DO_NOTHING, a shallow copy is returned unverified.
 *
 * The provider is called with `context.attributes` = the stored item exactly as given (reserved attributes
 * included; key attributes are plaintext there) and `context.materialDescription` = the item's parsed description
 * (`{}` if it has none), as Java and the Python helpers do.
 *
 * If the signature does not verify over our canonical string to sign, the Java canonical ordering (UTF-16 names,
 * signed-byte binary sets) and Python number rounding (28 significant digits, `-0`) are tried as well, so items
 * those clients wrote with non-ASCII names or long numbers still verify (FORMAT.md 11).
 *
 * @example
 * const plaintext = await decryptItem(storedItem, config)
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if `tableName` is missing or a named key attribute is ENCRYPT_AND_SIGN.
 * @throws {DecryptionError} ERR_DECRYPTION_FAILED if the signature is missing, no decryption key or symmetric mode is
 * available, or an attribute does not decrypt.
 * @throws {InvalidMaterialDescriptionError} ERR_INVALID_MATERIAL_DESCRIPTION if the stored description is malformed.
 * @throws {SignatureVerificationError} ERR_SIGNATURE_VERIFICATION_FAILED if the item was altered, moved, or is read
 * with other keys or actions.
 */
export async function decryptItem(item: Item, config: CryptoConfig): Promise<Item> {
  if (config?.attributeActions?.takeNoActions === true) return { ...item }
  const tableName = checkConfig(config)
  const signatureAttribute = hasOwn(item, SIGNATURE) ? item[SIGNATURE] : undefined
  if (signatureAttribute === undefined) throw new DecryptionError(MSG_NO_SIGNATURE)
  const signature = (signatureAttribute as { B?: unknown }).B
  if (!(signature instanceof Uint8Array)) {
    throw new SignatureVerificationError(MSG_BAD_SIGNATURE, { cause: new Error(`"${SIGNATURE}" is not a binary (B) value`) })
  }

  let description: Readonly<Record<string, string>> = EMPTY_DESCRIPTION
  if (hasOwn(item, DESCRIPTION)) {
    const bytes = (item[DESCRIPTION] as { B?: unknown }).B
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidMaterialDescriptionError(`Invalid material description: "${DESCRIPTION}" is not a binary (B) value`)
    }
    description = parsedDescription(bytes)
  }

  // The stored attributes without the two reserved ones: what was signed, and what we return.
  const actions = config.attributeActions
  const out: Record<string, AttributeValue> = {}
  let encryptedNames: string[] | undefined
  for (const name in item) {
    if (!hasOwn(item, name) || name === SIGNATURE || name === DESCRIPTION) continue
    setOwn(out, name, item[name] as AttributeValue)
    if (actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN) (encryptedNames ??= []).push(name)
  }

  const materials = await config.materialsProvider.getDecryptionMaterials(buildContext(config, tableName, item, description))
  // Postcondition: the materials can verify.
  if (materials === null || typeof materials !== 'object' || materials.verificationKey == null) {
    throw new DecryptionError('The materials provider returned decryption materials without a verification key; fix the provider')
  }
  await verifySignature(materials, description, signature, out, tableName, actions)
  if (encryptedNames === undefined) return out

  const decryptionKey = materials.decryptionKey
  if (decryptionKey === undefined) {
    throw new DecryptionError('Attributes must be decrypted but no decryption key is available; use materials with a decryption key')
  }
  const mode = hasOwn(description, SYM_MODE) ? description[SYM_MODE] : undefined
  if (mode === undefined) {
    throw new DecryptionError(`The item's material description lacks "${SYM_MODE}", so its attributes cannot be decrypted`)
  }
  // Only CBC has ever been written by any implementation (FORMAT.md 4.1); the description is unsigned, so any
  // other mode means it was altered. Refusing it keeps an attacker from choosing the cipher mode.
  if (mode !== SYMMETRIC_MODE) {
    throw new DecryptionError(MSG_DECRYPTION_FAILED, { cause: new Error(`Unsupported "${SYM_MODE}" "${mode}"`) })
  }
  const transformation = decryptionKey.algorithm + mode
  const pending = decryptAll(decryptionKey, transformation, encryptedNames, out)
  const decrypted = isPending(pending) ? await pending : pending
  for (let i = 0; i < encryptedNames.length; i++) setOwn(out, encryptedNames[i] as string, decrypted[i] as AttributeValue)
  return out
}
