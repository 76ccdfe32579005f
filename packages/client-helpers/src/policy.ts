/**
 * Every refusal of the encrypted clients, in one place. Each check runs before anything is sent and throws
 * {@link UnsupportedOperationError} (ERR_UNSUPPORTED_OPERATION) or {@link InvalidArgumentError} (ERR_INVALID_ARGUMENT);
 * messages name tables and attributes, never values. The operation modules call these; nothing else refuses.
 */
import {
  CryptoAction,
  InvalidArgumentError,
  ReservedAttribute,
  UnsupportedOperationError,
  type AttributeValue,
  type Item,
  hasOwn,
} from '@ddb-encryption/core'
import { expressionReader, type DocumentPath, type ExpressionReader } from './internal/expression-reader'
import type { ResolvedTable } from './table-registry'

/** The reader the policy uses for expressions (one seam: a full expression engine replaces it here). */
const reader: ExpressionReader = expressionReader

type Names = Readonly<Record<string, string>> | undefined

/** DynamoDB's item size limit (400 KB), in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024

/** PartiQL: a statement's tables and attributes cannot be determined safely. */
const PARTIQL = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction'])
/** Commands that carry no items, whatever their input holds. */
const NO_ITEMS = new Set(['DescribeTable', 'CreateTable', 'UpdateTable', 'DeleteTable', 'ListTables', 'DescribeTimeToLive',
  'UpdateTimeToLive', 'TagResource', 'UntagResource', 'ListTagsOfResource', 'DescribeContinuousBackups', 'DescribeLimits',
  'DescribeEndpoints', 'CreateBackup', 'DeleteBackup', 'DescribeBackup', 'ListBackups', 'DescribeKinesisStreamingDestination'])
/** Input members that mean "this command reads or writes items". */
const DATA_KEYS = ['Item', 'Items', 'Key', 'Keys', 'RequestItems', 'TransactItems', 'TransactStatements', 'Statement', 'Statements',
  'KeyConditionExpression', 'FilterExpression', 'ProjectionExpression', 'UpdateExpression', 'ConditionExpression', 'ExclusiveStartKey']

/**
 * A command the encrypted client has no operation module for: PartiQL is refused (unless no table encrypts), a
 * command known to carry no items passes, and any other command that carries items or expressions is refused.
 */
export function checkUnknownCommand(operation: string | undefined, input: object, encrypting: boolean): void {
  if (operation !== undefined && PARTIQL.has(operation)) {
    if (!encrypting) return
    throw new UnsupportedOperationError(
      `${operation} (PartiQL) is refused by the encrypted client: it cannot tell safely which tables and attributes a ` +
      'statement touches. Use the item operations, or the plain DynamoDBClient for tables without encryption',
    )
  }
  if (operation !== undefined && NO_ITEMS.has(operation)) return
  if (DATA_KEYS.some((k) => hasOwn(input, k) && (input as Record<string, unknown>)[k] !== undefined)) {
    throw new UnsupportedOperationError(
      `${operation ?? 'This command'} carries items or expressions, but the encrypted client does not know how to encrypt it; ` +
      'use a supported operation, or the plain DynamoDBClient for tables without encryption',
    )
  }
}

function refusedRead(what: string, tableName: string, attribute: string): UnsupportedOperationError {
  return new UnsupportedOperationError(
    `${what} on table "${tableName}" reads attribute "${attribute}", which is encrypted (ENCRYPT_AND_SIGN), so DynamoDB would ` +
    `compare ciphertext and the request would carry its plaintext. Filter after reading, or give "${attribute}" SIGN_ONLY if it may be stored in plaintext`,
  )
}

/** Refuses a condition / filter / key condition expression that compares an encrypted attribute (existence checks pass). */
export function checkCondition(table: ResolvedTable, expression: unknown, names: Names, what: string): void {
  if (expression === undefined) return
  if (typeof expression !== 'string') throw new InvalidArgumentError(`${what} must be a string`)
  for (const use of reader.conditionUses(expression, names, what)) {
    if (!use.existenceOnly && table.actions.action(use.attribute) === CryptoAction.ENCRYPT_AND_SIGN) {
      throw refusedRead(what, table.info.tableName, use.attribute)
    }
  }
}

interface LegacyCondition {
  readonly ComparisonOperator?: string
  readonly Exists?: boolean
  readonly Value?: unknown
  readonly AttributeValueList?: readonly unknown[]
}

