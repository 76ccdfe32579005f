import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { dirname, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  QueryCommand as LowQueryCommand,
  waitUntilTableExists,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import {
  AttributeActions,
  CryptoAction,
  DynamoDBEncryptionError,
  InvalidArgumentError,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  ReservedAttribute,
  deserializeMaterialDescription,
  randomKeyBytes,
  type CryptographicMaterialsProvider,
} from '@ddb-encryption/core'
import { EncryptedDynamoDBDocumentClient, type NativeItem } from '@ddb-encryption/client-helpers'
import { DirectKMSMaterialsProvider } from '@ddb-encryption/providers-kms'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import dynalite = require('dynalite')
import { formatColumns, formatNativeValue, formatStoredValue } from './internal/format-value'

/** Default data table name. */
export const DEMO_TABLE = 'ddb-encryption-demo-orders'
/** Default MetaStore table name. */
export const DEMO_META_TABLE = 'ddb-encryption-demo-meta'
/** Material name of the demo's keys in the MetaStore. */
export const DEMO_MATERIAL_NAME = 'demo-orders'
/** Default location of the local keys file: `examples/.demo-data/keys.json` (git-ignored). */
export const DEMO_KEYS_FILE = resolve(__dirname, '..', '.demo-data', 'keys.json')

/** Options for {@link demo}. */
export interface DemoOptions {
  /** DynamoDB endpoint URL (real DynamoDB or DynamoDB Local). Default: start dynalite in this process. */
  endpoint?: string
  /** AWS region. Default: the SDK's (`AWS_REGION`, profile) with `endpoint` or `kmsKeyId`, `us-west-2` for dynalite. */
  region?: string
  /** Data table (created if missing). Default {@link DEMO_TABLE}. */
  tableName?: string
  /** MetaStore table (created if missing). Default {@link DEMO_META_TABLE}. */
  metaTableName?: string
  /** Protect the MetaStore with this KMS key (DirectKMSMaterialsProvider) instead of the local keys file. */
  kmsKeyId?: string
  /** KMS endpoint URL (e.g. LocalStack or moto). Default: the SDK's. */
  kmsEndpoint?: string
  /** Local keys file (AES-256 wrapping key + HMAC-SHA256 key, mode 0600), created on first run. Default {@link DEMO_KEYS_FILE}. */
  keysFile?: string
  /** Where the story is printed, one line per call. Default `console.log`. */
  log?: (line: string) => void
}

/** One record written by the demo, as found at the end. */
export interface DemoRecord {
  /** Partition key. */
  readonly pk: string
  /** Sort key. */
  readonly sk: number
  /** `amzn-ddb-meta-id` of the stored item: `<material name>#<version>`. */
  readonly metaId: string
  /** True if the record read back through the encrypted client equals what was written. */
  readonly roundTrip: boolean
}

/** What {@link demo} did, for tests and scripts. */
export interface DemoSummary {
  /** `dynalite` (in process) or the `endpoint` given. */
  readonly backend: 'dynalite' | 'endpoint'
  /** How the MetaStore rows are protected. */
  readonly metaProtection: 'local-keys' | 'kms'
  /** Keys file used (local keys only) and whether this run created it. */
  readonly keysFile?: { readonly path: string; readonly created: boolean }
  /** Data table used. */
  readonly tableName: string
  /** MetaStore table used. */
  readonly metaTableName: string
  /** Tables this run created. */
  readonly createdTables: readonly string[]
  /** Records written before the rotation. */
  readonly before: readonly DemoRecord[]
  /** Records written after the rotation. */
  readonly after: readonly DemoRecord[]
  /** Newest MetaStore version before and after the rotation. */
  readonly rotation: { readonly versionBefore: number; readonly versionAfter: number }
  /** The refused unsafe UpdateCommand: error class, code and message, and whether the record was left as it was. */
  readonly refusal: { readonly name: string; readonly code: string; readonly message: string; readonly recordUnchanged: boolean }
}

interface KeysFile {
  readonly wrappingKey: string
  readonly signingKey: string
}

/** Loads the local AES-256 + HMAC-SHA256 keys, creating the file (mode 0600) with fresh random keys if missing. */
async function loadOrCreateKeys(path: string): Promise<{ wrappingKey: LocalDelegatedKey; signingKey: LocalDelegatedKey; created: boolean }> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  let created = false
  let wrapping: Uint8Array
  let signing: Uint8Array
  if (text === undefined) {
    wrapping = randomKeyBytes(32)
    signing = randomKeyBytes(32)
    const contents = {
      note: 'ddb-encryption demo keys: AES-256 wrapping key and HMAC-SHA256 signing key protecting the demo MetaStore. Local demo only; never commit.',
      createdAt: new Date().toISOString(),
      wrappingKey: Buffer.from(wrapping).toString('base64'),
      signingKey: Buffer.from(signing).toString('base64'),
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // 'wx': never overwrite keys that another run has just written (they may already protect MetaStore rows).
    await writeFile(path, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    await chmod(path, 0o600)
    created = true
  } else {
    let parsed: Partial<KeysFile>
    try {
      parsed = JSON.parse(text) as Partial<KeysFile>
    } catch (cause) {
      throw new InvalidArgumentError(`The keys file ${path} is not valid JSON; delete it (and the demo's MetaStore table) to start over`, { cause })
    }
    const decode = (field: keyof KeysFile): Uint8Array => {
      const value = parsed[field]
      const bytes = typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : new Uint8Array(0)
      if (bytes.length !== 32) {
        throw new InvalidArgumentError(`"${field}" in the keys file ${path} must be 32 bytes in base64; delete the file (and the demo's MetaStore table) to start over`)
      }
      return bytes
    }
    wrapping = decode('wrappingKey')
    signing = decode('signingKey')
  }
  try {
    return {
      wrappingKey: LocalDelegatedKey.fromBytes({ key: wrapping, algorithm: 'AES' }),
      signingKey: LocalDelegatedKey.fromBytes({ key: signing, algorithm: 'HmacSHA256' }),
      created,
    }
  } finally {
    wrapping.fill(0)
    signing.fill(0)
  }
}

/** Creates the data table (pk S, sk N, on demand) unless it exists; true if created. */
async function ensureDataTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }))
    return false
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error
  }
  await client.send(new CreateTableCommand({
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }))
  await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: tableName })
  return true
}

