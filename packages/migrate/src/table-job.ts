import { BatchGetItemCommand, DynamoDBServiceException, ScanCommand, type DynamoDBClient, type ScanCommandOutput } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, invalidOption, mapWithConcurrency, methodsOption, optionsObject, stringOption, type Item, type WriteMode } from '@ddb-encryption/core'
import { CapacityLimiter, withCapacity } from './capacity-limiter'
import type { CheckpointStore, SegmentCheckpoint } from './checkpoint-store'
import { addedAttributes, conditionalPut, conditionalPutInput } from './conditional-write'
import { addCounts, emptyCounts, type JobCounts } from './job-counts'
import { ItemPlanner, type ExpectedState, type ItemPlan, type PlanMode, type PlanTask } from './item-planner'
import { checkConfiguration, loadConfigurationModule, migrationCryptoOptions, withCommandDefaults, type MigrationConfiguration, type MigrationCryptoOptions } from './migration-configuration'
import { plannerConfigs } from './planner-configs'
import { startPoolCrypto } from './pool-crypto'
import { encodeKey } from './key-codec'
import { describeTableSchema, primaryKeyOf, type TableSchema } from './table-schema'

/** The commands a table job runs. */

/**
 * Giving up after retries answers with the error DynamoDB uses for the same situation (as client-helpers does for a
 * lost read-modify-write race), so a caller handles it as it handles the service's own: too many unprocessed keys is
 * throughput, an item changed by other writers on every try is a conflict.
 */
function serviceGiveUp(name: 'ProvisionedThroughputExceededException' | 'TransactionConflictException', message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name, $fault: 'client', $metadata: {}, message })
}

export type TableJobCommand = 'encrypt-table' | 're-encrypt' | 'verify'

/** A range of scan segments, inclusive: `{ first: 0, last: 3 }` of `totalSegments`. */
export interface SegmentRange {
  first: number
  last: number
}

/** Options of {@link encryptTable}, {@link reEncryptTable} and {@link verifyTable}. */
export interface TableJobOptions {
  /** DynamoDB client for the scanned and written tables. */
  client: Pick<DynamoDBClient, 'send'>
  /** The table read (and written, unless `destinationTableName` is given). */
  tableName: string
  /** Write into this table instead (same key schema); the source is left as is. Default: in place. */
  destinationTableName?: string
  /** The keys, as objects (planned in this thread). Give this or `configurationModule`. */
  configuration?: MigrationConfiguration
  /** Path of a configuration module (see `loadConfigurationModule`); required for `workers`. */
  configurationModule?: string
  /**
   * Worker threads for the cryptography (core's EncryptorPool; each thread loads `configurationModule`); 0 keeps it
   * in this thread with up to 16 items in flight, which suits network-bound providers (Direct KMS). Default 0.
   */
  workers?: number
  /** Scan segments of the whole job (DynamoDB `TotalSegments`, 1 to 1,000,000). Default 4. */
  totalSegments?: number
  /** The segments this process scans (several machines share a job by taking disjoint ranges). Default all. */
  segments?: SegmentRange
  /** Writes in flight at most, across segments. Default 32. */
  concurrency?: number
  /** Items per scan page (`Limit`). Default 200. */
  pageSize?: number
  /** Read capacity units per second for scans (and re-reads); default unlimited. Throttling backs off either way. */
  readCapacityUnitsPerSecond?: number
  /** Write capacity units per second; default unlimited. */
  writeCapacityUnitsPerSecond?: number
  /** Where progress is saved per segment; without one a run starts from the beginning (safe, but rereads everything). */
  checkpointStore?: CheckpointStore
  /** Checkpoint key of this job; default `<command>:<tableName>[->destination]`. */
  jobId?: string
  /** Count what would change, write nothing (and save no checkpoint). */
  dryRun?: boolean
  /** Called about every `progressIntervalMs` and once at the end. */
  onProgress?: (progress: JobProgress) => void
  /** Milliseconds between progress calls; default 1000. */
  progressIntervalMs?: number
  /** Called for every item that fails (its primary key and the error code; never attribute values). */
  onFailure?: (failure: ItemFailure) => void
  /** Stops the job after the pages in flight; their checkpoints are saved, so a later run resumes. */
  signal?: AbortSignal
  /**
   * Byte order of the signed values written (core's `CryptoConfig.writeMode`: `'portable'`, `'python'` or `'java'`).
   * Default: the configuration's, else core's (`'portable'`).
   */
  writeMode?: WriteMode
  /**
   * Accept items whose numbers verify only as the Python client rounds them (core's
   * `CryptoConfig.acceptPythonRoundedNumbers`). Default: the configuration's, else `false`.
   */
  acceptPythonRoundedNumbers?: boolean
}

