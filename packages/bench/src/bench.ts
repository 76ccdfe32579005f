/**
 * `pnpm bench`: one run measures the core, every provider, the encrypted client and the Python and Java references on this
 * machine, prints the tables and writes `bench-results/RESULTS.md` (+ `results.json`, `python-ratio.svg`) at the
 * repository root. Services (DynamoDB Local, moto's KMS) are started here and stopped at the end, also on Ctrl-C.
 *
 * Every local measurement is interleaved sample by sample with what it is compared to (our core with the bare
 * node:crypto floor and the Python and Java references; the encrypted client with the plain one), because this machine is
 * shared and its load moves from second to second: ratios taken side by side stay meaningful when absolute rates
 * do not. Rates per CPU second are reported as well, for the same reason.
 *
 * Environment: BENCH_SAMPLE_MS (default 1500) and BENCH_WARMUP_MS (default 500) scale the run; BENCH_SKIP_PYTHON=1
 * and BENCH_SKIP_JAVA=1 leave the Python or Java reference out (for a quick look; the report then says so).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { CryptoAction, encryptItem, type CryptographicMaterialsProvider, type Item } from '@ddb-encryption/core'
import { MetaStore } from '@ddb-encryption/store-meta'
import {
  createDynamoDBClient,
  createKMSClient,
  createKmsKey,
  createTestTable,
  startServices,
  type StartedServices,
} from '@ddb-encryption/testing'
import { BENCH_ACTIONS, PARTITION_KEY, SORT_KEY, benchItem, itemToWireJson, serializedSize } from './bench-item'
import { generateBenchKeys, rsaKeyObjects, secretKeyObject } from './bench-keys'
import { directKmsProvider, mostRecentProvider, staticProvider, wrappedAesProvider, wrappedRsaProvider } from './bench-providers'
import { measureClientCase, measureKmsQuery } from './client-case'
import { measureCores } from './cores-case'
import { countingClient } from './counting-client'
import { benchConfig, measureItemCase, type CallProbe, type ItemCaseResult } from './item-case'
import { DEFAULT_MEASURE, type Contender, type MeasureOptions, type Rate } from './measure'
import { phaseProfile, phaseTable, profileCase, type CaseProfile } from './profile'
import { JavaBenchServer } from './java-bench'
import { PythonBenchServer, killPythonBench, type PythonCase, type PythonServerConfig } from './python-bench'
import { findings, renderChart, renderReport, type BenchResults, type FloorCase, type FloorRate, type FloorResults, type ReferenceRates } from './report'
import {
  floorItem,
  staticFloorParts,
  TrueFloor,
  wrappedAesFloorParts,
  wrappedRsaFloorParts,
  type FloorBreakdown,
  type FloorPart,
} from './true-floor'

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..')
const RESULTS_DIR = path.join(REPO_ROOT, 'bench-results')
const TABLE_NAME = 'bench-items'
const REGION = 'us-west-2'
/** Seconds each local-key case and operation runs under the profiler (and as long again without it). */
const PROFILE_SECONDS = 1

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