/** Creates the MetaStore table unless it exists; true if created. */
async function ensureMetaTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }))
    return false
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error
  }
  await MetaStore.createTable({ client, tableName, billingMode: 'PAY_PER_REQUEST' })
  return true
}

/** Starts dynalite on a free 127.0.0.1 port. */
async function startDynalite(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolvePromise())
  })
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolvePromise, reject) => {
      server.close((error) => (error ? reject(error) : resolvePromise()))
      server.closeAllConnections()
    }),
  }
}

/** The stored items of one partition, low-level, keyed by sort key. */
async function storedItems(client: DynamoDBClient, tableName: string, pk: string): Promise<Map<number, Record<string, AttributeValue>>> {
  const result = await client.send(new LowQueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': { S: pk } },
    ConsistentRead: true,
  }))
  return new Map((result.Items ?? []).map((item) => [Number(item['sk']?.N), item]))
}

function metaIdOf(stored: Record<string, AttributeValue> | undefined): string {
  const bytes = stored?.[ReservedAttribute.MaterialDescription]?.B
  if (bytes === undefined) return '(no material description)'
  return deserializeMaterialDescription(bytes)[MaterialDescriptionKey.MetaId] ?? '(no meta id)'
}

/** Prints one record: each attribute as stored in DynamoDB beside its decrypted value. */
function printSideBySide(log: (line: string) => void, stored: Record<string, AttributeValue>, decrypted: NativeItem | undefined): void {
  const reserved: string[] = [ReservedAttribute.MaterialDescription, ReservedAttribute.Signature]
  const names = [
    ...['pk', 'sk'],
    ...Object.keys(stored).filter((n) => n !== 'pk' && n !== 'sk' && !reserved.includes(n)).sort(),
    ...reserved,
  ]
  const rows = [['attribute', 'stored in DynamoDB', 'decrypted by the client'], ...names.map((name) => [
    name,
    formatStoredValue(stored[name]),
    reserved.includes(name) ? '(removed)' : formatNativeValue(decrypted?.[name]),
  ])]
  for (const line of formatColumns(rows)) log(line)
}

function sameDocument(a: NativeItem | undefined, b: NativeItem): boolean {
  if (a === undefined) return false
  const keys = Object.keys(b)
  return keys.length === Object.keys(a).length && keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]))
}

/**
 * The whole story, end to end: an encrypted document client over a most-recent provider whose keys live in a
 * MetaStore (protected by local keys or KMS), a stored record beside its decrypted form, a key rotation with old
 * records still readable, and an unsafe update refused. With no `endpoint` it runs on dynalite in this process and
 * needs no service.
 *
 * @example
 * const summary = await demo({ keysFile: '/tmp/demo-keys.json', log: () => {} })
 * @throws whatever DynamoDB or KMS throws (unchanged), or a core error if the keys file is malformed.
 */
