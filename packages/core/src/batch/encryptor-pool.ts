import { availableParallelism } from 'node:os'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Item } from '../attribute-value'
import type { CryptoConfig } from '../encryptor/crypto-config'
import { DecryptionError, EncryptionError, InvalidArgumentError } from '../errors'
import { loadConfigFactory, type CryptoConfigFactory } from './config-module'
import { decryptItem } from '../encryptor/decrypt-item'
import { encryptItem } from '../encryptor/encrypt-item'
import { TransportReader, TransportWriter, type TopLevel } from './item-transport'
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
  /**
   * Most items sent to a worker per message, a positive integer (chunks get smaller towards the end of a batch, so
   * the threads finish together and a small batch still reaches every thread). Default 32.
   */
  chunkSize?: number
  /**
   * Also run part of every batch in the calling thread, between handing chunks to the workers (8 items at a time,
   * so the workers' answers are not held up for long). Items run here skip the trip to a worker, whose cost (about
   * a third of an item's own work, measured on a busy 2-core machine, most of it in this thread) bounds what the
   * workers alone can gain; it blocks this thread's event loop for those items. On N cores, `threads: N - 1` with
   * this option gives each core one thread, and this one does the cheapest items (no trip); the bench's cores case
   * measures it beside the plain pools. Default false.
   */
  useCallingThread?: boolean
}

interface Batch {
  readonly operation: PoolOperation
  readonly items: readonly Item[]
  /** The config in this thread, for the items the transport cannot carry (they run here). */
  readonly config: CryptoConfig
  readonly configName: string
  readonly chunkSize: number
  readonly out: Item[]
  readonly resolve: (items: Item[]) => void
  readonly reject: (error: unknown) => void
  /** First item not yet cut into a chunk (the batch's length once it failed: nothing more is sent). */
  next: number
  /** Chunks on workers and items running here, not yet answered. */
  open: number
  failedAt: number
  failure: unknown
  settled: boolean
  /** Items run in this thread, one after the other. */
  here: Promise<void>
}

interface Task {
  readonly id: number
  readonly batch: Batch
  /** The batch index of each item of the chunk, in order. */
  readonly indexes: readonly number[]
  /** Each item's attributes as sent: its result shares the values the worker left unchanged, as in-thread. */
  readonly inputs: readonly TopLevel[]
}

interface Slot {
  worker: Worker
  /** Chunks sent and not yet answered, oldest first (the worker answers in order). */
  readonly tasks: Task[]
}

const WORKER_SCRIPT = path.join(__dirname, 'pool-worker.js')
const DEFAULT_CHUNK_SIZE = 32
/**
 * Chunks in flight per worker: with 2, the next chunk is already waiting when the worker finishes one, so it never
 * idles while this thread decodes its results and encodes the next chunk.
 */
