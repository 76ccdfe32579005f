import type { ClientCaseResult, KmsQueryResult } from './client-case'
import type { CoresResult } from './cores-case'
import type { ItemCaseResult, PhaseCalls } from './item-case'
import type { Rate } from './measure'
import type { FloorBreakdown } from './true-floor'
import { PHASES, type PhaseProfile } from './profile'
import type { PythonCase } from './python-bench'

/** Everything one run measured. */
export interface BenchResults {
  readonly startedAt: string
  readonly durationS: number
  readonly environment: {
    readonly node: string
    readonly cpu: string
    readonly cores: number
    /** os.loadavg() (1, 5, 15 min) at the start and at the end of the run. */
    readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] }
  }
  readonly item: { readonly attributes: number; readonly serializedBytes: number; readonly encrypted: number }
  readonly staticCore: ItemCaseResult
  /** The true floor of each local-key case (see true-floor.ts), measured interleaved with ours. */
  readonly floors: FloorResults
  /** Our path's CPU time per item by phase (profile.ts), as a Markdown table. */
  readonly phases: string
  /** The same profiles in numbers, per case and operation (the findings quote them for missed targets). */
  readonly phaseProfiles: readonly PhaseProfile[]
  /** Batches in this thread and on worker-thread pools. */
  readonly cores: CoresResult
  readonly wrappedAes: ItemCaseResult
  readonly wrappedRsa: ItemCaseResult
  readonly directKms: ItemCaseResult
  readonly mostRecent: ItemCaseResult
  readonly client: ClientCaseResult
  readonly kmsQuery: KmsQueryResult
  readonly python: PythonResults | { readonly error: string }
  readonly java: JavaResults | { readonly error: string }
}

/** Cases with a true floor. */
export type FloorCase = 'static' | 'wrapped-aes' | 'wrapped-rsa'

/** The floor's rate (from the sum of its cheapest parts) and its parts in the last sample. */
export interface FloorRate {
  readonly rate: Rate
  readonly breakdown: FloorBreakdown
}

/** The true floor per case and operation. */
export type FloorResults = Partial<Record<FloorCase, { readonly encrypt: FloorRate; readonly decrypt: FloorRate }>>

/** Python's rates per case, measured interleaved with ours. */
export type ReferenceRates = Partial<Record<PythonCase, { readonly encrypt: Rate; readonly decrypt: Rate }>>

/** The Python reference's side of the run. */
export interface PythonResults {
  readonly library: string
  readonly python: string
  readonly cases: ReferenceRates
}

/** The Java reference's side of the run. */
export interface JavaResults {
  readonly library: string
  readonly java: string
  readonly cases: ReferenceRates
}

/** Items per CPU second against Python on the static case (issue 14); other local-key cases are reported. */
export const PYTHON_TARGET_RATIO = 25

/** Items per CPU second against Java on every local-key path, both directions (issue 14). */
export const JAVA_TARGET_RATIO = 1.5

/** The paths with speed targets against Java (issue 14), in report order; static also has the Python target. */
export const TARGET_CASES: readonly PythonCase[] = ['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent']

type Operation = 'encrypt' | 'decrypt'

/** One speed target of issue 14 checked against one run: ours per CPU second against a reference's, same run. */
export interface TargetCheck {
  readonly caseName: PythonCase
  readonly operation: Operation
  readonly reference: 'Java' | 'Python'
  readonly target: number
  /** Items per CPU second, ours and the reference's (interleaved sample by sample). */
  readonly ours: number
  readonly theirs: number
  readonly ratio: number
  readonly met: boolean
  /** Our CPU µs per item, and the most it may be for the target at the reference's measured rate. */
  readonly oursMicros: number
  readonly neededMicros: number
}