export async function demo(options: DemoOptions = {}): Promise<DemoSummary> {
  const log = options.log ?? ((line: string) => console.log(line))
  const tableName = options.tableName ?? DEMO_TABLE
  const metaTableName = options.metaTableName ?? DEMO_META_TABLE
  const embedded = options.endpoint === undefined ? await startDynalite() : undefined
  const endpoint = options.endpoint ?? embedded?.endpoint
  const region = options.region ?? (embedded ? 'us-west-2' : undefined)
  const ddb = new DynamoDBClient({
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    // dynalite accepts any credentials; real endpoints use the SDK's credential chain.
    ...(embedded ? { credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } } : {}),
  })
  const kms = options.kmsKeyId === undefined ? undefined : new KMSClient({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.kmsEndpoint !== undefined ? { endpoint: options.kmsEndpoint } : {}),
  })
  try {
    log('ddb-encryption demo')
    log(`  DynamoDB: ${embedded ? `dynalite, in this process, at ${embedded.endpoint} (nothing is kept after the demo)` : endpoint}`)

    // 1. The meta provider: what protects the MetaStore rows (the versioned item keys).
    let metaProvider: CryptographicMaterialsProvider
    let keysFile: DemoSummary['keysFile']
    if (options.kmsKeyId !== undefined && kms !== undefined) {
      metaProvider = new DirectKMSMaterialsProvider({ keyId: options.kmsKeyId, kmsClient: kms })
      log(`  MetaStore rows protected by: KMS key ${options.kmsKeyId} (DirectKMSMaterialsProvider)`)
    } else {
      const path = options.keysFile ?? DEMO_KEYS_FILE
      const keys = await loadOrCreateKeys(path)
      metaProvider = new WrappedMaterialsProvider({ wrappingKey: keys.wrappingKey, unwrappingKey: keys.wrappingKey, signingKey: keys.signingKey })
      keysFile = { path, created: keys.created }
      const shown = relative(process.cwd(), path) || path
      log(`  MetaStore rows protected by: local AES-256 wrapping key + HMAC-SHA256 key (WrappedMaterialsProvider)`)
      log(`    keys file ${shown.startsWith('..') ? path : shown} (mode 0600): ${keys.created ? 'created now' : 'reused from an earlier run'}`)
    }

    // 2. Tables.
    const createdTables: string[] = []
    if (await ensureMetaTable(ddb, metaTableName)) createdTables.push(metaTableName)
    if (await ensureDataTable(ddb, tableName)) createdTables.push(tableName)
    log(`  Tables: ${tableName} (data), ${metaTableName} (MetaStore)` +
      (createdTables.length > 0 ? `; created ${createdTables.join(', ')}` : '; both existed'))

    // 3. The encrypted document client over a most-recent provider over the MetaStore.
    const store = new MetaStore({ client: ddb, tableName: metaTableName, materialsProvider: metaProvider })
    const materialsProvider = new MostRecentProvider({ store, materialName: DEMO_MATERIAL_NAME, ttlMs: 60_000 })
    const attributeActions = new AttributeActions({
      attributeActions: { status: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING },
    })
    const docClient = EncryptedDynamoDBDocumentClient.from(ddb, { materialsProvider, attributeActions })

    const pk = 'customer#ada'
    const orders: NativeItem[] = [
      { pk, sk: 1, status: 'paid', card: '4111 1111 1111 1111', total: 42.5, items: ['notebook', 'pen'], note: 'gift wrap' },
      { pk, sk: 2, status: 'shipped', card: '5500 0000 0000 0004', total: 19, items: ['ink'], note: 'leave at door' },
      { pk, sk: 3, status: 'paid', card: '3400 0000 0000 009', total: 7.25, items: ['stamps'], note: 'none' },
      { pk, sk: 4, status: 'pending', card: '6011 0000 0000 0004', total: 120, items: ['lamp', 'bulbs'], note: 'call first' },
    ]
    const [first, second, third, fourth] = orders as [NativeItem, NativeItem, NativeItem, NativeItem]

    log('')
    log('1. Two orders written through EncryptedDynamoDBDocumentClient (MostRecentProvider over the MetaStore)')
    log('   actions: pk, sk signed (keys, never encrypted); status signed only; note left alone; the rest encrypted and signed')
    for (const order of [first, second]) await docClient.send(new PutCommand({ TableName: tableName, Item: order }))
    const versionBefore = await store.maxVersion(DEMO_MATERIAL_NAME)
    if (versionBefore === undefined) throw new Error('The MetaStore has no version after the first write')

    const storedBefore = await storedItems(ddb, tableName, pk)
    const { Items: readBack = [] } = await docClient.send(new QueryCommand({
      TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true,
    }))
    const decryptedFirst = readBack.find((item) => item['sk'] === 1)
    log('')
    log(`   ${pk} / 1, side by side:`)
    printSideBySide(log, storedBefore.get(1) ?? {}, decryptedFirst)

    // 4. Rotation.
    log('')
    log(`2. Rotation: MetaStore.newProvider("${DEMO_MATERIAL_NAME}") creates version ${versionBefore + 1}; then two more orders`)
    await store.newProvider(DEMO_MATERIAL_NAME)
    // This process switches at once; other writers would switch within ttlMs (60 s here).
    await materialsProvider.refresh()
    const versionAfter = await store.maxVersion(DEMO_MATERIAL_NAME)
    if (versionAfter === undefined) throw new Error('The MetaStore has no version after the rotation')
    for (const order of [third, fourth]) await docClient.send(new PutCommand({ TableName: tableName, Item: order }))

    const stored = await storedItems(ddb, tableName, pk)
    const { Items: all = [] } = await docClient.send(new QueryCommand({
      TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true,
    }))
    const record = (order: NativeItem): DemoRecord => {
      const sk = order['sk'] as number
      return {
        pk, sk, metaId: metaIdOf(stored.get(sk)), roundTrip: sameDocument(all.find((item) => item['sk'] === sk), order),
      }
    }
    const before = [first, second].map(record)
    const after = [third, fourth].map(record)
    const rows = [['order', 'amzn-ddb-meta-id', 'written', 'read back and verified'], ...[...before, ...after].map((r, i) => [
      `${r.pk} / ${r.sk}`, r.metaId, i < 2 ? 'before rotation' : 'after rotation', r.roundTrip ? 'yes, same as written' : 'NO',
    ])]
    for (const line of formatColumns(rows)) log(line)

    // 5. An unsafe update: SET on an encrypted attribute would store plaintext next to a now-wrong signature.
    log('')
    log('3. Unsafe update: UpdateCommand SET card = :card (card is encrypted) is refused before anything is sent')
    let refusal: Omit<DemoSummary['refusal'], 'recordUnchanged'> | undefined
    try {
      await docClient.send(new UpdateCommand({
        TableName: tableName, Key: { pk, sk: 1 }, UpdateExpression: 'SET card = :card', ExpressionAttributeValues: { ':card': '4000 0000 0000 0002' },
      }))
    } catch (error) {
      if (!DynamoDBEncryptionError.isInstance(error)) throw error
      refusal = { name: error.name, code: error.code, message: error.message }
    }
    if (refusal === undefined) throw new Error('The unsafe UpdateCommand was not refused')
    log(`    ${refusal.name} [${refusal.code}]`)
    log(`    ${refusal.message}`)
    const { Item: afterRefusal } = await docClient.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 1 }, ConsistentRead: true }))
    const unchanged = sameDocument(afterRefusal, first)
    log(`    ${pk} / 1 afterwards: ${unchanged ? 'unchanged, still verifies' : 'CHANGED'}`)

    log('')
    const ok = [...before, ...after].every((r) => r.roundTrip)
    log(`Done: ${ok ? 'every order round-tripped' : 'SOME ORDERS DID NOT ROUND-TRIP'}; versions ${versionBefore} -> ${versionAfter}; ` +
      `unsafe update refused with ${refusal.code}.`)
    return {
      backend: embedded ? 'dynalite' : 'endpoint',
      metaProtection: options.kmsKeyId !== undefined ? 'kms' : 'local-keys',
      ...(keysFile !== undefined ? { keysFile } : {}),
      tableName,
      metaTableName,
      createdTables,
      before,
      after,
      rotation: { versionBefore, versionAfter },
      refusal: { ...refusal, recordUnchanged: unchanged },
    }
  } finally {
    ddb.destroy()
    kms?.destroy()
    await embedded?.stop()
  }
}

