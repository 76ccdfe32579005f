import { spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { pythonExecutable } from '@ddb-encryption/testing'
import type { BenchKeys } from './bench-keys'
import type { Contender, Sample } from './measure'

/** Case names understood by `python/bench.py`. */
export type PythonCase = 'static' | 'wrapped-aes' | 'wrapped-rsa' | 'most-recent' | 'direct-kms'

/** Configuration of `python/bench.py --serve` (see its docstring): same item, keys, table, KMS key and MetaStore. */
export interface PythonServerConfig {
  readonly item: Record<string, unknown>
  readonly tableName: string
  readonly partitionKeyName: string
  readonly sortKeyName: string
  readonly keys: BenchKeys
  readonly kms: { readonly endpoint: string; readonly keyArn: string; readonly region: string }
  readonly metaStore: { readonly endpoint: string; readonly tableName: string; readonly materialName: string }
}

/** The script, next to `dist/` in the package. */
export const PYTHON_BENCH_SCRIPT = path.resolve(__dirname, '..', 'python', 'bench.py')

interface ServerResponse {
  readonly ok: boolean
  readonly library?: string
  readonly python?: string
  readonly wallPerSecond?: number
  readonly cpuPerSecond?: number
  readonly operations?: number
  readonly error?: string
}

/** Servers still running, killed if this process is interrupted. */
const running = new Set<ChildProcess>()

/** Kills any Python benchmark still running (used by the Ctrl-C handler). */
export function killPythonBench(): void {
  for (const child of running) child.kill('SIGKILL')
}

/**
 * `python/bench.py --serve` as a long-lived child of this process, run with the virtualenv's interpreter (which has
 * the reference `dynamodb-encryption-sdk`). Each request runs one warm-up or one timed sample in Python and answers
 * with its rate, so {@link interleave} can alternate Python's samples with ours: both then see the same machine load.
 */
export class PythonBenchServer {
  /** Version of the reference library and of CPython, as the server reported them. */
  readonly library: string
  readonly python: string
  readonly #child: ChildProcess
  readonly #connection: Connection

  private constructor(child: ChildProcess, connection: Connection, hello: ServerResponse) {
    this.#child = child
    this.#connection = connection
    this.library = hello.library ?? 'unknown'
    this.python = hello.python ?? 'unknown'
  }

  /** Starts the server, sends it `config` and waits until it has loaded the library. */
  static async start(config: PythonServerConfig): Promise<PythonBenchServer> {
    const child = spawn(pythonExecutable(), [PYTHON_BENCH_SCRIPT, '--serve'], {
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    running.add(child)
    child.once('close', () => running.delete(child))
    const connection = new Connection(child)
    const hello = await connection.request(config)
    if (!hello.ok) throw new Error(`python/bench.py --serve did not start: ${hello.error ?? 'no reason given'}`)
    return new PythonBenchServer(child, connection, hello)
  }

  /** Runs `what` of `caseName` in Python for about `ms` milliseconds (the first request of a case also sets it up). */
  async run(caseName: PythonCase, what: 'encrypt' | 'decrypt', ms: number): Promise<Sample> {
    const response = await this.#connection.request({ case: caseName, what, seconds: ms / 1000 })
    if (!response.ok) throw new Error(`Python reference, case ${caseName} ${what}: ${response.error ?? 'failed'}`)
    return { wallPerSecond: response.wallPerSecond ?? NaN, cpuPerSecond: response.cpuPerSecond ?? NaN, operations: response.operations ?? 0 }
  }

  /** A {@link Contender} for one case and operation. */
  contender(caseName: PythonCase, what: 'encrypt' | 'decrypt'): Contender {
    return {
      warmup: async (ms) => {
        await this.run(caseName, what, ms)
      },
      sample: (ms) => this.run(caseName, what, ms),
    }
  }

  /** Closes the server's stdin (it exits) and kills it if it has not exited within 5 s. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.#child.once('close', () => resolve()))
    this.#child.stdin?.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}

/** One JSON request per line out, one JSON response per line back, in order. */
class Connection {
  readonly #child: ChildProcess
  readonly #pending: ((response: ServerResponse) => void)[] = []
  readonly #stderr: string[] = []
  #buffer = ''
  #closed: string | undefined

  constructor(child: ChildProcess) {
    this.#child = child
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      this.#buffer += chunk
      for (let newline = this.#buffer.indexOf('\n'); newline >= 0; newline = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, newline)
        this.#buffer = this.#buffer.slice(newline + 1)
        const resolve = this.#pending.shift()
        if (resolve === undefined) continue
        try {
          resolve(JSON.parse(line) as ServerResponse)
        } catch {
          resolve({ ok: false, error: `python/bench.py printed a line that is not JSON: ${line.slice(0, 200)}` })
        }
      }
    })
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr.push(chunk)
      if (this.#stderr.length > 50) this.#stderr.shift()
    })
    child.on('error', (error) => this.#fail(`cannot run ${pythonExecutable()}: ${error.message}; run node packages/testing/scripts/ensure-python.js`))
    child.on('close', (code, signal) => this.#fail(`python/bench.py --serve exited with ${code ?? signal}`))
  }

  request(message: unknown): Promise<ServerResponse> {
    if (this.#closed !== undefined) return Promise.resolve({ ok: false, error: this.#closed })
    return new Promise((resolve) => {
      this.#pending.push(resolve)
      this.#child.stdin?.write(`${JSON.stringify(message)}\n`)
    })
  }

  #fail(reason: string): void {
    if (this.#closed !== undefined) return
    const tail = this.#stderr.join('').trimEnd().split('\n').slice(-20).join('\n')
    this.#closed = tail === '' ? reason : `${reason}. End of its stderr:\n${tail}`
    for (const resolve of this.#pending.splice(0)) resolve({ ok: false, error: this.#closed })
  }
}