/** An item that no configuration reads (or, verifying, that does not verify). */
export interface ItemFailure {
  /** The item's primary key (key attributes are never encrypted). */
  readonly key: Item
  /** The error code (e.g. `ERR_SIGNATURE_VERIFICATION_FAILED`). */
  readonly code: string
}

/** Progress of a running job. */
export interface JobProgress {
  readonly command: TableJobCommand
  readonly counts: Readonly<JobCounts>
  /** Milliseconds since this run started. */
  readonly elapsedMs: number
  /** Items scanned per second in this run. */
  readonly itemsPerSecond: number
  /** Approximate item count of the table (DescribeTable), for the ETA; 0 if unknown. */
  readonly estimatedItems: number
  /** Seconds left at the current rate, if known. */
  readonly etaSeconds?: number
  /** Segments of this process finished / selected. */
  readonly segmentsDone: number
  readonly segmentsTotal: number
  readonly done: boolean
}

/** What a job did. */
export interface TableJobResult {
  readonly command: TableJobCommand
  /** Counts over the selected segments, including work of earlier (resumed) runs. */
  readonly counts: Readonly<JobCounts>
  /** Up to 1000 failures of this run (all go to `onFailure`). */
  readonly failures: readonly ItemFailure[]
  /** False if the job was aborted before every selected segment was done. */
  readonly complete: boolean
  readonly elapsedMs: number
}

const MAX_REPORTED_FAILURES = 1000
const MAX_ATTEMPTS_PER_ITEM = 25

/** A counting semaphore. */
class Semaphore {
  #free: number
  readonly #waiting: (() => void)[] = []
  constructor(size: number) {
    this.#free = size
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }
  release(): void {
    const next = this.#waiting.shift()
    if (next !== undefined) next()
    else this.#free++
  }
}

function positiveInteger(where: string, name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw invalidOption(where, name, `an integer from 1 to ${max}`)
  return value
}

/**
 * Encrypts a plaintext table (in place or into `destinationTableName`): every item without signature and
 * description is encrypted and signed under `configuration.target`; items under a previous configuration are
 * re-encrypted; current items are verified and skipped. Each write is conditioned on the item being unchanged since
 * it was read, so a concurrent application write is never lost: the item is re-read and migrated again.
 *
 * @example
 * const result = await encryptTable({ client: ddb, tableName: 'orders', configuration: { target: { materialsProvider, attributeActions } } })
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a bad configuration or a checkpoint of another segment count.
 * DynamoDB, KMS and provider outages pass through unchanged (the checkpoints of finished pages are kept).
 */
export function encryptTable(options: TableJobOptions): Promise<TableJobResult> {
  return runTableJob('encrypt-table', options)
}

/**
 * Re-encrypts every item written under `configuration.previous` (new attribute actions and/or a new provider: static
 * to Direct KMS, wrapped to MetaStore, old MetaStore versions to the newest) with `configuration.target`. Same
 * guarantees as {@link encryptTable}; plaintext items are only migrated when `allowPlaintext` is set.
 */
