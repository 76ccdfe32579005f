import { spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { DEFAULT_REGION, FAKE_CREDENTIALS, dynamoDbEndpoint } from '@ddb-encryption/testing'

/** The built CLI (`pnpm test` builds before jest runs). */
export const BIN = path.join(__dirname, '..', '..', 'dist', 'bin.js')

/** Environment of a CLI child: fake credentials, the test keys, no proxies to real AWS. */
export function cliEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_REGION: DEFAULT_REGION,
  }
}

/** Starts `ddb-encryption <args> --endpoint <DynamoDB Local>`. */
export function startCli(args: readonly string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args, '--endpoint', dynamoDbEndpoint()], { env: cliEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exit }
}

/** Runs the CLI to completion. */
export async function runCliProcess(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string; records: Record<string, unknown>[] }> {
  const run = startCli(args)
  const status = await run.exit
  const stdout = run.stdout()
  const records = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
  return { status, stdout, stderr: run.stderr(), records }
}
