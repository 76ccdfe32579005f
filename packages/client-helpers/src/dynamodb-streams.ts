import { InvalidArgumentError, type AttributeValue, type Item, setOwn } from '@ddb-encryption/core'
import { decryptFor, decryptMany, type ReadEntry } from './item-crypto'
import { ItemDecryptionError } from './item-decryption-error'
import { resolveSettings, type ClientSettings, type EncryptedDynamoDBClientOptions } from './settings'
import type { DescribeTableClient } from './table-info'
import { TableRegistry, type ResolvedTable } from './table-registry'

/**
 * A DynamoDB Streams record: `Record` of `@aws-sdk/client-dynamodb-streams` (binary values as `Uint8Array`) or a
 * record of Lambda's `DynamoDBStreamEvent` (binary values as base64 text), typed structurally.
 */
export interface StreamRecordLike {
  readonly eventID?: string
  readonly eventName?: string
  /** Lambda records carry it: `arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>`. */
  readonly eventSourceARN?: string
  readonly dynamodb?: {
    readonly Keys?: Readonly<Record<string, unknown>>
    readonly NewImage?: Readonly<Record<string, unknown>>
    readonly OldImage?: Readonly<Record<string, unknown>>
  }
}

/** Options for {@link DynamoDBStreamDecryptor}: the encrypted clients' options plus where to read key schemas. */
export interface DynamoDBStreamDecryptorOptions extends EncryptedDynamoDBClientOptions {
  /** Reads a table's key schema with DescribeTable when `tables[name].tableInfo` is not given. */
  readonly client?: DescribeTableClient
}

/** A record whose images failed their integrity check, under `onDecryptFailure: 'report'`. */
export interface FailedStreamRecord<R> {
  readonly record: R
  readonly error: ItemDecryptionError
}

type Image = 'NewImage' | 'OldImage'
const IMAGES: readonly Image[] = ['NewImage', 'OldImage']

const TABLE_FROM_ARN = /:table\/([^/]+)\/stream\//

// Standard padded base64, as AWS JSON (and the SDK's own decoder) requires. Core's fromBase64 reads what the
// reference clients accept in their own attributes (MIME line breaks, missing padding), which no stream record carries.
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * An image in low-level form with `Uint8Array` binaries (Lambda delivers them as base64 text).
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a binary that is not standard base64 (naming the attribute, never the value).
 */
function toItem(image: Readonly<Record<string, unknown>>, which: string): Item {
  const binary = (text: string, name: string): Uint8Array => {
    if (!STANDARD_BASE64.test(text)) throw new InvalidArgumentError(`A binary value of attribute "${name}" in the stream record's ${which} is not standard base64`)
    return Uint8Array.from(Buffer.from(text, 'base64'))
  }
  const value = (v: Record<string, unknown>, name: string): AttributeValue => {
    if (typeof v['B'] === 'string') return { B: binary(v['B'], name) }
    if (Array.isArray(v['BS'])) return { BS: (v['BS'] as unknown[]).map((b) => (typeof b === 'string' ? binary(b, name) : b as Uint8Array)) }
    if (Array.isArray(v['L'])) return { L: (v['L'] as Record<string, unknown>[]).map((e) => value(e, name)) }
    if (v['M'] !== null && typeof v['M'] === 'object') return { M: toItem(v['M'] as Record<string, unknown>, which) as Record<string, AttributeValue> }
    return v as AttributeValue
  }
  const out: Record<string, AttributeValue> = {}
  for (const name of Object.keys(image)) {
    setOwn(out, name, value(image[name] as Record<string, unknown>, name))
  }
  return out
}

/**
 * Verifies and decrypts the `NewImage` / `OldImage` of DynamoDB Streams records written through the encrypted
 * clients, for stream consumers and Lambda handlers. Same options and rules as the clients: an integrity failure is
 * an {@link ItemDecryptionError} (or, with `onDecryptFailure: 'report'`, a failed record); an outage (KMS throttling,
 * a network error) is thrown unchanged. Images come back in low-level form with `Uint8Array` binaries.
 *
 * @example
 * const decryptor = new DynamoDBStreamDecryptor({ materialsProvider, client: new DynamoDBClient({}) })
 * export const handler = async (event) => {
 *   const { records } = await decryptor.decryptRecords(event.Records)
 *   for (const record of records) console.log(unmarshall(record.dynamodb.NewImage))
 * }
 */
export class DynamoDBStreamDecryptor {
  readonly #settings: ClientSettings
  readonly #tables: TableRegistry

  /** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an invalid option, naming it. */
  constructor(options: DynamoDBStreamDecryptorOptions) {
    this.#settings = resolveSettings(options, 'DynamoDBStreamDecryptor')
    const client: DescribeTableClient = options.client ?? {
      send: () => Promise.reject(new InvalidArgumentError(
        'The key schema of a stream\'s table is unknown: pass "client" (a DynamoDB client, for DescribeTable) or "tables[name].tableInfo"',
      )),
    }
    this.#tables = new TableRegistry(client, this.#settings)
    Object.freeze(this)
  }

