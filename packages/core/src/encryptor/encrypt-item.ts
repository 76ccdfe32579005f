import { AttributeActions } from '../attribute-actions'
import type { AttributeValue, Item } from '../attribute-value'
import { CryptoAction } from '../crypto-action'
import { cbcPadding, CBC_SLOT } from '../crypto/aes-cbc'
import { hasNativeOperations, isPending, keyOperations, type Eventually, type KeyOperations } from '../crypto/key-operations'
import { DynamoDBEncryptionError, EncryptionError, SigningError } from '../errors'
import type { DelegatedKey } from '../materials/delegated-key'
import { hasOwn, setOwn } from '../own-property'
import { writeAttribute } from '../serialize/attribute'
import { acquireWriter, releaseWriter } from '../serialize/byte-writer'
import { assertPortable } from '../serialize/portable'
import { sameKeys, stringToSignOfWritten, stringToSignWithFlags } from '../serialize/string-to-sign'
import { ReservedAttribute, SYMMETRIC_MODE } from '../wire'
import { buildContext, checkConfig, checkItem, resolveOptions, transformationOf, type CryptoConfig } from './crypto-config'
import { descriptionBytes, EMPTY_DESCRIPTION } from './description-cache'

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription

/**
 * Serializes the values one after the other into the shared writer (wiped right after) and encrypts them all with
 * one call of the key's operations (for a LocalDelegatedKey, one native call). Serialization errors name the
 * attribute; nothing reaches the key if any value fails to serialize.
 */
function encryptAll(key: DelegatedKey, transformation: string, names: readonly string[], values: readonly AttributeValue[], flags: number): Eventually<Uint8Array[]> {
  const operations = keyOperations(key)
  if (operations.encryptLaidOut !== undefined) return encryptLaidOut(operations, transformation, names, values, flags)
  const writer = acquireWriter()
  let pending: Eventually<Uint8Array[]>
  try {
    const ends: number[] = new Array<number>(values.length)
    for (let i = 0; i < values.length; i++) {
      try {
        writeAttribute(writer, values[i] as AttributeValue, flags, undefined)
      } catch (error) {
        if (DynamoDBEncryptionError.isInstance(error)) throw error
        throw new EncryptionError(`Failed to encrypt attribute "${names[i] as string}"`, { cause: error })
      }
      ends[i] = writer.position
    }
    const all = writer.view()
    const plaintexts: Uint8Array[] = new Array<Uint8Array>(values.length)
    // Views made with the constructor rather than `subarray`, which looks up the species constructor on every call
    // (measured: 8 views 540-840 -> 280-460 ns).
    const memory = all.buffer
    for (let i = 0, start = all.byteOffset; i < values.length; i++) {
      const end = all.byteOffset + (ends[i] as number)
      plaintexts[i] = new Uint8Array(memory, start, end - start)
      start = end
    }
    // The views must not outlive this synchronous call: operations copy what they keep (see KeyOperations).
    pending = keyOperations(key).encryptAttributes(transformation, names, plaintexts)
  } finally {
    releaseWriter(writer)
  }
  return pending
}

/**
 * {@link encryptAll} for a key that takes its plaintexts in the native CBC input layout (our own keys): each value is
 * serialized straight after a 16-byte slot and followed by its PKCS#7 padding, so the key encrypts the writer's
 * memory as it is instead of copying every plaintext into its own input (the same bytes, proved in
 * perf-equivalence.test.ts). Same errors, in the same order: serialization first, then the key. Saves the copy
 * and padding of every plaintext into the cipher's scratch input and the plaintext views (measured A/B in one
 * process, old and new build in interleaved slices of 2000-3000 benchmark items, 15-25 rounds, both load orders:
 * static encrypt 1.1-2.3 µs CPU per item less, paired median, in 6 of 6 runs, min about 21.2-21.8 -> 19.7-20.9 µs;
 * wrapped AES encrypt about 1.1 µs less, median of 8 runs whose paired medians spread -0.4..2.4 µs).
 */
function encryptLaidOut(operations: KeyOperations, transformation: string, names: readonly string[], values: readonly AttributeValue[], flags: number): Uint8Array[] {
  const writer = acquireWriter()
  try {
    const segments: number[] = new Array<number>(values.length)
    for (let i = 0; i < values.length; i++) {
      const slot = writer.position
      writer.raw(CBC_SLOT)
      const start = writer.position
      try {
        writeAttribute(writer, values[i] as AttributeValue, flags, undefined)
      } catch (error) {
        if (DynamoDBEncryptionError.isInstance(error)) throw error
        throw new EncryptionError(`Failed to encrypt attribute "${names[i] as string}"`, { cause: error })
      }
      writer.raw(cbcPadding(writer.position - start))
      segments[i] = writer.position - slot
    }
    return (operations.encryptLaidOut as NonNullable<KeyOperations['encryptLaidOut']>)(transformation, writer.view(), segments)
  } finally {
    releaseWriter(writer)
  }
}

