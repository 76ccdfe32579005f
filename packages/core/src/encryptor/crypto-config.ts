import { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import type { EncryptionContext, TableEncryptionContext } from '../encryption-context'
import { InvalidArgumentError } from '../errors'
import type { CryptographicMaterialsProvider } from '../materials/cryptographic-materials-provider'
import { DEFAULT_WRITE_MODE, SerializeFlag, type WriteMode } from '../serialize/serialize-options'

/** Configuration of one `encryptItem` / `decryptItem` call (Python `CryptoConfig`). */
export interface CryptoConfig {
  /** Supplies the keys for the item. */
  materialsProvider: CryptographicMaterialsProvider
  /**
   * The table's part of the item's encryption context: where the item lives. `tableName` is required: it is signed into every item (FORMAT.md 3.3), so an item only
   * verifies under the table name it was written with. `partitionKeyName` / `sortKeyName`, when given, are refused
   * as ENCRYPT_AND_SIGN and passed on to the provider (Direct KMS puts their values in the KMS context).
   */
  encryptionContext: TableEncryptionContext
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

/** The options of a {@link CryptoConfig}, checked and resolved once per call. @internal */
export interface ResolvedOptions {
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

/**
 * Resolves `writeMode` and `acceptPythonRoundedNumbers`.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown `writeMode` or a non-boolean `acceptPythonRoundedNumbers`.
 * @internal
 */
export function resolveOptions(config: CryptoConfig): ResolvedOptions {
  const mode = config.writeMode ?? DEFAULT_WRITE_MODE
  if (mode !== 'portable' && mode !== 'python' && mode !== 'java') {
    throw new InvalidArgumentError('"writeMode" option must be "portable", "python" or "java"')
  }
  const accept = config.acceptPythonRoundedNumbers ?? false
  if (typeof accept !== 'boolean') throw new InvalidArgumentError('"acceptPythonRoundedNumbers" option must be true or false')
  const resolved = RESOLVED[mode]
  return accept ? { ...resolved, acceptRounded: true } : resolved
}

/** The options of a {@link CryptoConfig} other than provider, context and actions, which wrappers forward as they are. */
export type CryptoOptions = Pick<CryptoConfig, 'writeMode' | 'acceptPythonRoundedNumbers'>

/**
 * Checks the options of a {@link CryptoConfig} other than its provider, context and actions, as `encryptItem` and
 * `decryptItem` will: for wrappers (clients, tables, tools) that take these options once and use them per item.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown `writeMode` or a non-boolean `acceptPythonRoundedNumbers`.
 */
export function checkCryptoOptions(options: CryptoOptions): void {
  resolveOptions(options as CryptoConfig)
}

/** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT unless `item` is a plain object. @internal */
export function checkItem(item: unknown, operation: string): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidArgumentError(`${operation}: the item must be an object mapping attribute names to AttributeValue`)
  }
}

const CONFIG_SHAPE = 'config must be a CryptoConfig object with materialsProvider, encryptionContext and attributeActions'

/**
 * Validates the parts of the config both directions need; returns the table name. Every malformed config gets an
 * InvalidArgumentError naming the part, never a TypeError from using it.
 * @internal
 */
export function checkConfig(config: CryptoConfig): string {
  if (config === null || typeof config !== 'object') throw new InvalidArgumentError(CONFIG_SHAPE)
  const actions: unknown = config.attributeActions
  if (actions === null || typeof actions !== 'object' ||
      typeof (actions as Partial<AttributeActions>).action !== 'function' ||
      typeof (actions as Partial<AttributeActions>).assertKeysNotEncrypted !== 'function') {
    throw new InvalidArgumentError('"attributeActions" must be an AttributeActions (new AttributeActions({ ... }))')
  }
  const provider: unknown = config.materialsProvider
  if (provider === null || typeof provider !== 'object' ||
      typeof (provider as Partial<CryptographicMaterialsProvider>).getEncryptionMaterials !== 'function' ||
      typeof (provider as Partial<CryptographicMaterialsProvider>).getDecryptionMaterials !== 'function') {
    throw new InvalidArgumentError('"materialsProvider" must be a CryptographicMaterialsProvider (getEncryptionMaterials, getDecryptionMaterials)')
  }
  const context: unknown = config.encryptionContext
  const tableName = typeof context === 'object' && context !== null ? (context as { tableName?: unknown }).tableName : undefined
  if (typeof tableName !== 'string' || tableName === '') {
    throw new InvalidArgumentError('tableName is missing; pass it in encryptionContext or use EncryptedTable')
  }
  const { partitionKeyName, sortKeyName } = config.encryptionContext
  checkKeyName('partitionKeyName', partitionKeyName)
  checkKeyName('sortKeyName', sortKeyName)
  assertKeysNotEncrypted(config.attributeActions, partitionKeyName, sortKeyName)
  return tableName
}

function checkKeyName(option: string, name: unknown): void {
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidArgumentError(`"encryptionContext.${option}" must be a string (the attribute name) or undefined`)
  }
}

