import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'

/** An error a bridge reported: its exception class name and message. */
export interface BridgeErrorInfo {
  readonly type: string
  readonly message: string
  readonly trace?: string
}

/** How to start one bridge process. */
export interface JsonLinesProcessOptions {
  /** Name used in error messages, e.g. `Python helper`. */
  readonly name: string
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** Milliseconds a single request may take before it fails. */
  readonly requestTimeoutMs: number
}

interface Pending {
  readonly op: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

const STDERR_LINES_KEPT = 40

/**
 * A long-lived child process speaking the bridges' JSON-lines protocol (`python/helper.py`, the Java bridge in
 * `java/`): one request per line on its stdin, `{id, op, ...params}`; one response per line on its stdout,
 * `{id, ok: true, result}` or `{id, ok: false, error: {type, message, trace?}}`. Requests are matched to answers by
 * id, each with a timeout; the end of the child's stderr is put into every error.
 */
export class JsonLinesProcess {
  readonly #child: ChildProcessWithoutNullStreams
  readonly #name: string
  readonly #pending = new Map<number, Pending>()
  readonly #stderr: string[] = []
  readonly #requestTimeoutMs: number
  #nextId = 1
  #exit: string | undefined

  constructor(options: JsonLinesProcessOptions) {
    this.#name = options.name
    this.#requestTimeoutMs = options.requestTimeoutMs
    const child = spawn(options.command, [...options.args], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    this.#child = child
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(line))
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.#stderr.push(line)
      if (this.#stderr.length > STDERR_LINES_KEPT) this.#stderr.shift()
    })
    child.on('error', (error) => this.#failAll(`could not run: ${error.message}`))
    child.on('exit', (code, signal) => this.#failAll(`exited with ${code ?? signal}`))
    child.stdin.on('error', () => {}) // reported through 'exit'
  }

  /** The last lines the child wrote to stderr. */
  get stderr(): string {
    return this.#stderr.join('\n')
  }

  /**
   * Sends one request and resolves with its `result`.
   * @throws Error with the bridge's exception type and message (and the end of stderr) on failure or timeout.
   */
  request(op: string, params: Record<string, unknown>, timeoutMs = this.#requestTimeoutMs): Promise<unknown> {
    if (this.#exit !== undefined) return Promise.reject(this.#error(op, `the ${this.#name} ${this.#exit}`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(this.#error(op, `no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, { op, resolve, reject, timer })
      this.#child.stdin.write(JSON.stringify({ ...params, id, op }) + '\n')
    })
  }

  /** Ends the child (closes its stdin, then kills it if it has not exited within 5 s). */
  async close(): Promise<void> {
    if (this.#exit !== undefined) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.stdin.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }

  #onLine(line: string): void {
    let response: { id?: number; ok?: boolean; result?: unknown; error?: BridgeErrorInfo }
    try {
      response = JSON.parse(line) as typeof response
    } catch {
      this.#stderr.push(`[stdout, not JSON] ${line.slice(0, 500)}`)
      return
    }
    const pending = response.id === undefined ? undefined : this.#pending.get(response.id)
    if (pending === undefined || response.id === undefined) return
    this.#pending.delete(response.id)
    clearTimeout(pending.timer)
    if (response.ok === true) {
      pending.resolve(response.result)
    } else {
      const error = response.error ?? { type: 'Unknown', message: 'no error details' }
      pending.reject(this.#error(pending.op, `${error.type}: ${error.message}${error.trace ? `\n${error.trace}` : ''}`))
    }
  }

  #failAll(why: string): void {
    this.#exit ??= why
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer)
      this.#pending.delete(id)
      pending.reject(this.#error(pending.op, `the ${this.#name} ${why}`))
    }
  }

  #error(op: string, why: string): Error {
    const tail = this.#stderr.length > 0 ? `\nEnd of the ${this.#name}'s stderr:\n${this.#stderr.join('\n')}` : ''
    return new Error(`${this.#name} request "${op}" failed: ${why}${tail}`)
  }
}
