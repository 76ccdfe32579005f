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
  PythonRoundedNumbersError,
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
import { assertPortable } from '../serialize/portable'
import { DEFAULT_WRITE_MODE, SerializeFlag, type WriteMode } from '../serialize/serialize-options'
import { stringToSignWithFlags } from '../serialize/string-to-sign'
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
  /**
   * Accept items whose signature verifies only with numbers rounded to 28 significant digits (and `-0` kept), as
   * the Python client 3.3.0 signs them (FORMAT.md 1.3). Default `false`: numbers are authenticated exactly, so a
   * number changed past its 28th significant digit (for example a sort key `1` rewritten to
   * `1.0000000000000000000000000001`, which moves the item to another key) is rejected. Turn it on only for tables
   * that Python writers fill with numbers of more than 28 significant digits or `-0`; such numbers are then
   * authenticated to 28 significant digits only. With it off, such items fail with `PythonRoundedNumbersError`
   * (`ERR_PYTHON_ROUNDED_NUMBERS`), which names this option.
   */
  acceptPythonRoundedNumbers?: boolean
  /**
   * Byte order of the signed values we write (FORMAT.md 1.4, 11). Reading always accepts both orders.
   * - `'portable'` (default): code-point / unsigned-byte order, and an item is refused with `NonPortableItemError`
   *   (`ERR_NON_PORTABLE_ITEM`, naming the attribute) if its string to sign differs between the two orders: signed
   *   string sets, map keys or attribute names mixing characters above U+FFFF with U+E000..U+FFFF at the same
   *   position, signed binary sets whose members differ at a byte of 0x80 or above against one below. A table shared
   *   by Python and Java services never gets an item whose order one of them cannot verify. (Numbers are not an
   *   order question: a sign-only number of more than 28 significant digits, or `-0`, is signed exactly, as Java
   *   does, and does not verify in the Python client, which rounds; see `acceptPythonRoundedNumbers`.)
   * - `'python'`: code-point / unsigned-byte order (the Python client's); nothing is refused.
   * - `'java'`: UTF-16 code-unit / signed-byte order (the Java client's); nothing is refused.
   */
  writeMode?: WriteMode
}

/** The options of a {@link CryptoConfig}, checked and resolved once per call. */
interface ResolvedOptions {
  /** Flags for serializing encrypted plaintexts and the string to sign we write (the write mode's order). */
  readonly writeFlags: number
  readonly portable: boolean
  readonly acceptRounded: boolean
}

const RESOLVED: Readonly<Record<WriteMode, ResolvedOptions>> = Object.freeze({
  portable: Object.freeze({ writeFlags: 0, portable: true, acceptRounded: false }),
  python: Object.freeze({ writeFlags: 0, portable: false, acceptRounded: false }),
  java: Object.freeze({ writeFlags: SerializeFlag.Utf16Ordering, portable: false, acceptRounded: false }),
})

/** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown `writeMode` or a non-boolean `acceptPythonRoundedNumbers`. */
function resolveOptions(config: CryptoConfig): ResolvedOptions {
  const mode = config.writeMode ?? DEFAULT_WRITE_MODE
  if (mode !== 'portable' && mode !== 'python' && mode !== 'java') {
    throw new InvalidArgumentError('"writeMode" option must be "portable", "python" or "java"')
  }
  const accept = config.acceptPythonRoundedNumbers ?? false
  if (typeof accept !== 'boolean') throw new InvalidArgumentError('"acceptPythonRoundedNumbers" option must be true or false')
  const resolved = RESOLVED[mode]
  return accept ? { ...resolved, acceptRounded: true } : resolved
}

