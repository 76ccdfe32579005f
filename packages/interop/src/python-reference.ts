import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import * as path from 'node:path'
import { createInterface } from 'node:readline'

import { pythonExecutable } from '@ddb-encryption/testing'

import type { JsonItem } from './dynamodb-json'

/** Path of the JSON-lines helper script (`packages/interop/python/helper.py`). */
export const HELPER_SCRIPT = path.join(__dirname, '..', 'python', 'helper.py')

/** An error the Python side reported: its exception class name and message. */
export interface PythonErrorInfo {
  readonly type: string
  readonly message: string
  readonly trace?: string
}

/** A key handed to the Python helper (a `JceNameLocalDelegatedKey`). */
export interface PythonKeySpec {
  /** Key bytes, base64: raw for AES/HMAC, DER (PKCS#8 / SubjectPublicKeyInfo) for RSA. */
  readonly key: string
  /** JCE algorithm name: `AES`, `HmacSHA256`, `RSA`, `SHA256withRSA`, ... */
  readonly algorithm: string
  /** Default `symmetric`. */
  readonly keyType?: 'symmetric' | 'private' | 'public'
  /** Default `RAW`. */
  readonly encoding?: 'RAW' | 'DER' | 'PEM'
}

/** Configuration of one Python materials provider. */
export type PythonProviderSpec =
  | { readonly type: 'static'; readonly encryptionKey?: PythonKeySpec; readonly signingKey: PythonKeySpec; readonly materialDescription?: Record<string, string> }
  | {
    readonly type: 'wrapped'
    readonly wrappingKey?: PythonKeySpec
    readonly unwrappingKey?: PythonKeySpec
    readonly signingKey: PythonKeySpec
    readonly materialDescription?: Record<string, string>
  }
  | { readonly type: 'kms'; readonly keyId: string; readonly endpoint: string; readonly region?: string; readonly materialDescription?: Record<string, string> }
  | {
    readonly type: 'most_recent'
    readonly endpoint: string
    readonly tableName: string
    readonly materialName: string
    /** Seconds (Python takes a float). Default 300. */
    readonly ttlSeconds?: number
    /** Provider that encrypts the MetaStore rows. */
    readonly metaProvider: PythonProviderSpec
  }

/** Attribute actions as the helper takes them: names of `CryptoAction` members. */
export interface PythonActions {
  readonly default?: 'DO_NOTHING' | 'SIGN_ONLY' | 'ENCRYPT_AND_SIGN'
  readonly overrides?: Readonly<Record<string, 'DO_NOTHING' | 'SIGN_ONLY' | 'ENCRYPT_AND_SIGN'>>
}

/** Where items live (the Python `EncryptionContext` minus `attributes`, which is always the item). */
export interface PythonItemContext {
  readonly tableName?: string
  readonly partitionKeyName?: string
  readonly sortKeyName?: string
}

/** One item of a batch, with its own actions; its context fields, when present, win over the request's. */
export interface PythonItemEntry extends PythonItemContext {
  readonly item: JsonItem
  readonly actions: PythonActions
}

/** Result of one item of a batch. */
export type PythonItemResult =
  | { readonly ok: true; readonly item: JsonItem; /** base64; decrypt with `resign` only */ readonly signature?: string }
  | { readonly ok: false; readonly error: PythonErrorInfo }

/** Table access through the Python `EncryptedTable` / `EncryptedResource` on DynamoDB Local. */
export interface PythonTableTarget {
  readonly provider: string
  readonly endpoint: string
  readonly tableName: string
  readonly actions?: PythonActions
}

/** Options of {@link PythonReference.start}. */
export interface PythonReferenceOptions {
  /** Interpreter; default the virtualenv's (`pythonExecutable()`). */
  readonly python?: string
  /** Milliseconds a single request may take before it fails; default 120 000. */
  readonly requestTimeoutMs?: number
  /** Milliseconds to wait for the helper to answer its first request; default 30 000. */
  readonly startTimeoutMs?: number
}

interface Pending {
  readonly op: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

const STDERR_LINES_KEPT = 40

/**
 * A long-lived `python/helper.py` subprocess driving the Python reference `dynamodb-encryption-sdk` 3.3.0 over JSON
 * lines. Start one per test file (`beforeAll`) and `close()` it in `afterAll`.
 *
 * @example
 * const py = await PythonReference.start()
 * const provider = await py.configure({ type: 'static', encryptionKey, signingKey })
 * const [result] = await py.encryptItems(provider, { tableName: 't' }, [{ item, actions: {} }])
 * await py.close()
 */
export class PythonReference {
  readonly #child: ChildProcessWithoutNullStreams
  readonly #pending = new Map<number, Pending>()
  readonly #stderr: string[] = []
  readonly #requestTimeoutMs: number
  #nextId = 1
  #exit: string | undefined

