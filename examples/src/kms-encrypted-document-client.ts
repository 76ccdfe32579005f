import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { AttributeActions, CryptoAction, type Item } from '@ddb-encryption/core'
import { EncryptedDynamoDBDocumentClient, EncryptedTable, type NativeItem } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'

/** Options for {@link kmsEncryptedDocumentClient}. */
export interface KMSEncryptedDocumentClientOptions {
  /** Your DynamoDB client (you destroy it). */
  dynamoDBClient: DynamoDBClient
  /** Your KMS client, for the key's region (you destroy it). */
  kmsClient: KMSClient
  /** KMS key id, key ARN, alias name or alias ARN. */
  kmsKeyId: string
  /** Existing table with partition key `pk` (S) and sort key `sk` (N). */
  tableName: string
}

/** What {@link kmsEncryptedDocumentClient} wrote and read. */
export interface KMSEncryptedDocumentClientResult {
  /** The native documents written: the first through the document client, the second through EncryptedTable. */
  readonly written: readonly NativeItem[]
  /** The first document as DynamoDB stores it (low-level form, read with the plain client). */
  readonly storedItem: Item
  /** The first document read back with the encrypted document client's GetCommand. */
  readonly fromDocumentClient: NativeItem | undefined
  /** The second document read back with {@link EncryptedTable.get}. */
  readonly fromTable: NativeItem | undefined
  /** Both documents, from one Query on the partition key through EncryptedTable. */
  readonly queried: readonly NativeItem[]
  /** The documents whose signed-only `status` is `paid`, from a document client Query with a FilterExpression. */
  readonly paid: readonly NativeItem[]
}

/**
 * Native JavaScript values with AWS KMS: an {@link EncryptedDynamoDBDocumentClient} is a drop-in
 * `DynamoDBDocumentClient` (same lib-dynamodb commands, paginators work), and {@link EncryptedTable} is the same
 * thing bound to one table with `put` / `get` / `query`. `status` is signed but not encrypted, so it can be read by
 * anyone and used in conditions; everything else except the keys is encrypted and signed.
 *
 * @example
 * const result = await kmsEncryptedDocumentClient({ dynamoDBClient, kmsClient, kmsKeyId: 'alias/my-key', tableName: 'orders' })
 */
export async function kmsEncryptedDocumentClient(options: KMSEncryptedDocumentClientOptions): Promise<KMSEncryptedDocumentClientResult> {
  const { dynamoDBClient, kmsClient, kmsKeyId, tableName } = options
  const materialsProvider = new DirectKMSMaterialsProvider({ keyId: kmsKeyId, kmsClient })
  const attributeActions = new AttributeActions({ attributeActions: { status: CryptoAction.SIGN_ONLY } })

  const docClient = EncryptedDynamoDBDocumentClient.from(dynamoDBClient, {
    materialsProvider,
    attributeActions,
    marshallOptions: { removeUndefinedValues: true },
  })
  const order = {
    pk: 'customer#2', sk: 1, status: 'paid', card: '4111 1111 1111 1111',
    lines: [{ sku: 'book', qty: 2 }, { sku: 'pen', qty: 10 }], total: 42.5,
  }
  await docClient.send(new PutCommand({ TableName: tableName, Item: order }))
  const { Item: fromDocumentClient } = await docClient.send(
    new GetCommand({ TableName: tableName, Key: { pk: order.pk, sk: order.sk }, ConsistentRead: true }),
  )

  // The same through EncryptedTable, which carries the table name and batches for you.
  const table = new EncryptedTable({ client: dynamoDBClient, tableName, materialsProvider, attributeActions })
  const refund = { pk: 'customer#2', sk: 2, status: 'refunded', card: '5500 0000 0000 0004', total: -42.5 }
  await table.put(refund)
  const fromTable = await table.get({ pk: refund.pk, sk: refund.sk }, { consistentRead: true })
  const page = await table.query({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': 'customer#2' },
    ConsistentRead: true,
  })

  const raw = await dynamoDBClient.send(new GetItemCommand({
    TableName: tableName, Key: { pk: { S: order.pk }, sk: { N: String(order.sk) } }, ConsistentRead: true,
  }))
  if (raw.Item === undefined) throw new Error(`The item was not found in table "${tableName}"`)
  // Conditions may read SIGN_ONLY attributes (stored in plaintext); comparing an encrypted one is refused.
  const paid = await docClient.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: '#status = :paid',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': 'customer#2', ':paid': 'paid' },
    ConsistentRead: true,
  }))
  return {
    written: [order, refund], storedItem: raw.Item as Item, fromDocumentClient, fromTable, queried: page.items, paid: paid.Items ?? [],
  }
}
