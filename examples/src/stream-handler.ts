import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { AttributeActions } from '@ddb-encryption/core'
import { DynamoDBStreamDecryptor, type DescribeTableClient, type StreamRecordLike } from '@ddb-encryption/client-helpers'

/** Options for {@link createStreamHandler}. */
export interface StreamHandlerOptions {
  /** The provider the table's writers use. */
  materialsProvider: CryptographicMaterialsProvider
  /** The writers' attribute actions. */
  attributeActions: AttributeActions
  /** A DynamoDB client, to read the table's key schema once (DescribeTable). */
  client: DescribeTableClient
}

/** One change, as the handler hands it on: event name and the decrypted images in native values. */
export interface DecryptedChange {
  readonly eventName: string | undefined
  readonly newImage?: Record<string, unknown>
  readonly oldImage?: Record<string, unknown>
}

/**
 * A Lambda handler for a DynamoDB stream of an encrypted table: each record's `NewImage` / `OldImage` is verified
 * and decrypted (the table comes from the record's `eventSourceARN`), then converted to native values. A tampered
 * image fails the batch (Lambda retries it, then sends it to your on-failure destination); a KMS outage surfaces
 * unchanged. Build the decryptor once, outside the handler, so key schemas and materials are reused across calls.
 *
 * @example
 * export const handler = createStreamHandler({ materialsProvider, attributeActions, client: new DynamoDBClient({}) })
 */
export function createStreamHandler(options: StreamHandlerOptions): (event: { Records: StreamRecordLike[] }) => Promise<DecryptedChange[]> {
  const decryptor = new DynamoDBStreamDecryptor(options)
  return async (event) => {
    const { records } = await decryptor.decryptRecords(event.Records)
    return records.map((record) => ({
      eventName: record.eventName,
      ...(record.dynamodb?.NewImage !== undefined ? { newImage: unmarshall(record.dynamodb.NewImage as never) } : {}),
      ...(record.dynamodb?.OldImage !== undefined ? { oldImage: unmarshall(record.dynamodb.OldImage as never) } : {}),
    }))
  }
}