function checkItem(item: unknown, operation: string): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidArgumentError(`${operation}: the item must be an object mapping attribute names to AttributeValue`)
  }
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
const MSG_ROUNDED_NUMBERS =
  'Unable to verify signature: it verifies only with the item\'s numbers rounded to 28 significant digits (or -0 ' +
  'kept), as the Python client signs them. If Python writers use this table, pass acceptPythonRoundedNumbers: true ' +
  '(numbers are then authenticated to 28 significant digits only); otherwise a number of the item was changed'

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
function encryptAll(key: DelegatedKey, transformation: string, names: readonly string[], values: readonly AttributeValue[], flags: number): Eventually<AttributeValue[]> {
  const writer = acquireWriter()
  let pending: Eventually<Uint8Array[]>
  try {
    const ends: number[] = new Array<number>(values.length)
    for (let i = 0; i < values.length; i++) {
      try {
        writeAttribute(writer, values[i] as AttributeValue, flags, undefined)
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

/** `writeMode: 'portable'`: refuses the item if its string to sign differs between the two orders (FORMAT.md 11). */
function checkPortableItem(item: Item, actions: AttributeActions): void {
  const signedNames: string[] = []
  const plainNames: string[] = []
  const plainValues: AttributeValue[] = []
  for (const name in item) {
    if (!hasOwn(item, name)) continue
    const action = actions.action(name)
    if (action === CryptoAction.DO_NOTHING) continue
    signedNames.push(name)
    if (action === CryptoAction.SIGN_ONLY) {
      plainNames.push(name)
      plainValues.push(item[name] as AttributeValue)
    }
  }
  assertPortable(signedNames, plainNames, plainValues)
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
 * @throws {NonPortableItemError} ERR_NON_PORTABLE_ITEM (with `writeMode: 'portable'`, the default) if the item's
 * string to sign differs between the Python and the Java order; the message names the attribute. Nothing is sent
 * to the provider.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the item is not an object or an option is invalid.
 */
export async function encryptItem(item: Item, config: CryptoConfig): Promise<Item> {
  checkItem(item, 'encryptItem')
  if (config?.attributeActions?.takeNoActions === true) return { ...item }
  const tableName = checkConfig(config)
  const options = resolveOptions(config)
  // Python refuses these: they would be overwritten, or worse, confuse a reader (FORMAT.md 2.1).
  for (const reserved of [SIGNATURE, DESCRIPTION]) {
    if (hasOwn(item, reserved)) {
      throw new EncryptionError(`Reserved attribute name "${reserved}" found in item; rename or remove it before encrypting`)
    }
  }

  // Refused before the provider is called (no KMS request for an item that cannot be written).
  if (options.portable) checkPortableItem(item, config.attributeActions)

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
    const encrypted = encryptAll(encryptionKey, transformation, encryptedNames, encryptedValues, options.writeFlags)
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
    const data = stringToSignWithFlags(out, tableName, actions, options.writeFlags)
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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The string to sign as the Python client computes it (numbers rounded), or undefined where Python would raise. */
function pythonStringToSign(body: Item, tableName: string, actions: AttributeActions): Uint8Array | undefined {
  try {
    return stringToSignWithFlags(body, tableName, actions, SerializeFlag.PythonNumbers)
  } catch {
    return undefined // e.g. more than 38 digits: no Python writer could have produced this item
  }
}

/**
 * Verifies the item signature over the string to sign in the write mode's order, then in the other reference
 * order (FORMAT.md 1.4, 11: Java orders by UTF-16 code unit and signed bytes, Python by code point and unsigned
 * bytes), so items written by either client verify. Numbers are exact; the Python rounding (28 significant
 * digits, `-0` kept) is accepted only with `acceptPythonRoundedNumbers`, and otherwise reported by its own error.
 */
async function verifySignature(
  materials: DecryptionMaterials,
  description: Readonly<Record<string, string>>,
  signature: Uint8Array,
  body: Item,
  tableName: string,
  actions: AttributeActions,
  options: ResolvedOptions,
): Promise<void> {
  const key = materials.verificationKey
  const algorithm = verificationAlgorithm(key, description)
  const operations = keyOperations(key)
  let roundedOnly = false
  try {
    const primary = stringToSignWithFlags(body, tableName, actions, options.writeFlags)
    const verified = operations.verify(algorithm, signature, primary)
    if (isPending(verified) ? await verified : verified) return
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

/** The bytes of a `B` attribute value, or undefined for anything else (null and undefined included). */
function binaryOf(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const blob = (value as { B?: unknown }).B
  return blob instanceof Uint8Array ? blob : undefined
}

/**
 * Decrypts every encrypted attribute with one call of the key's operations (for a LocalDelegatedKey, one native
 * call) and parses the plaintexts, which are wiped as soon as they are parsed. The error is that of the first
 * failing attribute in order: a value that is not `B` first, then decryption or deserialization failures.
 */
function decryptAll(key: DelegatedKey, transformation: string, names: readonly string[], body: Item): Eventually<AttributeValue[]> {
  const blobs: Uint8Array[] = new Array<Uint8Array>(names.length)
  for (let i = 0; i < names.length; i++) {
    const blob = binaryOf(body[names[i] as string])
    if (blob === undefined) {
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
 * The signature is checked in both reference orders (code point / unsigned bytes as Python writes, UTF-16 / signed
 * bytes as Java writes; FORMAT.md 11), whatever `writeMode` says. Numbers are authenticated exactly unless
 * `acceptPythonRoundedNumbers` is set (then Python's 28-digit rounding and `-0` are accepted too).
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
 * @throws {PythonRoundedNumbersError} ERR_PYTHON_ROUNDED_NUMBERS (a SignatureVerificationError) if the signature
 * verifies only with Python's number rounding and `acceptPythonRoundedNumbers` is off.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the item is not an object or an option is invalid.
 */
export async function decryptItem(item: Item, config: CryptoConfig): Promise<Item> {
  checkItem(item, 'decryptItem')
  if (config?.attributeActions?.takeNoActions === true) return { ...item }
  const tableName = checkConfig(config)
  const options = resolveOptions(config)
  const signatureAttribute: unknown = hasOwn(item, SIGNATURE) ? item[SIGNATURE] : undefined
  if (signatureAttribute === undefined) throw new DecryptionError(MSG_NO_SIGNATURE)
  const signature = binaryOf(signatureAttribute)
  if (signature === undefined) {
    throw new SignatureVerificationError(MSG_BAD_SIGNATURE, { cause: new Error(`"${SIGNATURE}" is not a binary (B) value`) })
  }

  let description: Readonly<Record<string, string>> = EMPTY_DESCRIPTION
  if (hasOwn(item, DESCRIPTION)) {
    const bytes = binaryOf(item[DESCRIPTION])
    if (bytes === undefined) {
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
  await verifySignature(materials, description, signature, out, tableName, actions, options)
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
