import { InvalidArgumentError, type AttributeValue, type Item, setOwn } from '@ddb-encryption/core'
import { decryptFor } from './item-crypto'
import { ItemDecryptionError } from './item-decryption-error'
import { resolveSettings, type ClientSettings, type EncryptedDynamoDBClientOptions } from './settings'
import type { DescribeTableClient } from './table-info'
import { TableRegistry } from './table-registry'

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

  /**
   * A copy of `record` with its images verified and decrypted. `tableName` defaults to the table named by the
   * record's `eventSourceARN` (Lambda records carry it; records read with the Streams API do not).
   *
   * @throws {ItemDecryptionError} ERR_DECRYPTION_FAILED when an image fails its integrity check.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when the table cannot be determined, or for a binary value that is not
   *   standard base64.
   */
  async decryptRecord<R extends StreamRecordLike>(record: R, tableName?: string): Promise<R> {
    const name = tableName ?? TABLE_FROM_ARN.exec(record.eventSourceARN ?? '')?.[1]
    if (name === undefined) {
      throw new InvalidArgumentError('The stream record names no table (no eventSourceARN); pass the table name to decryptRecord')
    }
    const table = await this.#tables.resolve(name)
    const images = record.dynamodb
    if (images === undefined) return { ...record }
    const decrypted: Record<string, unknown> = { ...images }
    for (const which of ['NewImage', 'OldImage'] as const) {
      const image = images[which]
      if (image !== undefined) decrypted[which] = await decryptFor(table, toItem(image, which))
    }
    return { ...record, dynamodb: decrypted }
  }

  /**
   * {@link decryptRecord} for a batch, in order. Under `onDecryptFailure: 'report'` records whose images fail their
   * integrity check are listed in `failed` instead of thrown; outages are always thrown.
   */
  async decryptRecords<R extends StreamRecordLike>(records: readonly R[], tableName?: string): Promise<{ records: R[]; failed: FailedStreamRecord<R>[] }> {
    const out: R[] = []
    const failed: FailedStreamRecord<R>[] = []
    for (const record of records) {
      try {
        out.push(await this.decryptRecord(record, tableName))
      } catch (error) {
        if (this.#settings.onDecryptFailure !== 'report' || !(error instanceof ItemDecryptionError)) throw error
        failed.push({ record, error })
      }
    }
    return { records: out, failed }
  }
}