export function reEncryptTable(options: TableJobOptions): Promise<TableJobResult> {
  return runTableJob('re-encrypt', options)
}

/**
 * Scans and verifies every item under `configuration.target`; failures are reported by primary key and error code,
 * never by value. Writes nothing.
 */
export function verifyTable(options: TableJobOptions): Promise<TableJobResult> {
  return runTableJob('verify', options)
}

/** The public function of each command, named in option errors. */
const JOB_FUNCTION: Readonly<Record<TableJobCommand, string>> = { 'encrypt-table': 'encryptTable', 're-encrypt': 'reEncryptTable', verify: 'verifyTable' }

async function runTableJob(command: TableJobCommand, options: TableJobOptions): Promise<TableJobResult> {
  const started = Date.now()
  const where = JOB_FUNCTION[command]
  optionsObject(options, where)
  const client = methodsOption<TableJobOptions['client']>(options.client, where, 'client', ['send'], 'a DynamoDB client')
  const tableName = stringOption(options.tableName, where, 'tableName')
  const destinationTableName = options.destinationTableName ?? tableName
  if (command === 'verify' && destinationTableName !== tableName) throw new InvalidArgumentError('verify reads one table; do not pass "destinationTableName"')
  if ((options.configuration === undefined) === (options.configurationModule === undefined)) {
    throw new InvalidArgumentError('Pass exactly one of "configuration" and "configurationModule"')
  }
  const totalSegments = positiveInteger(where, 'totalSegments', options.totalSegments, 4, 1_000_000)
  const range = options.segments ?? { first: 0, last: totalSegments - 1 }
  if (!Number.isSafeInteger(range.first) || !Number.isSafeInteger(range.last) || range.first < 0 || range.last < range.first || range.last >= totalSegments) {
    throw invalidOption(where, 'segments', `a range within 0..${totalSegments - 1}`)
  }
  const concurrency = positiveInteger(where, 'concurrency', options.concurrency, 32)
  const pageSize = positiveInteger(where, 'pageSize', options.pageSize, 200)
  const workers = options.workers ?? 0
  if (!Number.isSafeInteger(workers) || workers < 0) throw invalidOption(where, 'workers', 'a non-negative integer')
  if (workers > 0 && options.configurationModule === undefined) {
    throw new InvalidArgumentError('"workers" needs "configurationModule": each worker thread loads the keys itself')
  }
  // Checked before any request; the configuration's own values are checked when it is loaded.
  const cryptoOptions = migrationCryptoOptions(undefined, { writeMode: options.writeMode, acceptPythonRoundedNumbers: options.acceptPythonRoundedNumbers } as MigrationCryptoOptions)
  const mode: PlanMode = command === 'verify' ? 'verify' : 'migrate'
  const dryRun = options.dryRun === true || mode === 'verify'
  const jobId = options.jobId ?? `${command}:${tableName}${destinationTableName !== tableName ? `->${destinationTableName}` : ''}`

  const schema = await describeTableSchema(client, tableName)
  if (destinationTableName !== tableName) {
    const destination = await describeTableSchema(client, destinationTableName)
    if (destination.partitionKeyName !== schema.partitionKeyName || destination.sortKeyName !== schema.sortKeyName) {
      throw new InvalidArgumentError(`Table "${destinationTableName}" must have the same primary key as "${tableName}"`)
    }
  }
  const context = { command, tableName, destinationTableName }
  const configuration = options.configuration !== undefined
    ? checkConfiguration(options.configuration)
    : await loadConfigurationModule(options.configurationModule as string, context)
  const configs = plannerConfigs(withCommandDefaults(configuration, command), schema, destinationTableName, cryptoOptions)
  // CPU work on worker threads: core's EncryptorPool, each thread loading the configuration module.
  const pool = workers > 0
    ? await startPoolCrypto({ configurationModule: options.configurationModule as string, context, schema, destinationTableName, cryptoOptions }, workers, configs.previous.length)
    : undefined
  const planner = new ItemPlanner(configs, pool?.crypto)

  const job = new TableJob({
    command, options, schema, planner, jobId, totalSegments, concurrency, pageSize, dryRun, mode, destinationTableName, started,
  })
  try {
    const segments: number[] = []
    for (let s = range.first; s <= range.last; s++) segments.push(s)
    await mapWithConcurrency(segments, 16, (segment) => job.runSegment(segment))
  } finally {
    job.stopProgress()
    await pool?.close()
  }
  return job.result()
}