/**
 * Refuses legacy conditions (`Expected`, `QueryFilter`, `ScanFilter`, `KeyConditions`) on encrypted attributes unless
 * they are pure existence checks that carry no value: an entry with `Value` or `AttributeValueList` would send the
 * attribute's plaintext whatever its operator says.
 */
export function checkLegacyConditions(table: ResolvedTable, conditions: Readonly<Record<string, LegacyCondition>> | undefined, what: string): void {
  if (conditions === undefined || conditions === null) return
  for (const attribute of Object.keys(conditions)) {
    if (table.actions.action(attribute) !== CryptoAction.ENCRYPT_AND_SIGN) continue
    const condition = conditions[attribute] ?? {}
    const carriesValue = condition.Value !== undefined || (condition.AttributeValueList !== undefined && condition.AttributeValueList.length > 0)
    const op = condition.ComparisonOperator
    const existenceOnly = op === 'NULL' || op === 'NOT_NULL' || (op === undefined && condition.Exists !== undefined)
    if (carriesValue || !existenceOnly) throw refusedRead(what, table.info.tableName, attribute)
  }
}

/** The condition members of a write (PutItem, DeleteItem, UpdateItem, transaction entries). */
export interface WriteConditions {
  readonly ConditionExpression?: string | undefined
  readonly ExpressionAttributeNames?: Record<string, string> | undefined
  readonly Expected?: Readonly<Record<string, LegacyCondition>> | undefined
}

/** {@link checkCondition} and {@link checkLegacyConditions} for a write. */
export function checkWriteConditions(table: ResolvedTable, input: WriteConditions): void {
  checkCondition(table, input.ConditionExpression, input.ExpressionAttributeNames, 'ConditionExpression')
  checkLegacyConditions(table, input.Expected, 'Expected')
}

/** The update members of UpdateItem and a transaction's Update. */
export interface UpdateMembers extends WriteConditions {
  readonly UpdateExpression?: string | undefined
  readonly AttributeUpdates?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Refuses an update that writes a signed or encrypted attribute (nested paths count as the top-level attribute) or
 * reads an encrypted one; only DO_NOTHING attributes may be updated in place.
 */
export function checkUpdate(table: ResolvedTable, input: UpdateMembers): void {
  const tableName = table.info.tableName
  const targets: string[] = []
  if (input.UpdateExpression !== undefined) {
    if (typeof input.UpdateExpression !== 'string') throw new InvalidArgumentError('UpdateExpression must be a string')
    const { targets: written, reads } = reader.updateAttributes(input.UpdateExpression, input.ExpressionAttributeNames)
    targets.push(...written)
    for (const use of reads) {
      if (!use.existenceOnly && table.actions.action(use.attribute) === CryptoAction.ENCRYPT_AND_SIGN) {
        throw refusedRead('UpdateExpression', tableName, use.attribute)
      }
    }
  }
  if (input.AttributeUpdates !== undefined && input.AttributeUpdates !== null) targets.push(...Object.keys(input.AttributeUpdates))
  for (const target of targets) {
    const action = table.actions.action(target)
    if (action === CryptoAction.DO_NOTHING) continue
    throw new UnsupportedOperationError(action === CryptoAction.SIGN_ONLY
      ? `An update of table "${tableName}" writes attribute "${target}", which is signed (SIGN_ONLY): an in-place update ` +
        'would break the item signature, so the item would no longer verify. Read the item, change it and put it back, or give the attribute DO_NOTHING'
      : `An update of table "${tableName}" writes attribute "${target}", which is encrypted (ENCRYPT_AND_SIGN): an in-place ` +
        'update would store its new value in plaintext and break the item signature. Read the item, change it and put it back')
  }
  checkWriteConditions(table, input)
}

/**
 * Refuses a key (`Key`, `Keys[i]`, `ExclusiveStartKey`, `DeleteRequest.Key`, ...) that carries attributes other than
 * the table's primary key (and, for `ExclusiveStartKey` of an index read, that index's keys): DynamoDB would reject
 * it, but only after their plaintext had left.
 */
export function checkKey(table: ResolvedTable, key: Item | undefined, what: string, indexName?: string): void {
  if (key === undefined || key === null) return
  if (typeof key !== 'object') throw new InvalidArgumentError(`${what} for table "${table.info.tableName}" must be an object`)
  const allowed = new Set(table.info.primaryKeyNames)
  if (indexName !== undefined) {
    const index = table.info.index(indexName)
    if (index !== undefined) {
      allowed.add(index.partitionKey.name)
      if (index.sortKey !== undefined) allowed.add(index.sortKey.name)
    }
  }
  for (const name of Object.keys(key)) {
    if (!allowed.has(name)) {
      throw new UnsupportedOperationError(
        `${what} for table "${table.info.tableName}" carries attribute "${name}", which is not a key attribute ` +
        `(${[...allowed].map((n) => `"${n}"`).join(', ')}); pass only the key attributes, so no other value leaves in plaintext`,
      )
    }
  }
}

/** Refuses an item to encrypt that is not an object or that has a top-level attribute the SDK cannot return. */
export function checkItemToWrite(table: ResolvedTable, item: unknown): asserts item is Item {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InvalidArgumentError(`An item for table "${table.info.tableName}" is missing or not an object`)
  }
  if (hasOwn(item, '__proto__')) {
    throw new UnsupportedOperationError(
      `An item for table "${table.info.tableName}" has a top-level attribute named "__proto__": the AWS SDK cannot return ` +
      'it (its response parser would drop it), so the item could never be read back and verified. Rename the attribute',
    )
  }
}

