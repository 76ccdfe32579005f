import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KMSClient } from '@aws-sdk/client-kms'
import { createDynamoDBClient, createKMSClient, createKmsKey, deleteTestTable, dynamoDbEndpoint, kmsEndpoint } from '@ddb-encryption/testing'
import { DEMO_MATERIAL_NAME, demo, parseDemoArgs, type DemoSummary } from '../src/demo'

jest.setTimeout(60_000) // services share 2 cores with other runs

let dir: string
const lines: string[] = []
const log = (line: string): void => { lines.push(line) }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ddb-encryption-demo-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => { lines.length = 0 })

const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

function expectStory(summary: DemoSummary, versionBefore: number): void {
  expect(summary.rotation).toEqual({ versionBefore, versionAfter: versionBefore + 1 })
  expect(summary.before.map((r) => [r.sk, r.metaId, r.roundTrip])).toEqual([
    [1, `${DEMO_MATERIAL_NAME}#${versionBefore}`, true],
    [2, `${DEMO_MATERIAL_NAME}#${versionBefore}`, true],
  ])
  expect(summary.after.map((r) => [r.sk, r.metaId, r.roundTrip])).toEqual([
    [3, `${DEMO_MATERIAL_NAME}#${versionBefore + 1}`, true],
    [4, `${DEMO_MATERIAL_NAME}#${versionBefore + 1}`, true],
  ])
  expect(summary.refusal).toMatchObject({ name: 'UnsupportedOperationError', code: 'ERR_UNSUPPORTED_OPERATION', recordUnchanged: true })
  expect(summary.refusal.message).toContain('"card"')
}

describe('demo on dynalite (no service)', () => {
  it('creates the keys file (mode 0600) on the first run and tells the whole story', async () => {
    const keysFile = join(dir, 'first', 'keys.json')
    const summary = await demo({ keysFile, log })
    expect(summary).toMatchObject({ backend: 'dynalite', metaProtection: 'local-keys', keysFile: { path: keysFile, created: true } })
    expect([...summary.createdTables].sort()).toEqual([summary.metaTableName, summary.tableName].sort())
    expectStory(summary, 0)
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600)
    const keys = JSON.parse(await readFile(keysFile, 'utf8')) as Record<string, string>
    expect(Buffer.from(keys['wrappingKey'] ?? '', 'base64')).toHaveLength(32)
    expect(Buffer.from(keys['signingKey'] ?? '', 'base64')).toHaveLength(32)
    // The printed story: stored ciphertext shown by length and prefix, plaintext only in the decrypted column.
    const cardLine = lines.find((l) => l.trim().startsWith('card '))
    expect(cardLine).toMatch(/B \d+ bytes [0-9a-f]{16}…\s+"4111 1111 1111 1111"/)
    expect(lines.some((l) => l.includes('ERR_UNSUPPORTED_OPERATION'))).toBe(true)
  })

  it('reuses the keys file on a second run', async () => {
    const keysFile = join(dir, 'twice', 'keys.json')
    await demo({ keysFile, log })
    const before = await readFile(keysFile, 'utf8')
    const summary = await demo({ keysFile, log })
    expect(summary.keysFile).toEqual({ path: keysFile, created: false })
    expect(await readFile(keysFile, 'utf8')).toBe(before)
    expectStory(summary, 0)
  })

  it('refuses a malformed keys file without printing its contents', async () => {
    const keysFile = join(dir, 'bad.json')
    await writeFile(keysFile, JSON.stringify({ wrappingKey: 'c2hvcnQ=', signingKey: 'c2hvcnQ=' }), { mode: 0o600 })
    const error: unknown = await demo({ keysFile, log }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('must be 32 bytes in base64') })
    expect((error as Error).message).not.toContain('c2hvcnQ=')
  })
})

describe('demo against an endpoint (DynamoDB Local)', () => {
  let kms: KMSClient
  const created: string[] = []
  beforeAll(() => { kms = createKMSClient() })
  afterAll(async () => {
    const ddb = createDynamoDBClient()
    try {
      await Promise.all(created.map((t) => deleteTestTable(ddb, t)))
    } finally {
      ddb.destroy()
      kms.destroy()
    }
  })

  it('creates missing tables, then reuses them: the second run rotates to the next version', async () => {
    const options = { endpoint: dynamoDbEndpoint(), region: 'us-west-2', tableName: unique('demo-data'), metaTableName: unique('demo-meta'), keysFile: join(dir, 'endpoint', 'keys.json'), log }
    created.push(options.tableName, options.metaTableName)
    const first = await demo(options)
    expect(first.backend).toBe('endpoint')
    expect(first.createdTables).toHaveLength(2)
    expectStory(first, 0)
    // The MetaStore rows written by the first run decrypt only because the keys file was reused.
    const second = await demo(options)
    expect(second.createdTables).toEqual([])
    expect(second.keysFile?.created).toBe(false)
    expectStory(second, 1)
    // Other local keys cannot read that MetaStore.
    const error: unknown = await demo({ ...options, keysFile: join(dir, 'other', 'keys.json') }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_(SIGNATURE_VERIFICATION_FAILED|UNWRAPPING_FAILED|DECRYPTION_FAILED)$/) })
  })

  it('protects the MetaStore with KMS when given --kms-key-id', async () => {
    const { keyId } = await createKmsKey(kms, { description: 'demo' })
    const tables = { tableName: unique('demo-data'), metaTableName: unique('demo-meta') }
    created.push(tables.tableName, tables.metaTableName)
    const summary = await demo({ endpoint: dynamoDbEndpoint(), kmsEndpoint: kmsEndpoint(), kmsKeyId: keyId, region: 'us-west-2', ...tables, log })
    expect(summary.metaProtection).toBe('kms')
    expect(summary.keysFile).toBeUndefined()
    expectStory(summary, 0)
    expect(lines.some((l) => l.includes(`KMS key ${keyId}`))).toBe(true)
  })
})

describe('parseDemoArgs', () => {
  it('reads flags first, then environment variables', () => {
    const { help, options } = parseDemoArgs(
      ['--endpoint', 'http://localhost:8000', '--table', 't', '--kms-key-id', 'alias/k'],
      { DDB_ENCRYPTION_DEMO_META_TABLE: 'm', DDB_ENCRYPTION_DEMO_TABLE: 'ignored', AWS_REGION: 'eu-west-1' },
    )
    expect(help).toBe(false)
    expect(options).toEqual({ endpoint: 'http://localhost:8000', tableName: 't', metaTableName: 'm', kmsKeyId: 'alias/k', region: 'eu-west-1' })
  })

  it('ignores AWS_REGION for the embedded demo but honours --region', () => {
    expect(parseDemoArgs([], { AWS_REGION: 'eu-west-1' }).options).toEqual({})
    expect(parseDemoArgs(['--region', 'eu-west-1'], {}).options).toEqual({ region: 'eu-west-1' })
  })

  it('recognises --help and -h', () => {
    expect(parseDemoArgs(['--help'], {}).help).toBe(true)
    expect(parseDemoArgs(['-h'], {}).help).toBe(true)
    expect(parseDemoArgs(['--', '--help'], {}).help).toBe(true) // pnpm demo -- --help
  })

  it('refuses an unknown option with ERR_INVALID_ARGUMENT', () => {
    expect(() => parseDemoArgs(['--tabel', 'x'], {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('--help') }))
  })
})
