import * as os from 'node:os'
import { parseArgs } from 'node:util'
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { USER_AGENT_NAME, type Item, type WriteMode } from '@ddb-encryption/core'
import { DynamoDBCheckpointStore, FileCheckpointStore, type CheckpointStore } from './checkpoint-store'
import { explainItem } from './explain'
import { decodeKey, encodeKey } from './key-codec'
import { loadConfigurationModule, migrationCryptoOptions, type MigrationCryptoOptions } from './migration-configuration'
import { PACKAGE_VERSION } from './package-version'
import { progressReporter } from './progress-reporter'
import { encryptTable, reEncryptTable, verifyTable, type TableJobOptions, type TableJobResult } from './table-job'
import { actionsForTable, describeTableSchema } from './table-schema'

export const USAGE = `Usage: ddb-encryption <command> --table <name> --config <module> [options]

Commands:
  encrypt-table   encrypt and sign every plaintext item (and re-encrypt items of previous configurations)
  re-encrypt      rewrite items of previous configurations (actions and/or providers) under the target
  verify          verify every item under the target; prints the keys of failures (never values)
  explain         for one item that fails verification, find the attribute actions that verify it

Options:
  --table <name>             table to read (required)
  --config <path>            configuration module exporting { target, previous?, allowPlaintext? } (required)
  --to <name>                encrypt-table / re-encrypt: write into this table instead of in place
  --dry-run                  count what would change; write nothing
  --segments <a-b/N>         scan segments a..b of N (share one job across processes / machines)
  --total-segments <N>       scan segments of the whole job (default 4; same as --segments 0-(N-1)/N)
  --workers <N>              worker threads for the CPU work (default: one per core; 0 = main thread)
  --concurrency <N>          writes in flight (default 32)
  --page-size <N>            items per scan page (default 200)
  --rcu <N> / --wcu <N>      read / write capacity units per second (default unlimited; throttling backs off)
  --checkpoint-file <path>   save progress in this file (one machine)
  --checkpoint-table <name>  save progress in this DynamoDB table (created if missing; several machines)
  --job <id>                 checkpoint job id (default <command>:<table>[-><to>])
  --key <json>               explain: the item's primary key, e.g. '{"pk":{"S":"order#1"}}'
  --max-changed <N>          explain: attributes changed at most (default 3)
  --region <region>          AWS region (default from the environment)
  --endpoint <url>           DynamoDB endpoint (e.g. DynamoDB Local)
  --json                     progress as JSON lines even on a terminal
  --write-mode <mode>        byte order of signed values written: portable (default), python or java
  --accept-python-rounded-numbers
                             accept items whose numbers verify only as Python rounds them (28 digits)

Exit status: 0 done, 1 items failed (or verify found failures), 2 usage error, 3 interrupted (resume with the same
checkpoint options), 4 other error.`

/** Exit statuses of the CLI. */
export const ExitStatus = { Ok: 0, ItemsFailed: 1, Usage: 2, Interrupted: 3, Error: 4 } as const