/** Every target of issue 14 that this run can check (a reference that did not run checks nothing). */
export function targetChecks(results: BenchResults): TargetCheck[] {
  const ours = ourRates(results)
  const checks: TargetCheck[] = []
  const check = (caseName: PythonCase, operation: Operation, reference: 'Java' | 'Python', target: number, theirs: Rate): void => {
    const mine = ours[caseName][operation].cpuPerSecond
    const ratio = mine / theirs.cpuPerSecond
    checks.push({
      caseName, operation, reference, target, ours: mine, theirs: theirs.cpuPerSecond, ratio,
      met: Number.isFinite(ratio) && ratio >= target,
      oursMicros: 1e6 / mine,
      neededMicros: 1e6 / (target * theirs.cpuPerSecond),
    })
  }
  for (const caseName of TARGET_CASES) {
    for (const operation of ['encrypt', 'decrypt'] as const) {
      const java = 'cases' in results.java ? results.java.cases[caseName]?.[operation] : undefined
      if (java !== undefined) check(caseName, operation, 'Java', JAVA_TARGET_RATIO, java)
      const python = 'cases' in results.python ? results.python.cases[caseName]?.[operation] : undefined
      if (caseName === 'static' && python !== undefined) check(caseName, operation, 'Python', PYTHON_TARGET_RATIO, python)
    }
  }
  return checks
}

/**
 * The floor against ours, both ways round so nobody has to guess which is which: the floor's CPU time per item as a
 * share of ours, and ours as a multiple of the floor's. Both from rates measured interleaved.
 */
export function floorComparison(oursCpuPerSecond: number, floorCpuPerSecond: number): { floorShare: number; oursTimesFloor: number } {
  return { floorShare: oursCpuPerSecond / floorCpuPerSecond, oursTimesFloor: floorCpuPerSecond / oursCpuPerSecond }
}

/** "the floor is 22% of our CPU time per item (ours = 4.5x the floor)". */
function floorWords(oursCpuPerSecond: number, floorCpuPerSecond: number): string {
  const { floorShare, oursTimesFloor } = floorComparison(oursCpuPerSecond, floorCpuPerSecond)
  return `floor = ${percent(floorShare)} of our CPU time per item (ours = ${times(oursTimesFloor)} the floor)`
}

/** The profile of one case and operation, if it was profiled. */
function profileOf(results: BenchResults, caseName: PythonCase, operation: Operation): PhaseProfile | undefined {
  return results.phaseProfiles.find((p) => p.caseName === caseName && p.operation === operation)
}

/** "materials 41 µs, serialize 24 µs, cipher 16 µs" (the largest phases first). */
function largestPhases(profile: PhaseProfile, count = 4): string {
  return PHASES.map((phase) => [phase, profile.phaseMicros[phase]] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([phase, us]) => `${phase.replace(/ \(.*\)$/, '')} ${us.toFixed(1)} µs`)
    .join(', ')
}

/** The Python cases that ran, in report order. */
function pythonCases(python: { readonly cases: ReferenceRates }): [PythonCase, { readonly encrypt: Rate; readonly decrypt: Rate }][] {
  return (['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent', 'direct-kms'] as const).flatMap((name) => {
    const rates = python.cases[name]
    return rates === undefined ? [] : [[name, rates] as [PythonCase, { readonly encrypt: Rate; readonly decrypt: Rate }]]
  })
}
const FLOOR_CASES: readonly FloorCase[] = ['static', 'wrapped-aes', 'wrapped-rsa']

function isFloorCase(name: PythonCase): name is FloorCase {
  return (FLOOR_CASES as readonly string[]).includes(name)
}

const LOCAL_KEY_CASES: ReadonlySet<PythonCase> = new Set(['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent'])

function rate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(1)
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}x` : 'n/a'
}

function micros(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} µs` : 'n/a'
}

