import { availableParallelism } from 'node:os'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Item } from '../attribute-value'
import type { CryptoConfig } from '../encryptor/crypto-config'
import { DecryptionError, EncryptionError, InvalidArgumentError } from '../errors'
import { loadConfigFactory, type CryptoConfigFactory } from './config-module'
import { receivedError, type PoolOperation, type TaskMessage, type WorkerData, type WorkerMessage } from './pool-messages'

/** Options of {@link EncryptorPool.start}. */
export interface EncryptorPoolOptions {
  /**
   * Absolute path (or `file:` URL) of a CommonJS or ESM module exporting
   * `createCryptoConfig(name: string, data: unknown): CryptoConfig | Promise<CryptoConfig>`. Every worker thread
   * imports it and builds its own config per name: providers hold `KeyObject`s and SDK clients, which cannot be sent
   * to another thread. `require.resolve('./crypto-config')` gives the path.
   */
  configModule: string
  /** Passed to `createCryptoConfig` as `data` in every thread (structured clone: plain data only). Default `undefined`. */
  configData?: unknown
  /** Worker threads, a positive integer. Default `os.availableParallelism()`. */
  threads?: number
  /** Items sent to a worker per message, a positive integer. Default 32. */
  chunkSize?: number
}

interface Batch {
  readonly operation: PoolOperation
  readonly out: Item[]
  readonly resolve: (items: Item[]) => void
  readonly reject: (error: unknown) => void
  /** Chunks sent or queued and not yet answered. */
  open: number
  failedAt: number
  failure: unknown
}

interface Task {
  readonly batch: Batch
  readonly start: number
  readonly message: TaskMessage
}

interface Slot {
  worker: Worker
  task: Task | undefined
}

const WORKER_SCRIPT = path.join(__dirname, 'pool-worker.js')
const DEFAULT_CHUNK_SIZE = 32

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!(Number.isSafeInteger(value) && (value as number) >= 1)) {
    throw new InvalidArgumentError(`EncryptorPool: "${name}" must be a positive integer`)
  }
  return value as number
}

function moduleUrl(configModule: unknown): string {
  if (typeof configModule === 'string' && configModule.startsWith('file:')) return configModule
  if (typeof configModule !== 'string' || !path.isAbsolute(configModule)) {
    throw new InvalidArgumentError('EncryptorPool: "configModule" must be an absolute path or file: URL; use require.resolve(...)')
  }
  return pathToFileURL(configModule).href
}

/**
 * Worker threads for CPU-bound bulk encryption and decryption (local keys; the item encryptor is synchronous
 * CPU work once materials are at hand), used through {@link encryptItems} / {@link decryptItems} with the `pool`
 * option. Items are cut into chunks; each idle thread takes the next chunk and runs it one item at a time; the
 * results come back in item order.
 *
 * Configuration reaches the threads as a module, not as objects: every thread (and this one, for
 * {@link EncryptorPool.config}) imports `configModule` and calls its `createCryptoConfig(name, configData)` once
 * per config name. Caches live per thread: a MostRecentProvider in each worker reads its store on its own.
 *
 * Threads are kept off the event loop's count while idle, so an unclosed pool does not hold the process open; still,
 * call {@link EncryptorPool.close} when done.
 *
 * @example
 * // crypto-config.js
 * exports.createCryptoConfig = (name, data) => ({ materialsProvider: buildProvider(data), encryptionContext: { tableName: name }, attributeActions })
 * // main
 * const pool = await EncryptorPool.start({ configModule: require.resolve('./crypto-config'), configData: { keyArn }, threads: 2 })
 * const stored = await encryptItems(items, await pool.config('orders'), { pool })
 * await pool.close()
 */
export class EncryptorPool {
  readonly #slots: Slot[] = []
  readonly #queue: Task[] = []
  readonly #data: WorkerData
  readonly #factory: CryptoConfigFactory
  readonly #chunkSize: number
  /** The configs this pool built in this thread, by name and back. */
  readonly #configs = new Map<string, Promise<CryptoConfig>>()
  readonly #names = new WeakMap<CryptoConfig, string>()
  #nextId = 0
  #closed = false

  private constructor(data: WorkerData, factory: CryptoConfigFactory, chunkSize: number) {
    this.#data = data
    this.#factory = factory
    this.#chunkSize = chunkSize
  }

  /**
   * Starts the threads and waits until each has loaded the config module.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a bad option, or a module that cannot be loaded or does
   * not export `createCryptoConfig`.
   */
  static async start(options: EncryptorPoolOptions): Promise<EncryptorPool> {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('EncryptorPool.start: pass { configModule, configData?, threads?, chunkSize? }')
    }
    const url = moduleUrl(options.configModule)
    const threads = positiveInteger(options.threads, 'threads', availableParallelism())
    const chunkSize = positiveInteger(options.chunkSize, 'chunkSize', DEFAULT_CHUNK_SIZE)
    let factory: CryptoConfigFactory
    try {
      factory = await loadConfigFactory(url)
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw error
      throw new InvalidArgumentError('EncryptorPool: the config module could not be loaded', { cause: error })
    }
    const pool = new EncryptorPool({ configModule: url, configData: options.configData }, factory, chunkSize)
    try {
      await Promise.all(Array.from({ length: threads }, () => pool.#spawn()))
    } catch (error) {
      await pool.close()
      throw error
    }
    return pool
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.#slots.length
  }

  /**
   * The config named `name`, built in this thread by the pool's module (once per name): use it for single items
   * here, and pass it with `{ pool }` to {@link encryptItems} / {@link decryptItems} to run a batch on the threads,
   * which build the same name themselves.
   */
  config(name = 'default'): Promise<CryptoConfig> {
    let config = this.#configs.get(name)
    if (config === undefined) {
      config = Promise.resolve(this.#factory(name, structuredClone(this.#data.configData))).then((built) => {
        if (built === null || typeof built !== 'object') {
          throw new InvalidArgumentError(`EncryptorPool: createCryptoConfig("${name}") did not return a CryptoConfig object`)
        }
        this.#names.set(built, name)
        return built
      })
      this.#configs.set(name, config)
    }
    return config
  }