/**
 * The last actions and key names that passed `assertKeysNotEncrypted`. An exact `AttributeActions` is frozen, so
 * the same object with the same names passes again: a client passes the same ones for every item, and the check
 * allocates (measured with the context built without spreads below: checkConfig + buildContext 0.41 -> 0.19 µs
 * per item).
 */
let lastKeyCheck: { actions: AttributeActions; partitionKeyName: string | undefined; sortKeyName: string | undefined } | undefined

function assertKeysNotEncrypted(actions: AttributeActions, partitionKeyName: string | undefined, sortKeyName: string | undefined): void {
  const last = lastKeyCheck
  if (last !== undefined && last.actions === actions && last.partitionKeyName === partitionKeyName && last.sortKeyName === sortKeyName) return
  actions.assertKeysNotEncrypted(partitionKeyName, sortKeyName)
  if (Object.getPrototypeOf(actions) === AttributeActions.prototype) lastKeyCheck = { actions, partitionKeyName, sortKeyName }
}

/** The context handed to the materials provider (FORMAT.md 5.4, 5.5). @internal */
export function buildContext(
  config: CryptoConfig,
  tableName: string,
  attributes: Item,
  materialDescription: Readonly<Record<string, string>>,
): EncryptionContext {
  const { partitionKeyName, sortKeyName } = config.encryptionContext
  // Built property by property rather than with conditional spreads (no temporary objects; same keys, same order).
  const context: { -readonly [K in keyof EncryptionContext]: EncryptionContext[K] } = { tableName } as EncryptionContext
  if (partitionKeyName !== undefined) context.partitionKeyName = partitionKeyName
  if (sortKeyName !== undefined) context.sortKeyName = sortKeyName
  context.attributes = attributes
  context.materialDescription = materialDescription
  return Object.freeze(context)
}

/** The last content-key algorithm and mode, and their concatenation (see {@link transformationOf}). */
let lastAlgorithm: string | undefined
let lastMode: string | undefined
let lastTransformation = ''

/**
 * `algorithm + mode` (FORMAT.md 4.1: `AES/CBC/PKCS5Padding`), as the same string object for as long as the key's
 * algorithm and the mode stay the same. A concatenation made per item is a new string whose hash the key's set of
 * supported transformations has to compute again (flattening it first) on every lookup; the same object keeps its
 * hash (measured: the key's transformation check, 1.3-2.1% of the static profiles, left their top 80 lines; A/B in
 * one process on a loaded machine, 3-4% less CPU per static item in each direction).
 * @internal
 */
export function transformationOf(algorithm: string, mode: string): string {
  if (algorithm !== lastAlgorithm || mode !== lastMode) {
    lastTransformation = algorithm + mode
    lastAlgorithm = algorithm
    lastMode = mode
  }
  return lastTransformation
}
