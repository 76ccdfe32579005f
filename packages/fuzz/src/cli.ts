/**
 * `pnpm fuzz [--iterations N] [--seed S]`: at least 1,000,000 mutated inputs by default. Exits 1 on any untyped
 * error, hang, tampered item that decrypted, malformed value accepted, or plaintext value in an error message.
 * Reproduce a run with its seed (keys and IVs are fresh per run; which input is mutated how depends on the seed only).
 *
 * The inputs run in a worker thread, watched from the main thread: an input that uses 5 s of CPU without returning
 * (even a synchronous endless loop, which no in-thread timer can see) is reported as a hang with its input index, and
 * the run fails. CPU time, not wall time, so that waiting for a core on a busy machine is not taken for a hang.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { formatReport, isClean, runFuzz, type FuzzReport } from './fuzz'

/** CPU time (of the whole process) one input may use before the watchdog calls it a hang. */
const WATCHDOG_CPU_MS = 5_000

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const text = at >= 0 ? process.argv[at + 1] : process.env[`FUZZ_${name.toUpperCase()}`]
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`)
  return value
}

interface Job {
  readonly iterations: number
  readonly seed: number
  /** [index of the input being run, -1 while the subjects are built]. */
  readonly heartbeat: Int32Array
}

async function worker(job: Job): Promise<void> {
  const report = await runFuzz({
    iterations: job.iterations,
    seed: job.seed,
    onInput: (index) => Atomics.store(job.heartbeat, 0, index),
    // Through the main thread, which prints at once (a busy worker's console output can lag far behind).
    onProgress: (done, figures) => parentPort?.postMessage({ progress: `  ${done} / ${job.iterations}: ${figures}` }),
    progressEvery: Math.max(10_000, Math.floor(job.iterations / 20)),
  })
  parentPort?.postMessage(report)
}

async function main(): Promise<void> {
  const iterations = argument('iterations', 1_000_000)
  const seed = argument('seed', Date.now() % 0x1_0000_0000)
  console.log(`fuzz: ${iterations} inputs, seed ${seed}`)
  const heartbeat = new Int32Array(new SharedArrayBuffer(4))
  heartbeat[0] = -1
  const thread = new Worker(__filename, { workerData: { iterations, seed, heartbeat } satisfies Job })
  // CPU time, not wall time: on a shared machine (or under nice) the worker may wait seconds for a core.
  const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
  let last = -1
  let since = cpuMs()
  let stopped = false
  const watchdog = setInterval(() => {
    const index = Atomics.load(heartbeat, 0)
    if (index !== last || index === -1) {
      last = index
      since = cpuMs()
    } else if (!stopped && cpuMs() - since > WATCHDOG_CPU_MS) {
      stopped = true
      console.log(`hangs: input #${index} has used ${WATCHDOG_CPU_MS / 1000} s of CPU without returning (seed ${seed}); stopping`)
      process.exitCode = 1
      void thread.terminate()
    }
  }, 250)
  const report = await new Promise<FuzzReport | undefined>((resolve, reject) => {
    thread.on('message', (message: FuzzReport | { progress: string }) => {
      if ('progress' in message) console.log(message.progress)
      else resolve(message)
    })
    thread.once('error', reject)
    thread.once('exit', () => resolve(undefined))
  }).finally(() => clearInterval(watchdog))
  if (report === undefined) {
    process.exitCode = 1
    return
  }
  console.log(formatReport(report))
  if (!isClean(report)) process.exitCode = 1
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 2
  })
} else {
  worker(workerData as Job).catch((error: unknown) => {
    console.error(error)
    process.exit(2)
  })
}