  private constructor(child: ChildProcessWithoutNullStreams, requestTimeoutMs: number) {
    this.#child = child
    this.#requestTimeoutMs = requestTimeoutMs
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => this.#onLine(line))
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.#stderr.push(line)
      if (this.#stderr.length > STDERR_LINES_KEPT) this.#stderr.shift()
    })
    child.on('error', (error) => this.#failAll(`could not run: ${error.message}`))
    child.on('exit', (code, signal) => this.#failAll(`exited with ${code ?? signal}`))
    child.stdin.on('error', () => {}) // reported through 'exit'
  }

  /**
   * Starts the helper and checks that it answers and runs dynamodb-encryption-sdk 3.3.0.
   * @throws Error when Python cannot start, the library is missing or has another version.
   */
  static async start(options: PythonReferenceOptions = {}): Promise<PythonReference> {
    const python = options.python ?? pythonExecutable()
    const child = spawn(python, ['-u', HELPER_SCRIPT], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const reference = new PythonReference(child, options.requestTimeoutMs ?? 120_000)
    const version = (await reference.request('version', {}, options.startTimeoutMs ?? 30_000)) as { library: string }
    if (version.library !== '3.3.0') {
      await reference.close()
      throw new Error(`The Python helper runs dynamodb-encryption-sdk ${version.library}, expected 3.3.0; run node packages/testing/scripts/ensure-python.js`)
    }
    return reference
  }

  /** The last lines the helper wrote to stderr. */
  get stderr(): string {
    return this.#stderr.join('\n')
  }

  /**
   * Sends one request and resolves with its `result`.
   * @throws Error with the Python exception type and message (and the end of stderr) on failure or timeout.
   */
  request(op: string, params: Record<string, unknown>, timeoutMs = this.#requestTimeoutMs): Promise<unknown> {
    if (this.#exit !== undefined) return Promise.reject(this.#error(op, `the helper ${this.#exit}`))
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

  /** Configures a Python materials provider; resolves with its id for later requests. */
  async configure(spec: PythonProviderSpec): Promise<string> {
    const { provider } = (await this.request('configure', { spec })) as { provider: string }
    return provider
  }

  /** Encrypts each entry with `encrypt_dynamodb_item`; per-item results in input order. */
  async encryptItems(provider: string, context: PythonItemContext, entries: readonly PythonItemEntry[]): Promise<PythonItemResult[]> {
    return (await this.request('encrypt_items', { provider, ...context, entries })) as PythonItemResult[]
  }

  /**
   * Decrypts each entry with `decrypt_dynamodb_item`; with `resign`, each result also carries the signature Python
   * computes over the stored item with the key it verified with (for byte comparison).
   */
  async decryptItems(
    provider: string,
    context: PythonItemContext,
    entries: readonly PythonItemEntry[],
    options: { resign?: boolean } = {},
  ): Promise<PythonItemResult[]> {
    return (await this.request('decrypt_items', { provider, ...context, entries, resign: options.resign ?? false })) as PythonItemResult[]
  }

  /** Clears the provider's caches (`CachingMostRecentProvider.refresh`). */
  async refresh(provider: string): Promise<void> {
    await this.request('refresh', { provider })
  }

  /** Rotates: the provider's MetaStore creates max version + 1 (`MetaStore.new_provider`); resolves with the new max version. */
  async metaNewProvider(provider: string): Promise<number> {
    return ((await this.request('meta_new_provider', { provider })) as { version: number }).version
  }

  /** The MetaStore's max version of the provider's material name. */
  async metaMaxVersion(provider: string): Promise<number> {
    return ((await this.request('meta_max_version', { provider })) as { version: number }).version
  }

  /** Writes items with the Python `EncryptedTable.put_item`. */
  async tablePut(target: PythonTableTarget, items: readonly JsonItem[]): Promise<void> {
    await this.request('table_put', { ...target, items })
  }

  /** Reads items by key with `EncryptedTable.get_item` (consistent); `null` where there is none. */
  async tableGet(target: PythonTableTarget, keys: readonly JsonItem[]): Promise<Array<JsonItem | null>> {
    return (await this.request('table_get', { ...target, keys })) as Array<JsonItem | null>
  }

  /** Every item of one partition with `EncryptedTable.query` (all pages). */
  async tableQuery(target: PythonTableTarget, partitionKey: JsonItem): Promise<JsonItem[]> {
    return (await this.request('table_query', { ...target, partitionKey })) as JsonItem[]
  }

  /** Reads items by key with `EncryptedResource.batch_get_item` (unprocessed keys retried). */
  async tableBatchGet(target: PythonTableTarget, keys: readonly JsonItem[]): Promise<JsonItem[]> {
    return (await this.request('table_batch_get', { ...target, keys })) as JsonItem[]
  }

  /** Ends the helper (closes its stdin, then kills it if it has not exited within 5 s). */
  async close(): Promise<void> {
    if (this.#exit !== undefined) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.stdin.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }

  #onLine(line: string): void {
    let response: { id?: number; ok?: boolean; result?: unknown; error?: PythonErrorInfo }
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
      pending.reject(this.#error(pending.op, `the helper ${why}`))
    }
  }

  #error(op: string, why: string): Error {
    const tail = this.#stderr.length > 0 ? `\nEnd of the helper's stderr:\n${this.#stderr.join('\n')}` : ''
    return new Error(`Python helper request "${op}" failed: ${why}${tail}`)
  }
}