  /**
   * Runs a batch on the threads. Use {@link encryptItems} / {@link decryptItems} with `{ pool }`.
   * @internal
   */
  run(operation: PoolOperation, items: readonly Item[], config: CryptoConfig): Promise<Item[]> {
    const configName = this.#names.get(config)
    if (configName === undefined) {
      return Promise.reject(new InvalidArgumentError('With { pool }, pass a config returned by pool.config(name): the threads build their own copy by name'))
    }
    if (this.#closed) return Promise.reject(new InvalidArgumentError('This EncryptorPool is closed'))
    if (items.length === 0) return Promise.resolve([])
    return new Promise<Item[]>((resolve, reject) => {
      const batch: Batch = { operation, out: new Array<Item>(items.length), resolve, reject, open: 0, failedAt: items.length, failure: undefined }
      for (let start = 0; start < items.length; start += this.#chunkSize) {
        const chunk = items.slice(start, start + this.#chunkSize)
        this.#queue.push({ batch, start, message: { id: this.#nextId++, operation, configName, items: chunk } })
        batch.open += 1
      }
      this.#dispatch()
    })
  }

  /** Stops the threads; batches still running are rejected. */
  async close(): Promise<void> {
    this.#closed = true
    const slots = this.#slots.splice(0)
    for (const task of this.#queue.splice(0)) this.#settle(task, undefined, new InvalidArgumentError('This EncryptorPool was closed'))
    await Promise.all(slots.map(async (slot) => {
      const task = slot.task
      slot.task = undefined
      await slot.worker.terminate()
      if (task !== undefined) this.#settle(task, undefined, new InvalidArgumentError('This EncryptorPool was closed'))
    }))
  }

  /** Starts one worker and resolves once it has loaded the config module. */
  #spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SCRIPT, { workerData: this.#data })
      const slot: Slot = { worker, task: undefined }
      let ready = false
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          ready = true
          worker.unref()
          this.#slots.push(slot)
          resolve()
          this.#dispatch()
        } else if (message.type === 'start-failed') {
          reject(new InvalidArgumentError('EncryptorPool: a worker could not load the config module', { cause: receivedError(message.error) }))
          void worker.terminate()
        } else {
          this.#answer(slot, message)
        }
      })
      worker.on('error', (error) => {
        if (!ready) reject(new InvalidArgumentError('EncryptorPool: a worker failed to start', { cause: error }))
        else this.#lost(slot, error)
      })
      worker.on('exit', (code) => {
        if (!ready) reject(new InvalidArgumentError(`EncryptorPool: a worker exited with code ${code} while starting`))
        else this.#lost(slot, new Error(`worker thread exited with code ${code}`))
      })
    })
  }

  /** A worker died (its code threw outside a task, or it was killed): fail its task and start a replacement. */
  #lost(slot: Slot, cause: unknown): void {
    const index = this.#slots.indexOf(slot)
    if (index < 0) return
    this.#slots.splice(index, 1)
    const task = slot.task
    slot.task = undefined
    if (task !== undefined) {
      const message = 'An EncryptorPool worker thread stopped while it held items'
      this.#settle(task, undefined, task.batch.operation === 'encrypt' ? new EncryptionError(message, { cause }) : new DecryptionError(message, { cause }))
    }
    if (this.#closed) return
    this.#spawn().catch((error: unknown) => {
      // Without any thread left, queued chunks would wait forever: fail them.
      if (this.#slots.length > 0) return
      for (const queued of this.#queue.splice(0)) this.#settle(queued, undefined, error)
    })
  }

  #answer(slot: Slot, message: Extract<WorkerMessage, { type: 'done' | 'failed' }>): void {
    const task = slot.task
    if (task === undefined || task.message.id !== message.id) return
    slot.task = undefined
    if (message.type === 'done') this.#settle(task, message.items, undefined)
    else this.#settle(task, undefined, receivedError(message.error), task.start + message.index)
    this.#dispatch()
  }

  /** Records one chunk's outcome; settles its batch when no chunk of it is open any more. */
  #settle(task: Task, items: readonly Item[] | undefined, error: unknown, failedAt = task.start): void {
    const batch = task.batch
    batch.open -= 1
    if (items !== undefined) {
      for (let i = 0; i < items.length; i++) batch.out[task.start + i] = items[i] as Item
    } else if (failedAt < batch.failedAt) {
      batch.failedAt = failedAt
      batch.failure = error
      // No point running the rest of a failed batch.
      for (let i = this.#queue.length - 1; i >= 0; i--) {
        if ((this.#queue[i] as Task).batch === batch) {
          this.#queue.splice(i, 1)
          batch.open -= 1
        }
      }
    }
    if (batch.open > 0) return
    if (batch.failedAt < batch.out.length) batch.reject(batch.failure)
    else batch.resolve(batch.out)
  }

  /** Hands queued chunks to idle workers; a busy worker keeps the process alive, an idle one does not. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.task !== undefined) continue
      const task = this.#queue.shift()
      if (task === undefined) {
        slot.worker.unref()
        continue
      }
      slot.task = task
      slot.worker.ref()
      slot.worker.postMessage(task.message)
    }
  }
}
