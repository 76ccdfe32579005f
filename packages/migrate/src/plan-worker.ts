/**
 * Worker thread entry of the worker plan runner: loads the configuration module, then plans the batches of items
 * it is sent. Not part of the public API.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ItemPlanner } from './item-planner'
import { mapLimit, type PlanRequest, type PlanResponse, type PlanWorkerData } from './item-planners'
import { loadConfigurationModule, withCommandDefaults } from './migration-configuration'

const data = workerData as PlanWorkerData
const port = parentPort
if (port === null) throw new Error('plan-worker must run in a worker thread')

const ready = loadConfigurationModule(data.configurationModule, data.context).then(
  (configuration) => new ItemPlanner({ configuration: withCommandDefaults(configuration, data.context.command), schema: data.schema, destinationTableName: data.destinationTableName }),
)

port.on('message', (request: PlanRequest) => {
  ready
    .then((planner) => mapLimit(request.tasks, data.planConcurrency, (task) => planner.plan(task.stored, request.mode, task.destination)))
    .then(
      (plans) => port.postMessage({ id: request.id, plans } satisfies PlanResponse),
      (error: unknown) => {
        const e = error as { name?: unknown; message?: unknown; code?: unknown }
        port.postMessage({
          id: request.id,
          error: {
            name: typeof e?.name === 'string' ? e.name : 'Error',
            message: typeof e?.message === 'string' ? e.message : String(error),
            ...(typeof e?.code === 'string' ? { code: e.code } : {}),
          },
        } satisfies PlanResponse)
      },
    )
})