  /** The table of `record`: `tableName`, else the one named by its `eventSourceARN`. */
  #tableOf(record: StreamRecordLike, tableName: string | undefined): Promise<ResolvedTable> {
    const name = tableName ?? TABLE_FROM_ARN.exec(record.eventSourceARN ?? '')?.[1]
    if (name === undefined) {
      return Promise.reject(new InvalidArgumentError('The stream record names no table (no eventSourceARN); pass the table name to decryptRecord'))
    }
    return this.#tables.resolve(name)
  }

  /**
   * A copy of `record` with its images verified and decrypted. `tableName` defaults to the table named by the
   * record's `eventSourceARN` (Lambda records carry it; records read with the Streams API do not).
   *
   * @throws {ItemDecryptionError} ERR_DECRYPTION_FAILED when an image fails its integrity check.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when the table cannot be determined, or for a binary value that is not
   *   standard base64.
   */
  async decryptRecord<R extends StreamRecordLike>(record: R, tableName?: string): Promise<R> {
    const table = await this.#tableOf(record, tableName)
    const images = record.dynamodb
    if (images === undefined) return { ...record }
    const decrypted: Record<string, unknown> = { ...images }
    for (const which of IMAGES) {
      const image = images[which]
      if (image !== undefined) decrypted[which] = await decryptFor(table, toItem(image, which))
    }
    return { ...record, dynamodb: decrypted }
  }

  /**
   * {@link decryptRecord} for a batch, in order, with the same results and errors as calling it record by record,
   * but decrypted through core's batch API: one `decryptItems` call per table for all the images of the batch (on
   * the table's `encryptorPool` when it has one and enough images). Under `onDecryptFailure: 'report'` records
   * whose images fail their integrity check are listed in `failed` instead of thrown; outages are always thrown.
   *
   * @throws {ItemDecryptionError} ERR_DECRYPTION_FAILED for the first record with an image that fails its integrity
   *   check (without `report`).
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for the first record whose table cannot be determined or
   *   that carries a binary value that is not standard base64 (after the records before it, as record by record).
   */
  async decryptRecords<R extends StreamRecordLike>(records: readonly R[], tableName?: string): Promise<{ records: R[]; failed: FailedStreamRecord<R>[] }> {
    // Every image of every record, in order. A record that cannot be read (no table, a bad binary, a DescribeTable
    // outage) ends the batch there: the records before it are decrypted first, so their errors come first, as
    // record by record.
    const entries: ReadEntry[] = []
    const owners: { readonly record: number; readonly which: Image }[] = []
    let unreadable: { readonly error: unknown } | undefined
    let readable = records.length
    for (const [index, record] of records.entries()) {
      try {
        const table = await this.#tableOf(record, tableName)
        const images = record.dynamodb
        for (const which of IMAGES) {
          const image = images?.[which]
          if (image === undefined) continue
          entries.push({ table, item: toItem(image, which) })
          owners.push({ record: index, which })
        }
      } catch (error) {
        // The images already read from this record stay: record by record, its NewImage is decrypted before its
        // OldImage is read, so a NewImage that fails its integrity check decides the record's outcome.
        unreadable = { error }
        readable = index + 1
        break
      }
    }
    const report = this.#settings.onDecryptFailure === 'report'
    const { items, failed: failedImages } = await decryptMany(entries, this.#settings.concurrency, report)
    // `failedImages` lists the images whose result is undefined, in order: the first of a record is its error.
    const decrypted = records.slice(0, readable).map((record) => ({ record, images: { ...record.dynamodb } as Record<string, unknown>, error: undefined as ItemDecryptionError | undefined }))
    let nextFailure = 0
    owners.forEach(({ record, which }, k) => {
      const target = decrypted[record] as (typeof decrypted)[number]
      const item = items[k]
      if (item !== undefined) {
        target.images[which] = item
        return
      }
      const error = (failedImages[nextFailure++] as { error: ItemDecryptionError }).error
      target.error ??= error
    })
    const out: R[] = []
    const failed: FailedStreamRecord<R>[] = []
    for (const { record, images, error } of decrypted) {
      if (error !== undefined) failed.push({ record, error })
      else out.push(record.dynamodb === undefined ? { ...record } : { ...record, dynamodb: images })
    }
    if (unreadable !== undefined) {
      // The unreadable record is the last one read. Unless an image read before the failure failed its integrity
      // check (then it is reported like any such record: without `report` decryptMany threw it), its error ends the
      // batch; else the batch goes on after it, as record by record.
      if ((decrypted[decrypted.length - 1] as (typeof decrypted)[number]).error === undefined) throw unreadable.error
      const rest = await this.decryptRecords(records.slice(readable), tableName)
      out.push(...rest.records)
      failed.push(...rest.failed)
    }
    return { records: out, failed }
  }
}
