import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { DynamoDBDocument, paginateQuery } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, type Item } from '@ddb-encryption/core'
import { EncryptedDynamoDBClient, type NativeItem } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'

/** Options for {@link libDynamoDBComposition}. */
export interface LibDynamoDBCompositionOptions {
  /** Your DynamoDB client (you destroy it; it is never changed and keeps sending in plaintext). */
  dynamoDBClient: DynamoDBClient
  /** Your KMS client, for the key's region (you destroy it). */
  kmsClient: KMSClient
  /** KMS key id, key ARN, alias name or alias ARN. */
  kmsKeyId: string
  /** Existing table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
}

/** What {@link libDynamoDBComposition} wrote and read. */
export interface LibDynamoDBCompositionResult {
  /** The documents written with `DynamoDBDocument.put`. */
  readonly written: readonly NativeItem[]
  /** The first document as DynamoDB stores it (low-level form, read with the plain client). */
  readonly storedItem: Item
  /** The first document read back with `DynamoDBDocument.get`. */
  readonly fromGet: NativeItem | undefined
  /** Every document of the partition, from lib-dynamodb's `paginateQuery` (one item per page). */
  readonly paginated: readonly NativeItem[]
}

/**
 * lib-dynamodb as you use it today, over an encrypted client: `DynamoDBDocument.from(EncryptedDynamoDBClient.from(ddb))`.
 * Encryption is middleware on the encrypted client's stack, which lib-dynamodb shares, so its methods, commands and
 * paginators all encrypt and sign on the way in and verify and decrypt on the way out. `status` is signed but stays
 * readable; everything else except the keys is encrypted.
 *
 * @example
 * const result = await libDynamoDBComposition({ dynamoDBClient, kmsClient, kmsKeyId: 'alias/my-key', tableName: 'orders' })
 */
export async function libDynamoDBComposition(options: LibDynamoDBCompositionOptions): Promise<LibDynamoDBCompositionResult> {
  const { dynamoDBClient, kmsClient, kmsKeyId, tableName } = options
  const encrypted = EncryptedDynamoDBClient.from(dynamoDBClient, {
    materialsProvider: new DirectKMSMaterialsProvider({ keyId: kmsKeyId, kmsClient }),
    attributeActions: new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } }),
  })
  const documents = DynamoDBDocument.from(encrypted, { marshallOptions: { removeUndefinedValues: true } })

  const written = [
    { pk: 'account#7', sk: 1, status: 'open', iban: 'DE89 3704 0044 0532 0130 00', note: undefined },
    { pk: 'account#7', sk: 2, status: 'closed', iban: 'FR14 2004 1010 0505 0001 3M02 606' },
  ]
  for (const Item of written) await documents.put({ TableName: tableName, Item })
  const { Item: fromGet } = await documents.get({ TableName: tableName, Key: { pk: 'account#7', sk: 1 }, ConsistentRead: true })

  const paginated: NativeItem[] = []
  const pages = paginateQuery({ client: documents, pageSize: 1 }, {
    TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'account#7' }, ConsistentRead: true,
  })
  for await (const page of pages) paginated.push(...(page.Items ?? []))

  const raw = await dynamoDBClient.send(new GetItemCommand({
    TableName: tableName, Key: { pk: { S: 'account#7' }, sk: { N: '1' } }, ConsistentRead: true,
  }))
  if (raw.Item === undefined) throw new Error(`The item was not found in table "${tableName}"`)
  return { written: written.map(({ note: _note, ...item }) => item), storedItem: raw.Item as Item, fromGet, paginated }
}