/**
 * Refuses an encrypted item that DynamoDB would reject after receiving it: larger than 400 KB once encrypted, or
 * with a plaintext (signed or DO_NOTHING) number outside DynamoDB's range.
 */
export function checkEncryptedItem(table: ResolvedTable, item: Item): void {
  const size = itemSize(item)
  if (size > MAX_ITEM_BYTES) {
    throw new UnsupportedOperationError(
      `An item for table "${table.info.tableName}" is ${size} bytes once encrypted and signed, over DynamoDB's 400 KB ` +
      `(${MAX_ITEM_BYTES}-byte) item limit; make it smaller (encryption adds about 16-32 bytes per encrypted attribute plus the signature and description)`,
    )
  }
  for (const name of Object.keys(item)) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription) continue
    const bad = outOfRangeNumber(item[name] as AttributeValue)
    if (bad) {
      throw new UnsupportedOperationError(
        `Attribute "${name}" of an item for table "${table.info.tableName}" holds a number outside DynamoDB's range ` +
        '(up to 38 significant digits, magnitude 1E-130 to 9.99...E+125); DynamoDB would reject it after receiving it in plaintext',
      )
    }
  }
}

const UTF8 = new TextEncoder()

/** The size DynamoDB counts for an item (attribute names plus values), in bytes. */
export function itemSize(item: Item): number {
  let size = 0
  for (const name of Object.keys(item)) size += UTF8.encode(name).length + valueSize(item[name] as AttributeValue)
  return size
}

function valueSize(value: AttributeValue): number {
  const v = value as Record<string, unknown>
  if (typeof v['S'] === 'string') return UTF8.encode(v['S']).length
  if (typeof v['N'] === 'string') return numberSize(v['N'])
  if (v['B'] instanceof Uint8Array) return v['B'].byteLength
  if (v['BOOL'] !== undefined || v['NULL'] !== undefined) return 1
  if (Array.isArray(v['SS'])) return (v['SS'] as string[]).reduce((n, s) => n + UTF8.encode(s).length, 0)
  if (Array.isArray(v['NS'])) return (v['NS'] as string[]).reduce((n, s) => n + numberSize(s), 0)
  if (Array.isArray(v['BS'])) return (v['BS'] as Uint8Array[]).reduce((n, b) => n + b.byteLength, 0)
  if (Array.isArray(v['L'])) return 3 + (v['L'] as AttributeValue[]).reduce((n, e) => n + 1 + valueSize(e), 0)
  if (v['M'] !== null && typeof v['M'] === 'object') {
    const m = v['M'] as Record<string, AttributeValue>
    return 3 + Object.keys(m).reduce((n, k) => n + 1 + UTF8.encode(k).length + valueSize(m[k] as AttributeValue), 0)
  }
  return 0
}