function envNumber(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`)
  return value
}

let services: StartedServices | undefined
let pythonServer: PythonBenchServer | undefined
let javaServer: JavaBenchServer | undefined
let stopping = false

/** Stops what this run started (services, the Python child), once. */
async function cleanUp(): Promise<void> {
  if (stopping) return
  stopping = true
  killPythonBench()
  await pythonServer?.close()
  await javaServer?.close()
  await services?.stop()
}

function onSignal(signal: NodeJS.Signals): void {
  log(`${signal}: stopping services`)
  void cleanUp().finally(() => process.exit(130))
}

/** The true floor of one case, one contender per operation (see true-floor.ts). */
interface CaseFloor {
  readonly encrypt: TrueFloor
  readonly decrypt: TrueFloor
}

/** A reference implementation running next to ours (Python or Java), and the rates measured for it so far. */
interface Reference {
  readonly server: Pick<PythonBenchServer, 'contender'>
  readonly rates: ReferenceRates
}

/**
 * Our measurement of one case and, interleaved with it, its true floor and the references' (those that run: Python,
 * Java).
 */
async function itemCase(
  label: string,
  provider: CryptographicMaterialsProvider,
  item: Item,
  measure: MeasureOptions,
  references: readonly Reference[],
  pythonCase: PythonCase,
  probe?: CallProbe,
  floor?: { readonly contenders: CaseFloor; readonly results: FloorResults; readonly name: FloorCase },
): Promise<ItemCaseResult> {
  log(label)
  const peer = (op: 'encrypt' | 'decrypt'): Contender[] => [
    ...(floor === undefined ? [] : [floor.contenders[op]]),
    ...references.map((reference) => reference.server.contender(pythonCase, op)),
  ]
  const { peers: peerRates, ...ours } = await measureItemCase(provider, TABLE_NAME, item, measure, probe, { encrypt: peer('encrypt'), decrypt: peer('decrypt') })
  const shift = floor === undefined ? 0 : 1
  if (floor !== undefined) {
    const result = (op: 'encrypt' | 'decrypt'): FloorRate => ({
      rate: peerRates[op][0] as Rate,
      breakdown: floor.contenders[op].breakdown as FloorBreakdown,
    })
    floor.results[floor.name] = { encrypt: result('encrypt'), decrypt: result('decrypt') }
  }
  references.forEach((reference, i) => {
    reference.rates[pythonCase] = { encrypt: peerRates.encrypt[shift + i] as Rate, decrypt: peerRates.decrypt[shift + i] as Rate }
  })
  return ours
}

async function run(): Promise<BenchResults> {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()
  const measure: MeasureOptions = {
    warmupMs: envNumber('BENCH_WARMUP_MS', DEFAULT_MEASURE.warmupMs),
    sampleMs: envNumber('BENCH_SAMPLE_MS', DEFAULT_MEASURE.sampleMs),
    samples: DEFAULT_MEASURE.samples,
  }
  // Network cases are slower per item; shorter samples keep the whole run within a few minutes.
  const networkMeasure: MeasureOptions = { ...measure, sampleMs: Math.max(250, measure.sampleMs * (2 / 3)) }
  // Round trips to DynamoDB Local vary most: more, shorter samples for the client comparison.
  const clientMeasure: MeasureOptions = { ...measure, sampleMs: Math.max(200, measure.sampleMs / 2), samples: 5 }

  const keys = generateBenchKeys()
  const item = benchItem()
  const encryptedCount = Object.keys(item).filter((name) => BENCH_ACTIONS.action(name) === CryptoAction.ENCRYPT_AND_SIGN).length

  log('starting DynamoDB Local and moto (KMS)')
  services = await startServices({ log: (message) => log(message) })
  const kms: KMSClient = createKMSClient({ region: REGION })
  const ddb: DynamoDBClient = createDynamoDBClient({ region: REGION })
  try {
    const key = await createKmsKey(kms, { description: 'ddb-encryption bench' })
    const metaTable = `bench-meta-${Date.now()}`
    await MetaStore.createTable({ client: ddb, tableName: metaTable, billingMode: 'PAY_PER_REQUEST' })
    const materialName = 'bench-materials'

    const referenceConfig: PythonServerConfig = {
      item: itemToWireJson(item),
      tableName: TABLE_NAME,
      partitionKeyName: PARTITION_KEY,
      sortKeyName: SORT_KEY,
      keys,
      kms: { endpoint: services.kmsEndpoint, keyArn: key.arn, region: REGION },
      metaStore: { endpoint: services.dynamoDbEndpoint, tableName: metaTable, materialName },
    }
    const references: Reference[] = []
    const pythonRates: ReferenceRates = {}
    const javaRates: ReferenceRates = {}
    if (process.env['BENCH_SKIP_PYTHON'] !== '1') {
      log('starting the Python reference (dynamodb-encryption-sdk), same item, keys, KMS key and MetaStore')
      pythonServer = await PythonBenchServer.start(referenceConfig)
      references.push({ server: pythonServer, rates: pythonRates })
    }
    if (process.env['BENCH_SKIP_JAVA'] !== '1') {
      log('starting the Java reference (aws-dynamodb-encryption-java), same item, keys, KMS key and MetaStore')
      javaServer = await JavaBenchServer.start(referenceConfig)
      references.push({ server: javaServer, rates: javaRates })
    }

    // The true floor of each local-key case, on the bytes of a real encrypted copy of the item.
    const staticAesKey = secretKeyObject(keys.staticAes)
    const hmacKey = secretKeyObject(keys.hmac)
    const stored = await encryptItem(item, benchConfig(staticProvider(keys), TABLE_NAME))
    const floorStatic = floorItem(item, stored, BENCH_ACTIONS, staticAesKey)
    const floorWrapped = floorItem(item, stored, BENCH_ACTIONS, secretKeyObject(keys.wrappingAes))
    const floors: FloorResults = {}
    const caseFloor = (parts: (op: 'encrypt' | 'decrypt') => FloorPart[]): CaseFloor =>
      ({ encrypt: new TrueFloor(parts('encrypt')), decrypt: new TrueFloor(parts('decrypt')) })
    const rsaKeys = rsaKeyObjects(keys)

    const staticCore = await itemCase('1/5 core static AES/HMAC, its true floor and the references, interleaved', staticProvider(keys), item,
      measure, references, 'static', undefined,
      { name: 'static', results: floors, contenders: caseFloor((op) => staticFloorParts(floorStatic, staticAesKey, hmacKey, op)) })
    const wrappedAes = await itemCase('2/5 wrapped AES', wrappedAesProvider(keys), item, measure, references, 'wrapped-aes', undefined,
      { name: 'wrapped-aes', results: floors,
        contenders: caseFloor((op) => wrappedAesFloorParts(floorWrapped, secretKeyObject(keys.wrappingAes), hmacKey, op)) })
    const wrappedRsa = await itemCase('2/5 wrapped RSA', wrappedRsaProvider(keys), item, measure, references, 'wrapped-rsa', undefined,
      { name: 'wrapped-rsa', results: floors, contenders: caseFloor((op) => wrappedRsaFloorParts(floorWrapped, rsaKeys, op)) })

    log('2/5 per-phase profile of our path (V8 sampling profiler), local-key cases')
    const phases: CaseProfile[] = []
    for (const name of ['static', 'wrapped-aes', 'wrapped-rsa'] as const) {
      for (const operation of ['encrypt', 'decrypt'] as const) phases.push(await profileCase(name, operation, PROFILE_SECONDS, keys))
    }

    log('2/5 across cores: encryptItems / decryptItems in this thread and on EncryptorPools of 1 and 2 threads')
    const cores = await measureCores(keys, measure)

    const countedKms = countingClient(kms)
    const directKms = await itemCase('3/5 Direct KMS on moto', directKmsProvider(key.arn, countedKms.client), item,
      networkMeasure, references, 'direct-kms', countedKms)

    const countedDdb = countingClient(ddb)
    const mostRecent = await itemCase('4/5 MostRecentProvider over a MetaStore on DynamoDB Local',
      mostRecentProvider(keys, countedDdb.client, metaTable, materialName), item, measure, references, 'most-recent', countedDdb)
    log('4/5 per-phase profile of our path, most recent (its own provider on the same MetaStore: the cache is warm after one item)')
    const mostRecentProfiled = mostRecentProvider(keys, ddb, metaTable, materialName)
    for (const operation of ['encrypt', 'decrypt'] as const) {
      phases.push(await profileCase('most-recent', operation, PROFILE_SECONDS, keys, mostRecentProfiled))
    }
    await pythonServer?.close()
    await javaServer?.close()

    log('5/5 encrypted client vs plain client on DynamoDB Local')
    const itemsTable = await createTestTable(ddb, {
      namePrefix: 'bench-items',
      partitionKey: { name: PARTITION_KEY, type: 'S' },
      sortKey: { name: SORT_KEY, type: 'N' },
    })
    const client = await measureClientCase(ddb, itemsTable, staticProvider(keys), clientMeasure)
    const kmsQuery = await measureKmsQuery(ddb, itemsTable, directKmsProvider(key.arn, kms))

    return {
      startedAt,
      durationS: (performance.now() - started) / 1000,
      environment: {
        node: process.versions.node,
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
        cores: os.cpus().length,
        loadAverage: { start: loadStart, end: os.loadavg() },
      },
      item: { attributes: Object.keys(item).length, serializedBytes: serializedSize(item), encrypted: encryptedCount },
      staticCore,
      floors,
      phases: phaseTable(phases),
      phaseProfiles: phases.map(phaseProfile),
      cores,
      wrappedAes,
      wrappedRsa,
      directKms,
      mostRecent,
      client,
      kmsQuery,
      python: pythonServer === undefined
        ? { error: 'skipped (BENCH_SKIP_PYTHON=1)' }
        : { library: pythonServer.library, python: pythonServer.python, cases: pythonRates },
      java: javaServer === undefined
        ? { error: 'skipped (BENCH_SKIP_JAVA=1)' }
        : { library: javaServer.library, java: javaServer.java, cases: javaRates },
    }
  } finally {
    kms.destroy()
    ddb.destroy()
  }
}

async function main(): Promise<void> {
  // The SDK's "Node 20 support ends in 2027" notice says nothing about the benchmark; keep the output readable.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  let exitCode = 0
  try {
    const results = await run()
    const report = renderReport(results)
    process.stdout.write(`\n${report}\n`)
    mkdirSync(RESULTS_DIR, { recursive: true })
    writeFileSync(path.join(RESULTS_DIR, 'RESULTS.md'), report)
    writeFileSync(path.join(RESULTS_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    const chart = renderChart(results)
    if (chart !== undefined) writeFileSync(path.join(RESULTS_DIR, 'python-ratio.svg'), chart)
    log(`wrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'RESULTS.md'))}`)
    // A correctness failure (KMS calls per item) fails the run; missed speed targets are reported, not fatal.
    if (findings(results).some((line) => line.startsWith('FAIL'))) exitCode = 1
  } catch (error) {
    // After Ctrl-C the run fails on purpose (its children are gone); the signal handler exits with 130.
    if (!stopping) log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    exitCode = 1
  } finally {
    await cleanUp()
  }
  process.exit(exitCode)
}

void main()