interface TableJobParts {
  command: TableJobCommand
  options: TableJobOptions
  schema: TableSchema
  planner: ItemPlanner
  jobId: string
  totalSegments: number
  concurrency: number
  pageSize: number
  dryRun: boolean
  mode: PlanMode
  destinationTableName: string
  started: number
}

/** The state of one run: counters, limiters, progress. */
class TableJob {
  readonly #p: TableJobParts
  readonly #readLimiter: CapacityLimiter
  readonly #writeLimiter: CapacityLimiter
  readonly #writes: Semaphore
  /** Counts of finished pages (checkpointed) plus earlier runs. */
  readonly #saved = emptyCounts()
  /** Counts of pages in flight. */
  readonly #live = emptyCounts()
  /** Items scanned by this run (for items/s). */
  #scannedThisRun = 0
  readonly #failures: ItemFailure[] = []
  #segmentsDone = 0
  readonly #segmentsTotal: number
  readonly #timer: NodeJS.Timeout | undefined

  constructor(parts: TableJobParts) {
    this.#p = parts
    const { options } = parts
    this.#readLimiter = new CapacityLimiter(options.readCapacityUnitsPerSecond !== undefined ? { unitsPerSecond: options.readCapacityUnitsPerSecond } : {})
    this.#writeLimiter = new CapacityLimiter(options.writeCapacityUnitsPerSecond !== undefined ? { unitsPerSecond: options.writeCapacityUnitsPerSecond } : {})
    this.#writes = new Semaphore(parts.concurrency)
    const range = options.segments ?? { first: 0, last: parts.totalSegments - 1 }
    this.#segmentsTotal = range.last - range.first + 1
    if (options.onProgress !== undefined) {
      this.#timer = setInterval(() => options.onProgress?.(this.progress(false)), options.progressIntervalMs ?? 1000)
      this.#timer.unref()
    }
  }

  stopProgress(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#p.options.onProgress?.(this.progress(true))
  }

