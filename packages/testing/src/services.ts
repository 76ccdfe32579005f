import {
  startDynamoDbLocal as startDynamoDbLocalImpl,
  startMotoServer as startMotoServerImpl,
  startServices as startServicesImpl,
  type RunningService,
  type StartedServices,
} from '../lib/services.js'

export type { RunningService, StartedServices }

/** Options of {@link startDynamoDbLocal} and {@link startMotoServer}. */
export interface StartServiceOptions {
  /** Milliseconds to wait for the service to answer; default 60 000. */
  timeoutMs?: number
}

/** Options of {@link startServices}. */
export interface StartServicesOptions extends StartServiceOptions {
  /**
   * Write the endpoint, python and fake AWS credential variables to `process.env` (so {@link dynamoDbEndpoint},
   * child processes and SDK clients see them); default true.
   */
  exportEnv?: boolean
  /** Progress messages (startup times); default silent. */
  log?: (message: string) => void
}

/**
 * Starts DynamoDB Local (`-inMemory -sharedDb`, Java 17+) on a free loopback port and waits until ListTables answers.
 * The process is supervised: it stops when `stop()` is called or when this process exits or dies.
 * @throws ServiceStartError when Java is missing or the service does not answer in time (message includes its output).
 */
export function startDynamoDbLocal(options: StartServiceOptions = {}): Promise<RunningService> {
  return startDynamoDbLocalImpl(options)
}

/**
 * Starts moto's server (`<repo>/.venv/bin/moto_server`, created by ensure-python on first use) on a free loopback
 * port and waits until it answers HTTP. Stops with `stop()` or when this process exits or dies.
 * @throws ServiceStartError / EnsurePythonError when Python is missing or the server does not answer in time.
 */
export function startMotoServer(options: StartServiceOptions = {}): Promise<RunningService> {
  return startMotoServerImpl(options)
}

/**
 * Makes DynamoDB Local, moto's KMS and the venv's python available for code running outside jest (bench, demos),
 * reusing `DDB_ENCRYPTION_DYNAMODB_ENDPOINT` / `DDB_ENCRYPTION_KMS_ENDPOINT` / `DDB_ENCRYPTION_PYTHON` when set and
 * starting the rest in parallel. `stop()` stops only what was started here.
 * @example
 * const services = await startServices()
 * try {
 *   const ddb = createDynamoDBClient()
 *   // ...
 * } finally {
 *   await services.stop()
 * }
 */
export function startServices(options: StartServicesOptions = {}): Promise<StartedServices> {
  return startServicesImpl(options)
}