const IN_FLIGHT = 2
/** Smallest chunk cut for a batch's tail. */
const MIN_GUIDED_CHUNK = 8

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
 * option. Items are cut into chunks, each encoded into one buffer that is moved (not copied) to a thread, which
 * runs it one item at a time and moves the results back the same way (item-transport.ts: a result as its difference
 * from its item, decrypted attributes as their plaintext bytes, deserialized here); every thread holds up to
 * two chunks, so it never waits for this one. Results come back in item order, with the error of the lowest-index
 * failing item. An item the encoding cannot carry exactly (not a plain item of AttributeValue objects) runs in this
 * thread instead, so its result or error is the in-thread one.
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
  /** Batches with items not yet cut into chunks, oldest first. */
  readonly #queue: Batch[] = []
  readonly #data: WorkerData
  readonly #factory: CryptoConfigFactory
  readonly #chunkSize: number
  readonly #useCallingThread: boolean
  /** This thread is running a share of a batch. */
  #callerBusy = false
  /** The configs this pool built in this thread, by name and back. */
  readonly #configs = new Map<string, Promise<CryptoConfig>>()
  readonly #names = new WeakMap<CryptoConfig, string>()
  #nextId = 0
  #closed = false
  /** Bytes per encoded item of the last chunk: sizes the next chunk's buffer so it seldom grows. */
  #itemBytes = 1024

  private constructor(data: WorkerData, factory: CryptoConfigFactory, chunkSize: number, useCallingThread: boolean) {
    this.#useCallingThread = useCallingThread
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
      throw new InvalidArgumentError('EncryptorPool.start: pass { configModule, configData?, threads?, chunkSize?, useCallingThread? }')
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
    const useCallingThread = options.useCallingThread ?? false
    if (typeof useCallingThread !== 'boolean') throw new InvalidArgumentError('EncryptorPool: "useCallingThread" must be true or false')
    const pool = new EncryptorPool({ configModule: url, configData: options.configData }, factory, chunkSize, useCallingThread)
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
    const chunkSize = this.#chunkSize
    return new Promise<Item[]>((resolve, reject) => {
      this.#queue.push({
        operation, items, config, configName, chunkSize, out: new Array<Item>(items.length), resolve, reject,
        next: 0, open: 0, failedAt: items.length, failure: undefined, settled: false, here: Promise.resolve(),
      })
      this.#dispatch()
    })
  }

  /** Stops the threads; batches still running are rejected. */
  async close(): Promise<void> {
    this.#closed = true
    const slots = this.#slots.splice(0)
    const closed = (): InvalidArgumentError => new InvalidArgumentError('This EncryptorPool was closed')
    for (const batch of this.#queue.splice(0)) {
      this.#fail(batch, batch.next, closed())
      this.#finish(batch)
    }
    await Promise.all(slots.map(async (slot) => {
      const tasks = slot.tasks.splice(0)
      await slot.worker.terminate()
      for (const task of tasks) this.#settleFailed(task, 0, closed())
    }))
  }

  /** Starts one worker and resolves once it has loaded the config module. */
  #spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SCRIPT, { workerData: this.#data })
      const slot: Slot = { worker, tasks: [] }
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

  /** A worker died (its code threw outside a task, or it was killed): fail its chunks and start a replacement. */
  #lost(slot: Slot, cause: unknown): void {
    const index = this.#slots.indexOf(slot)
    if (index < 0) return
    this.#slots.splice(index, 1)
    const message = 'An EncryptorPool worker thread stopped while it held items'
    for (const task of slot.tasks.splice(0)) {
      this.#settleFailed(task, 0, task.batch.operation === 'encrypt' ? new EncryptionError(message, { cause }) : new DecryptionError(message, { cause }))
    }
    if (this.#closed) return
    this.#spawn().catch((error: unknown) => {
      // Without any thread left, queued batches would wait forever: fail them.
      if (this.#slots.length > 0) return
      for (const batch of this.#queue.splice(0)) {
        this.#fail(batch, batch.next, error)
        this.#finish(batch)
      }
    })
  }

  #answer(slot: Slot, message: Extract<WorkerMessage, { type: 'done' | 'failed' }>): void {
    const at = slot.tasks.findIndex((task) => task.id === message.id)
    if (at < 0) return
    const task = slot.tasks.splice(at, 1)[0] as Task
    if (message.type === 'failed') {
      this.#settleFailed(task, message.index, receivedError(message.error))
    } else {
      const batch = task.batch
      const reader = new TransportReader(message.buffer, message.length)
      try {
        // Items below the lowest failure recorded so far are still read: one of them may fail lower (its plaintext
        // does not parse) when another chunk failed first. What comes after that failure is only wiped.
        for (let k = 0; k < task.indexes.length; k++) {
          const index = task.indexes[k] as number
          if (index >= batch.failedAt) break
          try {
            batch.out[index] = reader.result(task.inputs[k] as TopLevel)
          } catch (error) {
            // A decrypted plaintext that does not parse (item-transport.ts): this item's error, as in-thread.
            this.#fail(batch, index, error)
            break
          }
        }
      } finally {
        reader.wipe()
      }
      batch.open -= 1
      this.#finish(batch)
    }
    this.#dispatch()
  }

  /** Item `position` of `task` failed with `error` (the chunk's items before it are dropped). */
  #settleFailed(task: Task, position: number, error: unknown): void {
    this.#fail(task.batch, task.indexes[position] ?? (task.indexes[0] as number), error)
    task.batch.open -= 1
    this.#finish(task.batch)
  }

  /** Records a failure of item `index`; the lowest index wins, and nothing more of the batch is started. */
  #fail(batch: Batch, index: number, error: unknown): void {
    if (index < batch.failedAt) {
      batch.failedAt = index
      batch.failure = error
    }
    batch.next = batch.items.length
  }

  /** Settles the batch once every item was cut and every chunk answered. */
  #finish(batch: Batch): void {
    if (batch.settled || batch.open > 0 || batch.next < batch.items.length) return
    batch.settled = true
    if (batch.failedAt < batch.items.length) batch.reject(batch.failure)
    else batch.resolve(batch.out)
  }

  /**
   * The next chunk to send, encoded: items the transport cannot carry exactly are run in this thread instead (so
   * their result or error is the in-thread one). Undefined when no batch has items left to send.
   */
  #cut(): (Task & { readonly send: TaskMessage }) | undefined {
    for (;;) {
      const batch = this.#queue[0]
      if (batch === undefined) return undefined
      if (batch.next >= batch.items.length) {
        this.#queue.shift()
        this.#finish(batch)
        continue
      }
      const start = batch.next
      // Chunks shrink as the batch nears its end (guided scheduling), so that the threads finish together: with
      // fixed 32-item chunks one thread could idle for most of a chunk (~2 ms) at the end of each 512-item batch.
      // Not below 8 items (each message costs tens of µs, more on a busy machine), except that a small batch is
      // still cut so that every thread gets a share.
      const threads = Math.max(this.#slots.length, 1)
      const share = Math.ceil((batch.items.length - start) / (threads * IN_FLIGHT))
      const floor = Math.min(MIN_GUIDED_CHUNK, Math.ceil(batch.items.length / threads))
      const end = Math.min(start + Math.min(batch.chunkSize, Math.max(share, floor)), batch.items.length)
      batch.next = end
      const writer = new TransportWriter(Math.ceil(this.#itemBytes * (end - start) * 1.25))
      const indexes: number[] = []
      const inputs: TopLevel[] = []
      for (let i = start; i < end; i++) {
        const input: TopLevel = { names: [], values: [] }
        if (writer.tryItem(batch.items[i] as Item, input)) {
          indexes.push(i)
          inputs.push(input)
        } else {
          this.#runHere(batch, i)
        }
      }
      if (indexes.length === 0) continue
      this.#itemBytes = Math.max(64, Math.ceil(writer.position / indexes.length))
      batch.open += 1
      const id = this.#nextId++
      const buffer = writer.transfer()
      return { id, batch, indexes, inputs, send: { id, operation: batch.operation, configName: batch.configName, count: indexes.length, buffer, length: writer.position } }
    }
  }

  /** Runs item `index` of the batch in this thread, after the batch's other such items. */
  #runHere(batch: Batch, index: number): void {
    batch.open += 1
    const operation = batch.operation === 'encrypt' ? encryptItem : decryptItem
    batch.here = batch.here.then(async () => {
      if (batch.failedAt < batch.items.length) return
      try {
        batch.out[index] = await operation(batch.items[index] as Item, batch.config)
      } catch (error) {
        this.#fail(batch, index, error)
      }
    }).finally(() => {
      batch.open -= 1
      this.#finish(batch)
    })
  }

  /**
   * Hands chunks to workers, up to {@link IN_FLIGHT} each (every worker gets one before any gets a second); a busy
   * worker keeps the process alive, an idle one does not.
   */
  #dispatch(): void {
    fill: for (let depth = 1; depth <= IN_FLIGHT; depth++) {
      for (const slot of this.#slots) {
        if (slot.tasks.length >= depth) continue
        const next = this.#cut()
        if (next === undefined) break fill
        const { send, ...task } = next
        slot.tasks.push(task)
        slot.worker.ref()
        slot.worker.postMessage(send, [send.buffer])
      }
    }
    for (const slot of this.#slots) if (slot.tasks.length === 0) slot.worker.unref()
    if (this.#useCallingThread && !this.#callerBusy) this.#workHere()
  }

  /** With `useCallingThread`: runs the next few items of the oldest batch in this thread. */
  #workHere(): void {
    let batch = this.#queue[0]
    while (batch !== undefined && batch.next >= batch.items.length) {
      this.#queue.shift()
      this.#finish(batch)
      batch = this.#queue[0]
    }
    if (batch === undefined) return
    const start = batch.next
    const end = Math.min(start + MIN_GUIDED_CHUNK, batch.items.length)
    batch.next = end
    batch.open += 1
    this.#callerBusy = true
    const operation = batch.operation === 'encrypt' ? encryptItem : decryptItem
    const run = async (): Promise<void> => {
      for (let i = start; i < end && batch.failedAt === batch.items.length; i++) {
        try {
          batch.out[i] = await operation(batch.items[i] as Item, batch.config)
        } catch (error) {
          this.#fail(batch, i, error)
        }
      }
    }
    void run().finally(() => {
      batch.open -= 1
      this.#finish(batch)
      this.#callerBusy = false
      // After the workers' answers that arrived meanwhile (setImmediate runs after pending I/O callbacks).
      if (!this.#closed) setImmediate(() => this.#dispatch())
    })  }
}