  progress(done: boolean): JobProgress {
    const counts = addCounts(addCounts(emptyCounts(), this.#saved), this.#live)
    const elapsedMs = Date.now() - this.#p.started
    const itemsPerSecond = elapsedMs > 0 ? (this.#scannedThisRun * 1000) / elapsedMs : 0
    const estimatedItems = this.#p.schema.approximateItemCount
    const share = this.#segmentsTotal / this.#p.totalSegments
    const remaining = Math.max(0, estimatedItems * share - counts.scanned)
    return {
      command: this.#p.command,
      counts,
      elapsedMs,
      itemsPerSecond,
      estimatedItems,
      ...(itemsPerSecond > 0 && estimatedItems > 0 && !done ? { etaSeconds: remaining / itemsPerSecond } : {}),
      segmentsDone: this.#segmentsDone,
      segmentsTotal: this.#segmentsTotal,
      done,
    }
  }

  result(): TableJobResult {
    return {
      command: this.#p.command,
      counts: addCounts(emptyCounts(), this.#saved),
      failures: this.#failures,
      complete: this.#segmentsDone === this.#segmentsTotal,
      elapsedMs: Date.now() - this.#p.started,
    }
  }

  async runSegment(segment: number): Promise<void> {
    const { options, jobId, totalSegments } = this.#p
    const store = this.#p.dryRun ? undefined : options.checkpointStore
    const checkpoint = await store?.load(jobId, segment)
    if (checkpoint !== undefined && checkpoint.totalSegments !== totalSegments) {
      throw new InvalidArgumentError(
        `Job "${jobId}" was checkpointed with ${checkpoint.totalSegments} segments, not ${totalSegments}; use the same count or another job id`,
      )
    }
    const counts = { ...emptyCounts(), ...(checkpoint?.counts ?? {}) }
    addCounts(this.#saved, counts)
    if (checkpoint?.done === true) {
      this.#segmentsDone++
      return
    }
    let startKey = checkpoint?.exclusiveStartKey
    // One page of look-ahead: the next scan runs while this page is planned and written.
    let nextPage: Promise<ScanCommandOutput> | undefined = this.#scan(segment, startKey)
    while (nextPage !== undefined) {
      if (options.signal?.aborted === true) {
        nextPage.catch(() => undefined)
        return
      }
      const page: ScanCommandOutput = await nextPage
      const lastKey = page.LastEvaluatedKey as Item | undefined
      nextPage = lastKey !== undefined ? this.#scan(segment, lastKey) : undefined
      const pageCounts = emptyCounts()
      try {
        await this.#processPage((page.Items ?? []) as Item[], pageCounts)
      } catch (error) {
        nextPage?.catch(() => undefined)
        throw error
      } finally {
        addCounts(this.#saved, pageCounts)
        this.#subtractLive(pageCounts)
      }
      addCounts(counts, pageCounts)
      startKey = lastKey
      const saved: SegmentCheckpoint = {
        segment,
        totalSegments,
        ...(startKey !== undefined ? { exclusiveStartKey: startKey } : {}),
        done: startKey === undefined,
        counts,
      }
      await store?.save(jobId, saved)
    }
    this.#segmentsDone++
  }

  #subtractLive(pageCounts: JobCounts): void {
    for (const key of Object.keys(this.#live) as (keyof JobCounts)[]) this.#live[key] -= pageCounts[key]
  }

  #count(pageCounts: JobCounts, key: keyof JobCounts): void {
    pageCounts[key]++
    this.#live[key]++
  }

  #scan(segment: number, exclusiveStartKey: Item | undefined): Promise<ScanCommandOutput> {
    const { options, totalSegments, pageSize, schema } = this.#p
    return withCapacity(
      this.#readLimiter,
      () => options.client.send(new ScanCommand({
        TableName: schema.tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        Limit: pageSize,
        ReturnConsumedCapacity: 'TOTAL',
        ...(exclusiveStartKey !== undefined ? { ExclusiveStartKey: exclusiveStartKey as never } : {}),
      })),
      (output) => output.ConsumedCapacity?.CapacityUnits ?? (output.Items?.length ?? 0) * 0.5,
    )
  }

  /** The destination items for a page (copy mode): BatchGetItem, strongly consistent, 100 keys per call. */
  async #destinationItems(items: readonly Item[]): Promise<(Item | null)[]> {
    const { options, schema, destinationTableName } = this.#p
    const found = new Map<string, Item>()
    for (let i = 0; i < items.length; i += 100) {
      let keys: Item[] | undefined = items.slice(i, i + 100).map((item) => primaryKeyOf(item, schema))
      for (let attempt = 0; keys !== undefined && keys.length > 0; attempt++) {
        const request = { [destinationTableName]: { Keys: keys as never[], ConsistentRead: true } }
        const output = await withCapacity(
          this.#readLimiter,
          () => options.client.send(new BatchGetItemCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' })),
          (o) => o.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) ?? keys!.length,
        )
        for (const item of (output.Responses?.[destinationTableName] ?? []) as Item[]) found.set(encodeKey(primaryKeyOf(item, schema)), item)
        keys = output.UnprocessedKeys?.[destinationTableName]?.Keys as Item[] | undefined
        if (keys !== undefined && keys.length > 0) {
          this.#readLimiter.throttled()
          if (attempt > 20) throw serviceGiveUp('ProvisionedThroughputExceededException', 'BatchGetItem kept returning unprocessed keys after 20 tries; lower the read rate')
        }
      }
    }
    return items.map((item) => found.get(encodeKey(primaryKeyOf(item, schema))) ?? null)
  }

  async #processPage(items: Item[], pageCounts: JobCounts): Promise<void> {
    if (items.length === 0) return
    const { planner, mode, destinationTableName, schema } = this.#p
    const copy = destinationTableName !== schema.tableName
    const destinations = copy && mode === 'migrate' ? await this.#destinationItems(items) : undefined
    const tasks: PlanTask[] = items.map((stored, i) => (destinations !== undefined ? { stored, destination: destinations[i] as Item | null } : { stored }))
    for (let i = 0; i < items.length; i++) this.#count(pageCounts, 'scanned')
    this.#scannedThisRun += items.length
    const plans = await planner.planMany(tasks, mode)
    await Promise.all(plans.map(async (plan, i) => {
      await this.#writes.acquire()
      try {
        await this.#apply(tasks[i] as PlanTask, plan, pageCounts)
      } finally {
        this.#writes.release()
      }
    }))
  }

  /** Carries out one plan: conditional write, and on a lost race re-plan from the item now stored. */
  async #apply(task: PlanTask, firstPlan: ItemPlan, pageCounts: JobCounts): Promise<void> {
    const { planner, mode, dryRun, destinationTableName, schema, options } = this.#p
    const copy = destinationTableName !== schema.tableName
    let stored = task.stored
    let destination = task.destination
    let plan = firstPlan
    let expectOverride: ExpectedState | undefined
    for (let attempt = 0; ; attempt++) {
      if (plan.kind === 'current') return this.#count(pageCounts, 'current')
      if (plan.kind === 'failed') {
        this.#count(pageCounts, 'failed')
        const failure = { key: primaryKeyOf(stored, schema), code: plan.code }
        if (this.#failures.length < MAX_REPORTED_FAILURES) this.#failures.push(failure)
        options.onFailure?.(failure)
        return
      }
      if (dryRun) return this.#countWrite(pageCounts, plan)
      if (attempt >= MAX_ATTEMPTS_PER_ITEM) {
        throw serviceGiveUp('TransactionConflictException', `An item kept changing during ${MAX_ATTEMPTS_PER_ITEM} attempts to migrate it; run the job again later`)
      }
      const input = conditionalPutInput(destinationTableName, plan.item, expectOverride ?? plan.expect, schema)
      const outcome = await withCapacity(this.#writeLimiter, () => conditionalPut(options.client, input, schema), (o) => o.capacity)
      if (outcome.kind === 'written') {
        const added = copy || expectOverride !== undefined ? [] : addedAttributes(stored, outcome.replaced)
        if (added.length === 0) return this.#countWrite(pageCounts, plan)
        // Attributes were added between our read and our write (a partial update of a plaintext item): the item we
        // replaced is the truth. Migrate it again, on condition that our own write is still what is stored.
        this.#count(pageCounts, 'conflicts')
        expectOverride = planner.expectWritten(plan.item)
        stored = outcome.replaced as Item
        plan = await planner.plan(stored, mode)
        continue
      }
      this.#count(pageCounts, 'conflicts')
      expectOverride = undefined
      if (copy) {
        destination = outcome.current ?? null
        plan = await planner.plan(stored, mode, destination)
        continue
      }
      if (outcome.current === undefined) return this.#count(pageCounts, 'deleted')
      stored = outcome.current
      plan = await planner.plan(stored, mode)
    }
  }

  #countWrite(pageCounts: JobCounts, plan: Extract<ItemPlan, { kind: 'write' }>): void {
    this.#count(pageCounts, 'written')
    if (plan.from === 'plaintext') this.#count(pageCounts, 'fromPlaintext')
    else if (plan.from === 'previous') this.#count(pageCounts, 'fromPrevious')
  }
}
