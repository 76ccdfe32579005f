import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/** How long and how often one measurement runs. */
export interface MeasureOptions {
  /** Milliseconds of untimed warm-up before the first sample. */
  readonly warmupMs: number
  /** Milliseconds each timed sample runs (whole operations only; the last one may overrun a little). */
  readonly sampleMs: number
  /** Number of timed samples; the reported rate is their median. */
  readonly samples: number
}

/** One timed sample: operations per wall-clock second and per CPU second of the measuring process. */
export interface Sample {
  readonly wallPerSecond: number
  readonly cpuPerSecond: number
  readonly operations: number
}

/** Result of one throughput measurement. */
export interface Rate {
  /** Median operations per wall-clock second over the samples. */
  readonly perSecond: number
  /** Median operations per CPU second of the measuring process (less sensitive to other load on the machine). */
  readonly cpuPerSecond: number
  /** Each sample's operations per wall-clock second. */
  readonly samples: readonly number[]
  /** Operations run in the timed samples (warm-up excluded). */
  readonly operations: number
}

/** Something that can be measured in samples: our code in this process, or the Python reference in its own. */
export interface Contender {
  /** Runs untimed for about `ms` milliseconds. */
  warmup(ms: number): Promise<void>
  /** Runs timed for about `ms` milliseconds. */
  sample(ms: number): Promise<Sample>
}

/** Default: 0.5 s warm-up, then the median of 3 samples of 1.5 s. */
export const DEFAULT_MEASURE: MeasureOptions = Object.freeze({ warmupMs: 500, sampleMs: 1500, samples: 3 })

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

/** A contender that runs `operation` back to back in this process, each call awaited before the next. */
export function asyncContender(operation: () => Promise<unknown>): Contender {
  return {
    async warmup(ms) {
      const end = performance.now() + ms
      while (performance.now() < end) await operation()
    },
    async sample(ms) {
      const cpuStart = cpuSeconds()
      const start = performance.now()
      const end = start + ms
      let count = 0
      let now = start
      while (now < end) {
        await operation()
        count += 1
        now = performance.now()
      }
      const cpu = cpuSeconds() - cpuStart
      return { wallPerSecond: (count * 1000) / (now - start), cpuPerSecond: cpu > 0 ? count / cpu : NaN, operations: count }
    },
  }
}

/** A contender that runs a synchronous `operation` back to back (the bare node:crypto floor). */
export function syncContender(operation: () => unknown): Contender {
  return {
    async warmup(ms) {
      const end = performance.now() + ms
      while (performance.now() < end) operation()
    },
    async sample(ms) {
      const cpuStart = cpuSeconds()
      const start = performance.now()
      const end = start + ms
      let count = 0
      let now = start
      while (now < end) {
        operation()
        count += 1
        now = performance.now()
      }
      const cpu = cpuSeconds() - cpuStart
      return { wallPerSecond: (count * 1000) / (now - start), cpuPerSecond: cpu > 0 ? count / cpu : NaN, operations: count }
    },
  }
}

/**
 * Measures several contenders interleaved: each warms up, then for each round every contender takes one sample in
 * turn. On a shared machine whose load changes by the second, this gives each of them the same conditions, so the
 * ratios between them mean something even when the absolute rates move.
 */
export async function interleave(contenders: readonly Contender[], options: MeasureOptions = DEFAULT_MEASURE): Promise<Rate[]> {
  for (const contender of contenders) await contender.warmup(options.warmupMs)
  const samples: Sample[][] = contenders.map(() => [])
  for (let round = 0; round < options.samples; round += 1) {
    for (const [i, contender] of contenders.entries()) {
      await quietMachine()
      samples[i]!.push(await contender.sample(options.sampleMs))
    }
  }
  return samples.map((list) => ({
    perSecond: median(list.map((s) => s.wallPerSecond)),
    cpuPerSecond: median(list.map((s) => s.cpuPerSecond)),
    samples: list.map((s) => s.wallPerSecond),
    operations: list.reduce((sum, s) => sum + s.operations, 0),
  }))
}

/** Busy and total jiffies of all CPUs from /proc/stat (Linux), or undefined elsewhere. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((sum, value) => sum + value, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

/**
 * Waits (up to 3 s) until the machine is quiet: less than 10% of one CPU busy over 100 ms while this process sleeps.
 * A reference's sample can leave work running after it answers (the JVM's JIT compiler and GC threads); without this
 * wait that work would run during the next contender's sample and be charged to it, on a machine of two cores.
 */
async function quietMachine(): Promise<void> {
  const deadline = performance.now() + 3000
  while (performance.now() < deadline) {
    const before = machineJiffies()
    await sleep(100)
    const after = machineJiffies()
    if (before === undefined || after === undefined) return
    const elapsed = after.total - before.total
    if (elapsed <= 0 || (after.busy - before.busy) / elapsed < 0.05) return
  }
}

/** Measures one contender alone. */
export async function measure(contender: Contender, options: MeasureOptions = DEFAULT_MEASURE): Promise<Rate> {
  const [rate] = await interleave([contender], options)
  return rate as Rate
}

/** Wall time of `operation` in milliseconds: the median of `runs` runs after one untimed run. */
export async function wallTimeMs(operation: () => Promise<unknown>, runs = 3): Promise<number> {
  await operation()
  const times: number[] = []
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now()
    await operation()
    times.push(performance.now() - start)
  }
  return median(times)
}