function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`
}

function spread(r: Rate): string {
  const low = Math.min(...r.samples)
  const high = Math.max(...r.samples)
  return `${rate(low)}–${rate(high)}`
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

function perItem(phase: PhaseCalls | undefined): number {
  return phase === undefined || phase.items === 0 ? NaN : phase.calls / phase.items
}

/** Our rates per Python case name. */
function ourRates(results: BenchResults): Record<PythonCase, ItemCaseResult> {
  return {
    static: results.staticCore,
    'wrapped-aes': results.wrappedAes,
    'wrapped-rsa': results.wrappedRsa,
    'most-recent': results.mostRecent,
    'direct-kms': results.directKms,
  }
}

const CASE_LABELS: Readonly<Record<PythonCase, string>> = {
  static: 'static AES-128/HMAC-SHA256',
  'wrapped-aes': 'wrapped AES-256 (AESWrap) + HMAC',
  'wrapped-rsa': 'wrapped RSA-2048 OAEP + SHA256withRSA',
  'most-recent': 'most recent (MetaStore, cached 60 s)',
  'direct-kms': 'Direct KMS (moto)',
}

/** Store reads per 10,000 items over the whole most-recent case (setup, warm-up and samples). */
export function storeReadsPer10k(result: ItemCaseResult): { readonly per10k: number; readonly calls: number; readonly items: number } {
  const phases = [result.setupCalls, result.encryptCalls, result.decryptCalls].filter((p): p is PhaseCalls => p !== undefined)
  const calls = phases.reduce((sum, p) => sum + p.calls, 0)
  const items = phases.reduce((sum, p) => sum + p.items, 0) + 1 // the setup phase encrypts and decrypts one item
  return { per10k: (calls / items) * 10_000, calls, items }
}

/** The floor of a case and operation in µs per item (from its interleaved rate), if the case has one. */
function floorMicros(results: BenchResults, caseName: PythonCase, operation: Operation): number | undefined {
  if (!isFloorCase(caseName)) return undefined
  const floor = results.floors[caseName]
  return floor === undefined ? undefined : 1e6 / floor[operation].rate.cpuPerSecond
}

/**
 * The findings the lead reports against: each target of issue 14 met (`OK`) or missed (`MISS`, with what closing it
 * takes: our CPU µs per item now and at the target, the floor, and the largest phases of our path from the profile),
 * correctness checks (`OK` / `FAIL`), and the rest (`INFO`).
 */
export function findings(results: BenchResults): string[] {
  const lines: string[] = []
  const ours = ourRates(results)
  for (const name of FLOOR_CASES) {
    const floor = results.floors[name]
    if (floor === undefined) continue
    for (const op of ['encrypt', 'decrypt'] as const) {
      lines.push(`INFO ${name} ${op}: ${floorWords(ours[name][op].cpuPerSecond, floor[op].rate.cpuPerSecond)}: ` +
        `ours ${micros(1e6 / ours[name][op].cpuPerSecond)}, floor ${micros(1e6 / floor[op].rate.cpuPerSecond)} per item`)
    }
  }
  const kmsEnc = perItem(results.directKms.encryptCalls)
  const kmsDec = perItem(results.directKms.decryptCalls)
  lines.push(`${kmsEnc === 1 && kmsDec === 1 ? 'OK  ' : 'FAIL'} Direct KMS calls per item: ${kmsEnc} per encrypt, ${kmsDec} per decrypt (must be exactly 1)`)
  for (const check of targetChecks(results)) {
    const head = `${check.met ? 'OK  ' : 'MISS'} ${check.caseName} ${check.operation}: ${times(check.ratio)} ${check.reference} per CPU second ` +
      `(target >= ${check.target}x; ours ${micros(check.oursMicros)} per item, ${check.reference} ${micros(1e6 / check.theirs)})`
    if (check.met) {
      lines.push(head)
      continue
    }
    const floor = floorMicros(results, check.caseName, check.operation)
    const profile = profileOf(results, check.caseName, check.operation)
    lines.push(`${head}; meeting it needs <= ${micros(check.neededMicros)} per item, ${micros(check.oursMicros - check.neededMicros)} less` +
      `${floor === undefined ? '' : `; the floor is ${micros(floor)}${floor > check.neededMicros ? ' (above the target: out of reach on node:crypto)' : ''}`}` +
      `${profile === undefined ? '' : `; largest phases (profile, ${micros(profile.cpuMicrosPerItem)} per item): ${largestPhases(profile)}`}`)
  }
  if ('cases' in results.python) {
    for (const [name, py] of pythonCases(results.python)) {
      if (name === 'static') continue
      lines.push(`INFO ${name}: ${times(ours[name].encrypt.cpuPerSecond / py.encrypt.cpuPerSecond)} Python per CPU second on encrypt, ` +
        `${times(ours[name].decrypt.cpuPerSecond / py.decrypt.cpuPerSecond)} on decrypt; wall-clock ` +
        `${times(ours[name].encrypt.perSecond / py.encrypt.perSecond)} / ${times(ours[name].decrypt.perSecond / py.decrypt.perSecond)}`)
    }
  } else {
    lines.push(`FAIL Python reference did not run: ${results.python.error}`)
  }
  if ('cases' in results.java) {
    for (const [name, java] of pythonCases(results.java)) {
      if (TARGET_CASES.includes(name)) continue
      lines.push(`INFO ${name}: ${times(ours[name].encrypt.cpuPerSecond / java.encrypt.cpuPerSecond)} Java per CPU second on encrypt, ` +
        `${times(ours[name].decrypt.cpuPerSecond / java.decrypt.cpuPerSecond)} on decrypt; wall-clock ` +
        `${times(ours[name].encrypt.perSecond / java.encrypt.perSecond)} / ${times(ours[name].decrypt.perSecond / java.decrypt.perSecond)}`)
    }
  } else {
    lines.push(`FAIL Java reference did not run: ${results.java.error}`)
  }
  return lines
}

/**
 * The targets table: per path and direction, ours against Java and Python per CPU second with pass / miss against
 * each target of issue 14, and the floor (for the cases that have one).
 */
export function targetTable(results: BenchResults): string {
  const ours = ourRates(results)
  const checks = targetChecks(results)
  const verdict = (name: PythonCase, op: Operation, reference: 'Java' | 'Python'): string => {
    const check = checks.find((c) => c.caseName === name && c.operation === op && c.reference === reference)
    return check === undefined ? '-' : `${times(check.ratio)} ${check.met ? 'pass' : 'MISS'}`
  }
  const reference = (which: BenchResults['java'] | BenchResults['python'], name: PythonCase, op: Operation): Rate | undefined =>
    'cases' in which ? which.cases[name]?.[op] : undefined
  const rows = TARGET_CASES.flatMap((name) => (['encrypt', 'decrypt'] as const).map((op) => {
    const mine = ours[name][op].cpuPerSecond
    const java = reference(results.java, name, op)
    const python = reference(results.python, name, op)
    const floor = isFloorCase(name) ? results.floors[name]?.[op].rate.cpuPerSecond : undefined
    const { floorShare, oursTimesFloor } = floor === undefined ? { floorShare: NaN, oursTimesFloor: NaN } : floorComparison(mine, floor)
    return [
      `${name} ${op}`, rate(mine), java === undefined ? '-' : rate(java.cpuPerSecond),
      java === undefined ? '-' : verdict(name, op, 'Java'),
      python === undefined ? '-' : rate(python.cpuPerSecond),
      python === undefined ? '-' : name === 'static' ? verdict(name, op, 'Python') : times(mine / python.cpuPerSecond),
      micros(1e6 / mine), floor === undefined ? '-' : micros(1e6 / floor),
      floor === undefined ? '-' : `${percent(floorShare)} (ours ${times(oursTimesFloor)})`,
    ]
  }))
  return table(['path', 'ours items/CPU-s', 'Java', `ours/Java (>= ${JAVA_TARGET_RATIO}x)`, 'Python',
    `ours/Python (>= ${PYTHON_TARGET_RATIO}x static)`, 'ours CPU/item', 'floor CPU/item', 'floor as % of our time'], rows)
}

/** The whole report as Markdown (also printed to stdout: the tables read fine as text). */
export function renderReport(results: BenchResults): string {
  const out: string[] = []
  const env = results.environment
  out.push('# ddb-encryption benchmark')
  out.push('')
  const load = (values: readonly number[]): string => values.map((v) => v.toFixed(1)).join(' / ')
  out.push(`Run ${results.startedAt}, ${results.durationS.toFixed(0)} s; Node ${env.node} on ${env.cpu}, ${env.cores} cores shared ` +
    `with other work (load average 1/5/15 min: ${load(env.loadAverage.start)} at the start, ${load(env.loadAverage.end)} at the end). ` +
    'Our side runs single-threaded in one process, one item at a time (each operation awaited before the next). ' +
    'Rates are the median of the timed samples (3 by default, 5 for the client comparison) after a warm-up; each comparison (ours / floor / Python / Java, encrypted / ' +
    'plain client) is interleaved sample by sample so both sides see the same load. "CPU" rates count items per CPU ' +
    'second of the measuring process, which other load disturbs much less than wall-clock rates.')
  if ('cases' in results.python) {
    out.push(`Python reference: dynamodb-encryption-sdk ${results.python.library} on CPython ${results.python.python}, same item, keys, ` +
      'MetaStore table and KMS key, measured in its own process the same way (python/bench.py --serve).')
  }
  if ('cases' in results.java) {
    out.push(`Java reference: aws-dynamodb-encryption-java ${results.java.library} (SDK for Java v1) on Java ${results.java.java}, same item, keys, ` +
      'MetaStore table and KMS key, measured in its own JVM the same way (the interop bridge, one thread; at least ' +
      '4 s of warm-up per case and operation so the JIT has compiled the hot paths; its CPU rates count every JVM thread).')
  }
  out.push('')
  out.push(`Item: ${results.item.attributes} attributes, ${results.item.serializedBytes} bytes serialized; ` +
    `${results.item.encrypted} ENCRYPT_AND_SIGN, the 2 key attributes SIGN_ONLY.`)
  out.push('')

  out.push('## Targets (issue 14), per CPU second, interleaved in this run')
  out.push('')
  out.push(`Ours against Java (target >= ${JAVA_TARGET_RATIO}x on every path, both directions) and Python (target >= ` +
    `${PYTHON_TARGET_RATIO}x on static), items per CPU second of each process. The floor column is the true floor's CPU time ` +
    'per item as a percentage of ours (100% would mean we do nothing but the native work the format needs); "ours Nx" is ' +
    'our CPU time per item as a multiple of the floor\'s. Most recent has no floor of its own: with a warm cache it does the ' +
    'wrapped AES work per item (see the wrapped-aes rows).')
  out.push('')
  out.push(targetTable(results))
  out.push('')

  out.push('## 1. Ours vs the true floor (local keys)')
  out.push('')
  out.push('True floor = the least native work the format needs for this item, each primitive at its cheapest measured ' +
    'cost on node:crypto: one CBC pass over all encrypted attributes (a persistent context, one call), IVs and content keys ' +
    'from a pooled 4 KB CSPRNG fill, one SHA-256 per signed value, one HMAC (or RSA signature); wrapped keys add one key ' +
    'wrap or unwrap and one cipher context for the new key. No item objects, serialization or providers. Measured ' +
    'interleaved with ours, per CPU second.')
  out.push('')
  const ourCases = ourRates(results)
  const floorRows = FLOOR_CASES.flatMap((name) => {
    const floor = results.floors[name]
    if (floor === undefined) return []
    return (['encrypt', 'decrypt'] as const).map((op) => {
      const ours = ourCases[name][op]
      return [`${name} ${op}`, rate(ours.cpuPerSecond), rate(floor[op].rate.cpuPerSecond), micros(1e6 / ours.cpuPerSecond),
        micros(1e6 / floor[op].rate.cpuPerSecond), percent(floorComparison(ours.cpuPerSecond, floor[op].rate.cpuPerSecond).floorShare),
        times(floorComparison(ours.cpuPerSecond, floor[op].rate.cpuPerSecond).oursTimesFloor)]
    })
  })
  out.push(table(['case', 'ours items/CPU-s', 'floor items/CPU-s', 'ours CPU/item', 'floor CPU/item', 'floor time as % of ours',
    'ours time ÷ floor time'], floorRows))
  out.push('')
  out.push('Floor parts (last sample; ns per call of the cheapest variant):')
  out.push('')
  out.push(table(['case', 'part', 'cheapest variant', 'calls/item', 'ns/call', 'µs/item'], FLOOR_CASES.flatMap((name) => {
    const floor = results.floors[name]
    if (floor === undefined) return []
    return (['encrypt', 'decrypt'] as const).flatMap((op) => floor[op].breakdown.parts.map((part) => [
      `${name} ${op}`, part.name, part.cheapest, part.perItem >= 1 ? String(part.perItem) : part.perItem.toFixed(4),
      part.nsPerCall.toFixed(0), (part.perItem * part.nsPerCall / 1000).toFixed(2),
    ]))
  })))
  out.push('')

  out.push('Our path by phase: each phase\'s share of V8 profiler samples (100 µs interval; native work charged to the ' +
    'function of ours that called it) times the CPU time per item of the same case run without the profiler right before:')
  out.push('')
  out.push(results.phases)
  out.push('')

  out.push(`## Across cores (static keys, batches of ${results.cores.batch} items)`)
  out.push('')
  out.push('`encryptItems` / `decryptItems` in this thread and with `{ pool }` on an `EncryptorPool` of 1 and 2 worker ' +
    'threads, without and with `useCallingThread` (this thread runs a share of each batch too), interleaved. ' +
    'Wall-clock items/s (what more cores buy), and items per CPU second of the whole process ' +
    '(all threads: what moving items between threads costs).')
  out.push('')
  const coreRow = (label: string, pick: (c: CoresResult['encrypt']) => Rate): string[] => [label,
    rate(pick(results.cores.encrypt).perSecond), rate(pick(results.cores.decrypt).perSecond),
    rate(pick(results.cores.encrypt).cpuPerSecond), rate(pick(results.cores.decrypt).cpuPerSecond)]
  out.push(table(['where', 'encrypt items/s', 'decrypt items/s', 'encrypt items/CPU-s', 'decrypt items/CPU-s'], [
    coreRow('this thread (1 core)', (c) => c.inThread),
    coreRow('pool, 1 thread', (c) => c.pool1),
    coreRow('pool, 2 threads (2 cores)', (c) => c.pool2),
    coreRow('pool, 1 thread + this thread (2 cores)', (c) => c.pool1Caller),
    coreRow('pool, 2 threads + this thread', (c) => c.pool2Caller),
  ]))
  out.push('')

  out.push('## 2–4. Providers')
  out.push('')
  const reads = storeReadsPer10k(results.mostRecent)
  const kmsEnc = perItem(results.directKms.encryptCalls)
  const kmsDec = perItem(results.directKms.decryptCalls)
  const providerRow = (label: string, r: ItemCaseResult, calls: string): string[] =>
    [label, rate(r.encrypt.perSecond), rate(r.decrypt.perSecond), rate(r.encrypt.cpuPerSecond), rate(r.decrypt.cpuPerSecond), calls]
  out.push(table(['provider', 'encrypt items/s', 'decrypt items/s', 'encrypt CPU', 'decrypt CPU', 'service calls'], [
    providerRow(CASE_LABELS.static, results.staticCore, '-'),
    providerRow(CASE_LABELS['wrapped-aes'], results.wrappedAes, '-'),
    providerRow(CASE_LABELS['wrapped-rsa'], results.wrappedRsa, '-'),
    providerRow(CASE_LABELS['direct-kms'], results.directKms, `KMS calls/item: ${kmsEnc} encrypt, ${kmsDec} decrypt`),
    providerRow(CASE_LABELS['most-recent'], results.mostRecent,
      `store reads: ${reads.per10k.toFixed(2)} per 10,000 items (${reads.calls} calls / ${reads.items.toLocaleString('en-US')} items)`),
  ]))
  out.push('')
  out.push('KMS calls are counted by a wrapper around the KMS client\'s `send`; store reads are every DynamoDB call the ' +
    'MetaStore made (version creation included), over all items of the case including warm-up.')
  out.push('')

  out.push('## 5. Encrypted client vs plain client (DynamoDB Local, static AES/HMAC)')
  out.push('')
  const c = results.client
  const clientRow = (name: string, r: { plain: Rate; encrypted: Rate }): string[] =>
    [name, rate(r.plain.perSecond), rate(r.encrypted.perSecond), times(r.plain.perSecond / r.encrypted.perSecond)]
  out.push(table(['operation', 'plain ops/s', 'encrypted ops/s', 'time overhead'], [
    clientRow('PutItem', c.put),
    clientRow('GetItem', c.get),
    clientRow('Query (25 items)', c.query25),
  ]))
  out.push('')
  const q = results.kmsQuery
  out.push(table([`Query of ${q.items} items, Direct KMS`, 'wall ms', 'speed-up'], [
    [`decryptConcurrency ${q.defaultConcurrency} (default)`, q.defaultMs.toFixed(0), times(q.serialMs / q.defaultMs)],
    ['decryptConcurrency 1', q.serialMs.toFixed(0), '1.0x'],
  ]))
  out.push('')

  out.push('## 6. Ours vs the Python and Java references (same items, same materials, same machine, one run)')
  out.push('')
  {
    const ours = ourRates(results)
    const python = 'cases' in results.python ? results.python.cases : {}
    const java = 'cases' in results.java ? results.java.cases : {}
    const names = (['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent', 'direct-kms'] as const)
      .filter((name) => python[name] !== undefined || java[name] !== undefined)
    const cell = (value: number | undefined): string => (value === undefined ? '-' : rate(value))
    const ratio = (mine: number, theirs: number | undefined): string => (theirs === undefined ? '-' : times(mine / theirs))
    if (names.length > 0) {
      for (const [key, what] of [['perSecond', 'Wall-clock items/s'], ['cpuPerSecond',
        'Items per CPU second of each process (for Direct KMS and most recent this leaves out time spent waiting for moto / DynamoDB Local)']] as const) {
        out.push(`${what}:`)
        out.push('')
        for (const op of ['encrypt', 'decrypt'] as const) {
          out.push(table([`case (${op})`, 'ours', 'Python', 'Java', 'ours / Python', 'ours / Java', 'Java / Python'], names.map((name) => {
            const mine = ours[name][op][key]
            const py = python[name]?.[op][key]
            const jv = java[name]?.[op][key]
            return [CASE_LABELS[name], rate(mine), cell(py), cell(jv), ratio(mine, py), ratio(mine, jv), py === undefined || jv === undefined ? '-' : times(jv / py)]
          })))
          out.push('')
        }
      }
    }
    for (const reference of [results.python, results.java]) {
      if ('error' in reference) out.push(`A reference did not run: ${reference.error}`)
    }
  }
  out.push('')
  out.push('## Findings')
  out.push('')
  for (const line of findings(results)) out.push(`- ${line}`)
  out.push('')
  return out.join('\n')
}