const NUMBER = /^[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/

/** Significant digits and the power of ten of the most significant one; `undefined` for zero or malformed text. */
function parseNumber(text: string): { digits: number; top: number } | undefined {
  const m = NUMBER.exec(text)
  if (m === null) return undefined
  const all = (m[1] ?? '') + (m[2] ?? '')
  const lead = all.length - all.replace(/^0+/, '').length
  const significant = all.slice(lead).replace(/0+$/, '')
  if (significant.length === 0) return undefined
  const top = (m[1] ?? '').length - lead - 1 + Number(m[3] ?? '0')
  return { digits: significant.length, top }
}

function numberSize(text: string): number {
  const parsed = parseNumber(text)
  return parsed === undefined ? 1 : Math.ceil(parsed.digits / 2) + 1
}

function outOfRangeNumber(value: AttributeValue): boolean {
  const v = value as Record<string, unknown>
  const bad = (text: unknown): boolean => {
    if (typeof text !== 'string') return false
    const parsed = parseNumber(text)
    return parsed !== undefined && (parsed.digits > 38 || parsed.top > 125 || parsed.top < -130)
  }
  if (v['N'] !== undefined) return bad(v['N'])
  if (Array.isArray(v['NS'])) return (v['NS'] as unknown[]).some(bad)
  if (Array.isArray(v['L'])) return (v['L'] as AttributeValue[]).some(outOfRangeNumber)
  if (v['M'] !== null && typeof v['M'] === 'object') return Object.values(v['M'] as Record<string, AttributeValue>).some(outOfRangeNumber)
  return false
}

/** What a read asks for, and how the encrypted client must send it. */
export interface ReadPlan {
  /** Paths to project after decryption (the request asks for whole items); `undefined` = whole items. */
  readonly paths?: DocumentPath[]
  /** True when the request's projection must be removed and whole items read. */
  readonly wholeItems: boolean
  /** `Select` to send instead of the caller's, if any. */
  readonly select?: 'ALL_ATTRIBUTES'
}

/** The projection members of a read. */
export interface ProjectionMembers {
  readonly ProjectionExpression?: string | undefined
  readonly AttributesToGet?: readonly string[] | undefined
  readonly ExpressionAttributeNames?: Record<string, string> | undefined
  readonly Select?: string | undefined
  readonly IndexName?: string | undefined
}

/**
 * Plans a read: a projected read becomes a whole-item read (signatures need every signed attribute) projected after
 * decryption; an index read that cannot return whole items is refused (a KEYS_ONLY / INCLUDE GSI, or
 * `ALL_PROJECTED_ATTRIBUTES`); a KEYS_ONLY / INCLUDE LSI is read with `Select: ALL_ATTRIBUTES`.
 */
export function planRead(table: ResolvedTable, input: ProjectionMembers, kind: 'item' | 'query'): ReadPlan {
  let paths: DocumentPath[] | undefined
  if (input.ProjectionExpression !== undefined) {
    if (typeof input.ProjectionExpression !== 'string') throw new InvalidArgumentError('ProjectionExpression must be a string')
    paths = reader.projectionPaths(input.ProjectionExpression, input.ExpressionAttributeNames)
  } else if (input.AttributesToGet !== undefined) {
    paths = input.AttributesToGet.map((name) => [{ name }])
  }
  if (!table.encrypting) return { wholeItems: false }
  if (kind === 'item') return { wholeItems: true, ...(paths !== undefined ? { paths } : {}) }
  const select = input.Select
  if (select === 'COUNT') return { wholeItems: true }
  let forceAll = select === 'SPECIFIC_ATTRIBUTES' || paths !== undefined
  const index = input.IndexName !== undefined ? table.info.index(input.IndexName) : undefined
  if (index !== undefined && index.projectionType !== 'ALL') {
    if (index.kind === 'global' || select === 'ALL_PROJECTED_ATTRIBUTES') {
      throw new UnsupportedOperationError(
        `Index "${index.indexName}" of table "${table.info.tableName}" does not project every attribute, so its items ` +
        'cannot be verified (the signature covers every signed attribute). Use Select: "COUNT", query the table, ' +
        `${index.kind === 'local' ? 'use Select: "ALL_ATTRIBUTES", ' : ''}or recreate the index with ProjectionType ALL`,
      )
    }
    forceAll = true // an LSI fetches the missing attributes from the table
  }
  return { wholeItems: true, ...(paths !== undefined ? { paths } : {}), ...(forceAll ? { select: 'ALL_ATTRIBUTES' as const } : {}) }
}

/**
 * The `ExpressionAttributeNames` still used once the projection is removed (DynamoDB rejects unused names), or
 * `undefined` when none is left.
 */
export function namesWithoutProjection(input: {
  readonly ExpressionAttributeNames?: Record<string, string> | undefined
  readonly KeyConditionExpression?: string | undefined
  readonly FilterExpression?: string | undefined
  readonly ConditionExpression?: string | undefined
}): Record<string, string> | undefined {
  const names = input.ExpressionAttributeNames
  if (names === undefined) return undefined
  const used = new Set([input.KeyConditionExpression, input.FilterExpression, input.ConditionExpression].flatMap((e) => reader.placeholders(e)))
  const kept = Object.entries(names).filter(([k]) => used.has(k))
  return kept.length > 0 ? Object.fromEntries(kept) : undefined
}