function refuseReserved(name: string): never {
  throw new EncryptionError(`Reserved attribute name "${name}" found in item; rename or remove it before encrypting`)
}

/**
 * The names part of the portable check passed for this shape (actions, and the item's names in order): items that
 * one code path writes have the same names, so only their sign-only values are checked again. Saves the name scan
 * and three arrays per item (measured: the portable check's share of the encrypt profile 2.0% -> 1.2%, about
 * 0.4 µs per benchmark item). Only kept for an exact (frozen) `AttributeActions`.
 */
let portableShape: { actions: AttributeActions; keys: readonly string[]; plainNames: readonly string[] } | undefined
const NO_NAMES: readonly string[] = []

/** `writeMode: 'portable'`: refuses the item if its string to sign differs between the two orders (FORMAT.md 11). */
function checkPortableItem(item: Item, actions: AttributeActions): void {
  const keys = Object.keys(item)
  const shape = portableShape
  if (shape !== undefined && shape.actions === actions && sameKeys(shape.keys, keys)) {
    const names = shape.plainNames
    const values: AttributeValue[] = new Array<AttributeValue>(names.length)
    for (let i = 0; i < names.length; i++) values[i] = item[names[i] as string] as AttributeValue
    assertPortable(NO_NAMES, names, values)
    return
  }
  const signedNames: string[] = []
  const plainNames: string[] = []
  const plainValues: AttributeValue[] = []
  for (const name of keys) {
    const action = actions.action(name)
    if (action === CryptoAction.DO_NOTHING) continue
    signedNames.push(name)
    if (action === CryptoAction.SIGN_ONLY) {
      plainNames.push(name)
      plainValues.push(item[name] as AttributeValue)
    }
  }
  assertPortable(signedNames, plainNames, plainValues)
  if (Object.getPrototypeOf(actions) === AttributeActions.prototype) portableShape = { actions, keys, plainNames }
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
  if (hasOwn(item, SIGNATURE)) refuseReserved(SIGNATURE)
  if (hasOwn(item, DESCRIPTION)) refuseReserved(DESCRIPTION)

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
  const transformation = encryptionKey !== undefined ? transformationOf(encryptionKey.algorithm, SYMMETRIC_MODE) : ''

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
  let stored: Uint8Array[] = []
  if (encryptionKey !== undefined && encryptedValues.length > 0) {
    const encrypted = encryptAll(encryptionKey, transformation, encryptedNames, encryptedValues, options.writeFlags)
    // A LocalDelegatedKey answers synchronously: no promise per item.
    stored = isPending(encrypted) ? await encrypted : encrypted
  }
  // The result in one pass, in the caller's attribute order; `blobs[i]` is the ciphertext of `names[i]` if encrypted.
  const out: Record<string, AttributeValue> = {}
  const blobs: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(names.length)
  // False if a key of the caller's own returned something else than bytes: the string to sign is then made from `out`,
  // whose serialization refuses it (SerializationError) as it always did, instead of signing other bytes than stored.
  let allBytes = true
  for (let i = 0, e = 0; i < names.length; i++) {
    if (encrypt[i] === true) {
      const blob = stored[e++] as Uint8Array
      if (!(blob instanceof Uint8Array)) allBytes = false
      blobs[i] = blob
      setOwn(out, names[i] as string, { B: blob })
    } else {
      setOwn(out, names[i] as string, values[i] as AttributeValue)
    }
  }

  // FORMAT.md 3.2: the string to sign covers the stored (encrypted) values.
  const signingKey = materials.signingKey
  let signature: Uint8Array
  try {
    // A native key signs synchronously and keeps no reference: the string to sign can go in reused memory. Made
    // from the arrays above rather than from `out` (the same bytes as stringToSignWithFlags(out, ...), proved in
    // perf-equivalence.test.ts): saves the item's Object.keys, a keyed lookup per signed value and the type
    // detection of each ciphertext (measured A/B in one process, 3 runs of 30 interleaved slices, static encrypt of
    // the benchmark item: min CPU per item 0.6-1.2 µs less, about 3%).
    const data = allBytes
      ? stringToSignOfWritten(tableName, actions, options.writeFlags, names, values, blobs, hasNativeOperations(signingKey))
      : stringToSignWithFlags(out, tableName, actions, options.writeFlags, hasNativeOperations(signingKey))
    // A LocalDelegatedKey signs synchronously: no promise per item.
    const signed = keyOperations(signingKey).sign(signingKey.algorithm, data)
    signature = isPending(signed) ? await signed : signed
  } catch (error) {
    if (DynamoDBEncryptionError.isInstance(error)) throw error
    throw new SigningError('Failed to sign the item', { cause: error })
  }
  out[SIGNATURE] = { B: signature }
  // FORMAT.md 2.2 / 3.4: the description is written (even empty, as Python does) but not signed.
  out[DESCRIPTION] = { B: descriptionBytes(materials) }
  return out
}
