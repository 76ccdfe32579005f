import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { methodsOption, optionsObject, retry, stringOption, type Item } from '@ddb-encryption/core'
import { emptyCounts, type JobCounts } from './job-counts'
import { decodeKey, encodeKey } from './key-codec'

/** Where one scan segment of a job stands. */
export interface SegmentCheckpoint {
  readonly segment: number
  readonly totalSegments: number
  /** Where the next page starts (the last page's LastEvaluatedKey); absent: at the segment's start. */
  readonly exclusiveStartKey?: Item
  /** The segment was scanned to its end. */
  readonly done: boolean
  /** Counts of the pages completed so far. */
  readonly counts: Readonly<JobCounts>
}

/**
 * Saves per-segment progress. A checkpoint is saved only after every item of a page has been written or skipped,
 * so a killed job resumes at a page boundary: the items of the page in flight are read again and, being migrated
 * already, verified and skipped (never lost, never written twice).
 */
export interface CheckpointStore {
  /** The saved checkpoint of one segment, if any. */
  load(jobId: string, segment: number): Promise<SegmentCheckpoint | undefined>
  /** Saves one segment's checkpoint. */
  save(jobId: string, checkpoint: SegmentCheckpoint): Promise<void>
}

interface StoredCheckpoint {
  segment: number
  totalSegments: number
  exclusiveStartKey?: string
  done: boolean
  counts: JobCounts
}

function toStored(checkpoint: SegmentCheckpoint): StoredCheckpoint {
  return {
    segment: checkpoint.segment,
    totalSegments: checkpoint.totalSegments,
    ...(checkpoint.exclusiveStartKey !== undefined ? { exclusiveStartKey: encodeKey(checkpoint.exclusiveStartKey) } : {}),
    done: checkpoint.done,
    counts: { ...checkpoint.counts },
  }
}

function fromStored(stored: StoredCheckpoint): SegmentCheckpoint {
  return {
    segment: stored.segment,
    totalSegments: stored.totalSegments,
    ...(stored.exclusiveStartKey !== undefined ? { exclusiveStartKey: decodeKey(stored.exclusiveStartKey) } : {}),
    done: stored.done,
    counts: { ...emptyCounts(), ...stored.counts },
  }
}

/**
 * Checkpoints in one JSON file (one machine). Every save rewrites the file atomically (write a temporary file,
 * then rename), so a kill never leaves a torn file.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string
  #jobs: Record<string, Record<string, StoredCheckpoint>> | undefined
  #writes: Promise<void> = Promise.resolve()

  constructor(filePath: string) {
    this.path = path.resolve(stringOption(filePath, 'FileCheckpointStore', 'filePath'))
  }

  async #read(): Promise<Record<string, Record<string, StoredCheckpoint>>> {
    if (this.#jobs !== undefined) return this.#jobs
    try {
      this.#jobs = JSON.parse(await fs.readFile(this.path, 'utf8')) as Record<string, Record<string, StoredCheckpoint>>
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error
      this.#jobs = {}
    }
    return this.#jobs
  }

  async load(jobId: string, segment: number): Promise<SegmentCheckpoint | undefined> {
    const stored = (await this.#read())[jobId]?.[String(segment)]
    return stored === undefined ? undefined : fromStored(stored)
  }

  async save(jobId: string, checkpoint: SegmentCheckpoint): Promise<void> {
    const jobs = await this.#read()
    ;(jobs[jobId] ??= {})[String(checkpoint.segment)] = toStored(checkpoint)
    const text = `${JSON.stringify(jobs, null, 1)}\n`
    // Serialized: two segments saving at once must not rename over each other out of order.
    const write = this.#writes.then(async () => {
      const temporary = `${this.path}.${process.pid}.tmp`
      await fs.writeFile(temporary, text)
      await fs.rename(temporary, this.path)
    })
    this.#writes = write.catch(() => undefined)
    await write
  }
}

/** Options of {@link DynamoDBCheckpointStore}. */
export interface DynamoDBCheckpointStoreOptions {
  client: Pick<DynamoDBClient, 'send'>
  /** A table with partition key `job` (S) and sort key `segment` (N); see {@link DynamoDBCheckpointStore.createTable}. */
  tableName: string
}

/**
 * Checkpoints in a DynamoDB table, one item per (job, segment): several processes or machines share one job by
 * each taking a range of segments (`--segments a-b/N`), and any of them can be restarted.
 */
export class DynamoDBCheckpointStore implements CheckpointStore {
  readonly tableName: string
  readonly #client: Pick<DynamoDBClient, 'send'>

  constructor(options: DynamoDBCheckpointStoreOptions) {
    optionsObject(options, 'DynamoDBCheckpointStore')
    this.#client = methodsOption(options.client, 'DynamoDBCheckpointStore', 'client', ['send'], 'a DynamoDB client')
    this.tableName = stringOption(options.tableName, 'DynamoDBCheckpointStore', 'tableName')
    Object.freeze(this)
  }

  /**
   * Creates the checkpoint table (on-demand billing) unless it exists, and waits until it is ACTIVE.
   * @example await DynamoDBCheckpointStore.createTable({ client, tableName: 'migration-checkpoints' })
   */
  static async createTable(options: DynamoDBCheckpointStoreOptions): Promise<void> {
    const where = 'DynamoDBCheckpointStore.createTable'
    optionsObject(options, where)
    const client = methodsOption<Pick<DynamoDBClient, 'send'>>(options.client, where, 'client', ['send'], 'a DynamoDB client')
    const tableName = stringOption(options.tableName, where, 'tableName')
    try {
      await client.send(new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'job', AttributeType: 'S' }, { AttributeName: 'segment', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'job', KeyType: 'HASH' }, { AttributeName: 'segment', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
      }))
    } catch (error) {
      if ((error as { name?: unknown }).name !== 'ResourceInUseException') throw error
    }
    await retry(
      { baseDelayMs: 50, maxDelayMs: 1000 },
      () => client.send(new DescribeTableCommand({ TableName: tableName })),
      (output) => output.Table?.TableStatus !== 'ACTIVE',
    )
  }

  async load(jobId: string, segment: number): Promise<SegmentCheckpoint | undefined> {
    const { Item: item } = await this.#client.send(new GetItemCommand({
      TableName: this.tableName,
      Key: { job: { S: jobId }, segment: { N: String(segment) } },
      ConsistentRead: true,
    }))
    const state = item?.state?.S
    return state === undefined ? undefined : fromStored(JSON.parse(state) as StoredCheckpoint)
  }

  async save(jobId: string, checkpoint: SegmentCheckpoint): Promise<void> {
    await this.#client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: {
        job: { S: jobId },
        segment: { N: String(checkpoint.segment) },
        state: { S: JSON.stringify(toStored(checkpoint)) },
        done: { BOOL: checkpoint.done },
        updatedAt: { N: String(Date.now()) },
      },
    }))
  }

  /** Every saved segment of a job (to see how far a multi-machine job is). */
  async list(jobId: string): Promise<SegmentCheckpoint[]> {
    const out: SegmentCheckpoint[] = []
    let start: Record<string, never> | undefined
    do {
      const page = await this.#client.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'job = :j',
        ExpressionAttributeValues: { ':j': { S: jobId } },
        ConsistentRead: true,
        ...(start !== undefined ? { ExclusiveStartKey: start } : {}),
      }))
      for (const item of page.Items ?? []) if (item.state?.S !== undefined) out.push(fromStored(JSON.parse(item.state.S) as StoredCheckpoint))
      start = page.LastEvaluatedKey as Record<string, never> | undefined
    } while (start !== undefined)
    return out
  }
}