/** A small hand-written SVG bar chart: our speed-up over Python per case (log scale), encrypt and decrypt. */
export function renderChart(results: BenchResults): string | undefined {
  if (!('cases' in results.python)) return undefined
  const ours = ourRates(results)
  const bars = pythonCases(results.python).flatMap(([name, py]) => [
    { label: `${name} encrypt`, value: ours[name].encrypt.perSecond / py.encrypt.perSecond },
    { label: `${name} decrypt`, value: ours[name].decrypt.perSecond / py.decrypt.perSecond },
  ])
  const width = 760
  const left = 170
  const barHeight = 20
  const gap = 6
  const top = 40
  const height = top + bars.length * (barHeight + gap) + 40
  const maxLog = Math.log10(Math.max(100, ...bars.map((b) => b.value)))
  const x = (value: number): number => left + (Math.max(0, Math.log10(Math.max(value, 1))) / maxLog) * (width - left - 70)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Speed-up over Python dynamodb-encryption-sdk (log scale)</text>`,
  ]
  bars.forEach((bar, i) => {
    const y = top + i * (barHeight + gap)
    const colour = bar.label.endsWith('encrypt') ? '#3b6ea5' : '#7aa6d6'
    parts.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${bar.label}</text>`)
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(bar.value) - left).toFixed(1)}" height="${barHeight}" fill="${colour}"/>`)
    parts.push(`<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + 14}">${times(bar.value)}</text>`)
  })
  const targetX = x(PYTHON_TARGET_RATIO)
  const bottom = top + bars.length * (barHeight + gap)
  parts.push(`<line x1="${targetX.toFixed(1)}" y1="${top - 6}" x2="${targetX.toFixed(1)}" y2="${bottom}" stroke="#c0392b" stroke-dasharray="4 3"/>`)
  parts.push(`<text x="${targetX.toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#c0392b">${PYTHON_TARGET_RATIO}x target</text>`)
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