const HELP = `Usage: pnpm demo [options]     (or: node examples/dist/demo.js [options])

Runs the ddb-encryption demo: encrypted records through the document client, a MetaStore key rotation, and a
refused unsafe update. With no option it needs no service: DynamoDB is dynalite, started in this process.

Options (each also read from the environment variable shown):
  --endpoint URL        DynamoDB endpoint (real DynamoDB, e.g. https://dynamodb.us-west-2.amazonaws.com, or
                        DynamoDB Local); tables are created if missing       DDB_ENCRYPTION_DEMO_ENDPOINT
  --table NAME          data table (default ${DEMO_TABLE})   DDB_ENCRYPTION_DEMO_TABLE
  --meta-table NAME     MetaStore table (default ${DEMO_META_TABLE})   DDB_ENCRYPTION_DEMO_META_TABLE
  --kms-key-id ID       protect the MetaStore with this KMS key (DirectKMSMaterialsProvider) instead of the
                        local keys file                                      DDB_ENCRYPTION_DEMO_KMS_KEY_ID
  --kms-endpoint URL    KMS endpoint (LocalStack, moto)                      DDB_ENCRYPTION_DEMO_KMS_ENDPOINT
  --region REGION       AWS region (default: the SDK's; us-west-2 for dynalite)   AWS_REGION
  --keys-file PATH      local keys file (default examples/.demo-data/keys.json, mode 0600, created on first
                        run and reused; keep it as long as its MetaStore table)    DDB_ENCRYPTION_DEMO_KEYS_FILE
  -h, --help            show this help

With --endpoint, credentials come from the SDK's usual chain (environment, profile, role). A MetaStore table keeps
working only with the keys (or KMS key) that protected it first: use another --meta-table when you switch.
`