class UsageError extends Error {}

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`)
  return n
}

/** Parses `a-b/N` (or `a/N`). */
export function parseSegments(text: string): { first: number; last: number; total: number } {
  const match = /^(\d+)(?:-(\d+))?\/(\d+)$/.exec(text)
  if (match === null) throw new UsageError('--segments must look like a-b/N, e.g. 0-3/16')
  const first = Number(match[1])
  const last = match[2] !== undefined ? Number(match[2]) : first
  const total = Number(match[3])
  if (total < 1 || first > last || last >= total) throw new UsageError('--segments a-b/N needs 0 <= a <= b < N')
  return { first, last, total }
}

/** Where {@link runCli} writes (and the signal that stops it). */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  signal?: AbortSignal
}

/**
 * Runs the CLI with `argv` (without `node` and the script); resolves to the exit status. Results go to stdout as
 * JSON lines; progress to stderr (one updating line on a terminal, JSON lines otherwise).
 */
export async function runCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        table: { type: 'string' }, config: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean' },
        segments: { type: 'string' }, 'total-segments': { type: 'string' }, workers: { type: 'string' },
        concurrency: { type: 'string' }, 'page-size': { type: 'string' }, rcu: { type: 'string' }, wcu: { type: 'string' },
        'checkpoint-file': { type: 'string' }, 'checkpoint-table': { type: 'string' }, job: { type: 'string' },
        key: { type: 'string' }, 'max-changed': { type: 'string' }, region: { type: 'string' }, endpoint: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        'write-mode': { type: 'string' }, 'accept-python-rounded-numbers': { type: 'boolean' },
      },
    })
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return ExitStatus.Usage
  }
  const { values: v, positionals } = parsed
  const command = positionals[0]
  if (v.help === true || command === undefined) {
    io.stdout.write(`${USAGE}\n`)
    return v.help === true ? ExitStatus.Ok : ExitStatus.Usage
  }
  const write = (record: object): void => {
    io.stdout.write(`${JSON.stringify(record)}\n`)
  }
  try {
    if (!['encrypt-table', 're-encrypt', 'verify', 'explain'].includes(command)) throw new UsageError(`Unknown command "${command}"`)
    if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}"`)
    if (v.table === undefined) throw new UsageError('--table is required')
    if (v.config === undefined) throw new UsageError('--config is required (keys cannot go on a command line)')
    const writeMode = v['write-mode']
    if (writeMode !== undefined && !['portable', 'python', 'java'].includes(writeMode)) {
      throw new UsageError('--write-mode must be portable, python or java')
    }
    // The configuration module's values, overridden by the flags given.
    const cryptoOptions: MigrationCryptoOptions = {
      ...(writeMode !== undefined ? { writeMode: writeMode as WriteMode } : {}),
      ...(v['accept-python-rounded-numbers'] === true ? { acceptPythonRoundedNumbers: true } : {}),
    }
    const client = new DynamoDBClient({
      ...(v.region !== undefined ? { region: v.region } : {}),
      ...(v.endpoint !== undefined ? { endpoint: v.endpoint } : {}),
      customUserAgent: [[USER_AGENT_NAME, PACKAGE_VERSION]],
    })

    if (command === 'explain') {
      if (v.key === undefined) throw new UsageError('explain needs --key, e.g. --key \'{"pk":{"S":"order#1"}}\'')
      const key = parseKey(v.key)
      const schema = await describeTableSchema(client, v.table)
      const configuration = await loadConfigurationModule(v.config, { command, tableName: v.table, destinationTableName: v.table })
      const { Item: stored } = await client.send(new GetItemCommand({ TableName: v.table, Key: key as never, ConsistentRead: true }))
      if (stored === undefined) {
        write({ type: 'explain', verdict: 'not-found' })
        return ExitStatus.ItemsFailed
      }
      const explanation = await explainItem(stored as Item, {
        materialsProvider: configuration.target.materialsProvider,
        attributeActions: actionsForTable(configuration.target.attributeActions, schema),
        encryptionContext: {
          tableName: v.table,
          partitionKeyName: schema.partitionKeyName,
          ...(schema.sortKeyName !== undefined ? { sortKeyName: schema.sortKeyName } : {}),
        },
        ...migrationCryptoOptions(configuration, cryptoOptions),
      }, { ...(v['max-changed'] !== undefined ? { maxChangedAttributes: integer('max-changed', v['max-changed'], 1) as number } : {}) })
      write({ type: 'explain', ...explanation })
      return explanation.verdict === 'verifies' || explanation.verdict === 'actions-differ' ? ExitStatus.Ok : ExitStatus.ItemsFailed
    }

    let totalSegments = integer('total-segments', v['total-segments'], 1)
    let segments: { first: number; last: number } | undefined
    if (v.segments !== undefined) {
      const s = parseSegments(v.segments)
      if (totalSegments !== undefined && totalSegments !== s.total) throw new UsageError('--segments and --total-segments disagree')
      totalSegments = s.total
      segments = { first: s.first, last: s.last }
    }
    if (v['checkpoint-file'] !== undefined && v['checkpoint-table'] !== undefined) throw new UsageError('Give one of --checkpoint-file and --checkpoint-table')
    let checkpointStore: CheckpointStore | undefined
    if (v['checkpoint-file'] !== undefined) checkpointStore = new FileCheckpointStore(v['checkpoint-file'])
    if (v['checkpoint-table'] !== undefined) {
      await DynamoDBCheckpointStore.createTable({ client, tableName: v['checkpoint-table'] })
      checkpointStore = new DynamoDBCheckpointStore({ client, tableName: v['checkpoint-table'] })
    }
    if (v.to !== undefined && command === 'verify') throw new UsageError('verify does not take --to')
    const rcu = integer('rcu', v.rcu, 1)
    const wcu = integer('wcu', v.wcu, 1)
    const concurrency = integer('concurrency', v.concurrency, 1)
    const pageSize = integer('page-size', v['page-size'], 1)
    const options: TableJobOptions = {
      client,
      tableName: v.table,
      configurationModule: v.config,
      workers: integer('workers', v.workers, 0) ?? os.availableParallelism(),
      ...(v.to !== undefined ? { destinationTableName: v.to } : {}),
      ...(totalSegments !== undefined ? { totalSegments } : {}),
      ...(segments !== undefined ? { segments } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(rcu !== undefined ? { readCapacityUnitsPerSecond: rcu } : {}),
      ...(wcu !== undefined ? { writeCapacityUnitsPerSecond: wcu } : {}),
      ...(checkpointStore !== undefined ? { checkpointStore } : {}),
      ...(v.job !== undefined ? { jobId: v.job } : {}),
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
      ...cryptoOptions,
      dryRun: v['dry-run'] === true,
      onProgress: progressReporter(io.stderr, { json: v.json === true }),
      onFailure: (failure) => write({ type: 'failure', key: JSON.parse(encodeKey(failure.key)) as unknown, code: failure.code }),
    }
    const run = command === 'encrypt-table' ? encryptTable : command === 're-encrypt' ? reEncryptTable : verifyTable
    const result: TableJobResult = await run(options)
    write({ type: 'result', command, complete: result.complete, dryRun: v['dry-run'] === true, counts: result.counts, elapsedMs: result.elapsedMs })
    if (!result.complete) return ExitStatus.Interrupted
    return result.counts.failed > 0 ? ExitStatus.ItemsFailed : ExitStatus.Ok
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}\n`)
      return ExitStatus.Usage
    }
    const e = error as { name?: string; code?: string; message?: string }
    io.stderr.write(`ddb-encryption ${command}: ${e.name ?? 'Error'}${e.code !== undefined ? ` (${e.code})` : ''}: ${e.message ?? String(error)}\n`)
    return ExitStatus.Error
  }
}

function parseKey(text: string): Item {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError('--key must be JSON, e.g. {"pk":{"S":"order#1"},"sk":{"N":"2"}}')
  }
  // DynamoDB JSON; binary key values as {"B64":"..."} (the checkpoint form).
  return decodeKey(JSON.stringify(parsed))
}
