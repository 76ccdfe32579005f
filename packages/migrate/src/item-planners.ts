import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Item } from '@ddb-encryption/core'
import type { ConfigurationModuleContext, MigrationConfiguration } from './migration-configuration'
import { loadConfigurationModule, withCommandDefaults } from './migration-configuration'
import { ItemPlanner, type ItemPlan, type PlanMode } from './item-planner'
import type { TableSchema } from './table-schema'

/** One item to plan: the stored item and, when copying into another table, the item there (`null`: none). */
export interface PlanTask {
  readonly stored: Item
  readonly destination?: Item | null
}

/** Plans items in this thread or in worker threads; one interface for both. */
export interface PlanRunner {
  planMany(tasks: readonly PlanTask[], mode: PlanMode): Promise<ItemPlan[]>
  /** What a write must find after the job wrote `written` (see ItemPlanner.expectWritten). */
  readonly planner: ItemPlanner
  close(): Promise<void>
}

/** Items planned at once per planner (bounds provider calls in flight, e.g. KMS). */
const PLAN_CONCURRENCY = 16

/** Maps with at most `limit` calls in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run))
  return results
}

/** Plans in the calling thread. */
export function inProcessPlanRunner(planner: ItemPlanner): PlanRunner {
  return {
    planner,
    planMany: (tasks, mode) => mapLimit(tasks, PLAN_CONCURRENCY, (task) => planner.plan(task.stored, mode, task.destination)),
    close: async () => undefined,
  }
}

/** What a worker thread is started with. @internal */
export interface PlanWorkerData {
  readonly configurationModule: string
  readonly context: ConfigurationModuleContext
  readonly schema: TableSchema
  readonly destinationTableName: string
  readonly planConcurrency: number
}

/** A request to a worker. @internal */
export interface PlanRequest {
  readonly id: number
  readonly tasks: readonly PlanTask[]
  readonly mode: PlanMode
}

/** A worker's answer. @internal */
export type PlanResponse =
  | { readonly id: number; readonly plans: ItemPlan[] }
  | { readonly id: number; readonly error: { name: string; message: string; code?: string } }

/** The built worker entry: next to this file, or (running from the TypeScript sources) in dist/. */
function workerEntry(): string {
  const beside = path.join(__dirname, 'plan-worker.js')
  if (fs.existsSync(beside)) return beside
  const built = path.join(__dirname, '..', 'dist', 'plan-worker.js')
  if (fs.existsSync(built)) return built
  throw new Error('The migrate worker entry (dist/plan-worker.js) is missing: build @ddb-encryption/migrate first')
}

/** Items per message to a worker: amortizes the message cost over many items. */
const BATCH = 32

/**
 * Plans in `workers` worker threads (default: one per core). Each worker loads the configuration module itself,
 * because providers hold keys and clients that cannot cross threads. Items go in batches to the least busy worker.
 */
export async function workerPlanRunner(options: {
  configurationModule: string
  context: ConfigurationModuleContext
  schema: TableSchema
  destinationTableName: string
  workers?: number
}): Promise<PlanRunner> {
  const count = options.workers ?? os.availableParallelism()
  if (!Number.isInteger(count) || count < 1) throw new RangeError('"workers" must be a positive integer')
  // The main thread needs a planner too (expectations after a race), from the same module.
  const configuration: MigrationConfiguration = await loadConfigurationModule(options.configurationModule, options.context)
  const planner = new ItemPlanner({ configuration: withCommandDefaults(configuration, options.context.command), schema: options.schema, destinationTableName: options.destinationTableName })
  const data: PlanWorkerData = {
    configurationModule: path.resolve(options.configurationModule),
    context: options.context,
    schema: options.schema,
    destinationTableName: options.destinationTableName,
    planConcurrency: PLAN_CONCURRENCY,
  }
  const entry = workerEntry()
  interface Slot { worker: Worker; busy: number }
  const pending = new Map<number, { resolve: (plans: ItemPlan[]) => void; reject: (error: Error) => void; slot: Slot }>()
  let fatal: Error | undefined
  const slots: Slot[] = []
  for (let i = 0; i < count; i++) {
    const slot: Slot = { worker: new Worker(entry, { workerData: data, env: { ...process.env } }), busy: 0 }
    slot.worker.on('message', (message: PlanResponse) => {
      const waiter = pending.get(message.id)
      if (waiter === undefined) return
      pending.delete(message.id)
      slot.busy--
      if ('plans' in message) waiter.resolve(message.plans)
      else waiter.reject(Object.assign(new Error(message.error.message), { name: message.error.name, code: message.error.code }))
    })
    const failAll = (error: Error): void => {
      fatal ??= error
      for (const [id, waiter] of pending) {
        if (waiter.slot !== slot) continue
        pending.delete(id)
        waiter.reject(error)
      }
    }
    slot.worker.on('error', failAll)
    slot.worker.on('exit', (code) => { if (code !== 0) failAll(new Error(`A migrate worker thread exited with code ${code}`)) })
    slots.push(slot)
  }
  let nextId = 0
  const send = (tasks: readonly PlanTask[], mode: PlanMode): Promise<ItemPlan[]> => {
    if (fatal !== undefined) return Promise.reject(fatal)
    const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a))
    const id = nextId++
    slot.busy++
    return new Promise<ItemPlan[]>((resolve, reject) => {
      pending.set(id, { resolve, reject, slot })
      slot.worker.postMessage({ id, tasks, mode } satisfies PlanRequest)
    })
  }
  return {
    planner,
    async planMany(tasks, mode) {
      const batches: PlanTask[][] = []
      for (let i = 0; i < tasks.length; i += BATCH) batches.push(tasks.slice(i, i + BATCH))
      return (await Promise.all(batches.map((batch) => send(batch, mode)))).flat()
    },
    async close() {
      await Promise.all(slots.map((slot) => slot.worker.terminate()))
    },
  }
}