/** CLI options parsed by {@link parseDemoArgs}. */
export interface DemoCliArguments {
  /** `--help` was given. */
  readonly help: boolean
  /** Options for {@link demo}. */
  readonly options: DemoOptions
}

/**
 * Parses the demo's command line, falling back to its environment variables.
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown option or a missing value (see `--help`).
 */
export function parseDemoArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): DemoCliArguments {
  let values: Record<string, string | boolean | undefined>
  try {
    ({ values } = parseArgs({
      // `pnpm demo -- --help` hands the script a literal `--` first; drop it.
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      options: {
        endpoint: { type: 'string' }, table: { type: 'string' }, 'meta-table': { type: 'string' },
        'kms-key-id': { type: 'string' }, 'kms-endpoint': { type: 'string' }, region: { type: 'string' },
        'keys-file': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (cause) {
    throw new InvalidArgumentError(`${(cause as Error).message}; run with --help for the options`, { cause })
  }
  const pick = (flag: string, variable: string): string | undefined => {
    const value = values[flag]
    const text = typeof value === 'string' ? value : env[variable]
    return text === undefined || text === '' ? undefined : text
  }
  const entries: [keyof DemoOptions, string | undefined][] = [
    ['endpoint', pick('endpoint', 'DDB_ENCRYPTION_DEMO_ENDPOINT')],
    ['tableName', pick('table', 'DDB_ENCRYPTION_DEMO_TABLE')],
    ['metaTableName', pick('meta-table', 'DDB_ENCRYPTION_DEMO_META_TABLE')],
    ['kmsKeyId', pick('kms-key-id', 'DDB_ENCRYPTION_DEMO_KMS_KEY_ID')],
    ['kmsEndpoint', pick('kms-endpoint', 'DDB_ENCRYPTION_DEMO_KMS_ENDPOINT')],
    ['region', pick('region', 'AWS_REGION')],
    ['keysFile', pick('keys-file', 'DDB_ENCRYPTION_DEMO_KEYS_FILE')],
  ]
  const options: DemoOptions = Object.fromEntries(entries.filter(([, v]) => v !== undefined))
  // AWS_REGION alone must not move the embedded demo away from its fixed region; it matters only with real services.
  if (options.endpoint === undefined && options.kmsKeyId === undefined && typeof values['region'] !== 'string') delete options.region
  if (options.keysFile !== undefined) options.keysFile = resolve(options.keysFile)
  return { help: values['help'] === true, options }
}

/** CLI entry point: parses `argv`, runs {@link demo}, returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let parsed: DemoCliArguments
  try {
    parsed = parseDemoArgs(argv)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    return 2
  }
  if (parsed.help) {
    process.stdout.write(HELP)
    return 0
  }
  try {
    await demo(parsed.options)
    return 0
  } catch (error) {
    const code = DynamoDBEncryptionError.isInstance(error) ? ` [${error.code}]` : ''
    process.stderr.write(`demo failed${code}: ${(error as Error).name}: ${(error as Error).message}\n`)
    return 1
  }
}

if (require.main === module) {
  // The SDK warns that future versions need Node 22; that is noise in a demo.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'
  // `pnpm demo | head` closes the pipe early: that is not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  void main().then((code) => { process.exitCode = code })
}
