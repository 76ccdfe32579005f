import type { AttributeValue } from './attribute-value'
import { InvalidArgumentError } from './errors'

/**
 * What the encryptor and providers know about the item being processed (FORMAT.md section 6).
 * The encryptor always sets `attributes` to the item it is processing: the plaintext item on encrypt, the stored
 * (encrypted) item on decrypt, and `materialDescription` to the item's parsed description on decrypt.
 */
export interface EncryptionContext {
  /** Table name: signed into every item (FORMAT.md 3.3) and sent to KMS by the Direct KMS provider. */
  readonly tableName?: string
  /** Partition key attribute name. */
  readonly partitionKeyName?: string
  /** Sort key attribute name. */
  readonly sortKeyName?: string
  /** The item, in low-level form. */
  readonly attributes: Readonly<Record<string, AttributeValue>>
  /** Material description: empty on encrypt, the item's on decrypt. */
  readonly materialDescription: Readonly<Record<string, string>>
}

/**
 * The part of an item's {@link EncryptionContext} that comes from its table, not from the item: table name and
 * primary key names. `CryptoConfig.encryptionContext` and client-helpers' `TableInfo.encryptionContext` hold it; the
 * encryptor adds `attributes` and `materialDescription` for each item (Python's `CryptoConfig.encryption_context`,
 * Java's `EncryptionContext` before `withAttributeValues`). Not the KMS encryption context, which is always named
 * so (`kmsEncryptionContext`).
 */
export interface TableEncryptionContext {
  /** Table name, required: it is signed into every item (FORMAT.md 3.3). */
  readonly tableName: string
  /** Partition key attribute name. */
  readonly partitionKeyName?: string
  /** Sort key attribute name. */
  readonly sortKeyName?: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks the shape of a context handed to a materials provider, so that a provider called directly with a malformed
 * one fails with a typed error instead of a TypeError: an object whose `attributes` is an object, whose
 * `materialDescription` is an object of string values, and whose names are strings when present.
 *
 * @example
 * async getDecryptionMaterials(context: EncryptionContext) {
 *   checkEncryptionContext(context, 'MyProvider.getDecryptionMaterials')
 * }
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT naming the malformed part (never its value).
 */
export function checkEncryptionContext(context: unknown, where: string): asserts context is EncryptionContext {
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(`${where}: the EncryptionContext ${problem}`)
  }
  if (!isRecord(context)) fail('must be an object with attributes and materialDescription')
  const { tableName, partitionKeyName, sortKeyName, attributes, materialDescription } = context as Record<string, unknown>
  if (tableName !== undefined && typeof tableName !== 'string') fail('"tableName" must be a string or undefined')
  if (partitionKeyName !== undefined && typeof partitionKeyName !== 'string') fail('"partitionKeyName" must be a string or undefined')
  if (sortKeyName !== undefined && typeof sortKeyName !== 'string') fail('"sortKeyName" must be a string or undefined')
  if (!isRecord(attributes)) fail('"attributes" must be an object of attribute names to AttributeValue')
  if (!isRecord(materialDescription)) fail('"materialDescription" must be an object of string keys to string values')
  for (const key of Object.keys(materialDescription as object)) {
    if (typeof (materialDescription as Record<string, unknown>)[key] !== 'string') fail(`"materialDescription" entry "${key}" must be a string`)
  }
}
