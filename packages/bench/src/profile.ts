/**
 * CPU profile of one local-key case: `node packages/bench/dist/profile.js <case> <encrypt|decrypt> [seconds]` with
 * case `static`, `wrapped-aes` or `wrapped-rsa`. Runs the operation back to back under the V8 profiler (as
 * `node --cpu-prof` would), writes `bench-results/profile-<case>-<op>.cpuprofile` (open it in Chrome DevTools) and
 * prints the cost per item of each phase of our path (serialize, digests, cipher, MAC, materials, description,
 * allocation, ...), the top functions by self time and our functions by inclusive time, with file:line.
 * `profile.js phases [seconds]` prints only the phase table of every case and operation (`pnpm bench` includes it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session, type Profiler } from 'node:inspector'
import { SourceMap } from 'node:module'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { decryptItem, encryptItem, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { benchItem } from './bench-item'
import { generateBenchKeys, type BenchKeys } from './bench-keys'
import { staticProvider, wrappedAesProvider, wrappedRsaProvider } from './bench-providers'
import { benchConfig } from './item-case'

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..')

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)))
  })
}

type CallFrame = Profiler.ProfileNode['callFrame']

const sourceMaps = new Map<string, SourceMap | undefined>()

/** The source map next to a compiled file of ours (`dist/x.js.map`), if any. */
function sourceMapFor(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`
    sourceMaps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined)
  }
  return sourceMaps.get(file)
}

/**
 * Where a profile node's code lives: for our packages the TypeScript source line (through the build's source maps),
 * relative to the repository; otherwise the node: module or package file.
 */
function location(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '')
  const name = frame.functionName || '(anonymous)'
  if (file.startsWith(REPO_ROOT) && !file.includes('node_modules')) {
    const entry = sourceMapFor(file)?.findEntry(frame.lineNumber, frame.columnNumber) as
      { originalSource?: string; originalLine?: number } | undefined
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      const source = path.resolve(path.dirname(file), entry.originalSource.replace(/^file:\/\//, ''))
      return `${name} ${path.relative(REPO_ROOT, source)}:${entry.originalLine + 1}`
    }
    return `${name} ${path.relative(REPO_ROOT, file)}:${frame.lineNumber + 1}`
  }
  return `${name} ${file.replace(/.*node_modules\//, '') || '(native)'}${file === '' ? '' : `:${frame.lineNumber + 1}`}`
}

/** Self and inclusive sample shares per function. */
export function hotSpots(profile: Profiler.Profile): { self: [string, number][]; inclusive: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const hits = new Map<number, number>()
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1)
  const total = (profile.samples ?? []).length || 1
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, count] of hits) {
    const node = byId.get(id)
    if (node === undefined) continue
    const key = location(node.callFrame)
    self.set(key, (self.get(key) ?? 0) + count)
    const seen = new Set<string>()
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)?.callFrame
      if (frame === undefined) break
      const name = location(frame)
      if (!seen.has(name)) {
        seen.add(name)
        inclusive.set(name, (inclusive.get(name) ?? 0) + count)
      }
    }
  }
  const sorted = (map: Map<string, number>): [string, number][] =>
    [...map].map(([k, v]): [string, number] => [k, v / total]).sort((a, b) => b[1] - a[1])
  return { self: sorted(self), inclusive: sorted(inclusive) }
}

/** The phases of our path a profile sample is charged to. */
export const PHASES = [
  'serialize',
  'digests',
  'cipher',
  'MAC / signature',
  'materials',
  'description',
  'encryptor (item objects, checks)',
  'allocation (GC)',
  'other (promises, loop, runtime)',
] as const
export type Phase = (typeof PHASES)[number]

const LOCAL_KEY_MATERIALS = /^(unwrap|wrap|#unwrapNow|unwrapKey|wrapNewKey|#wrapNewKey|fromBytes|fromKeyObject|generate|LocalDelegatedKey|#aesWrapFor|#rsaPublicFor|#rsaPrivateFor)$/

/**
 * The phase of one frame, or undefined if the frame says nothing (node internals, anonymous glue): a sample is
 * charged to the innermost frame that has a phase, so native work is charged to our function that asked for it.
 */
function framePhase(frame: CallFrame, where: string): Phase | undefined {
  const name = frame.functionName
  if (name === '(garbage collector)') return 'allocation (GC)'
  if (name === 'oneShotDigest' || where.includes('core/src/crypto/hash.ts')) return 'digests'
  if (where.includes('core/src/crypto/hmac.ts') || where.includes('core/src/crypto/rsa-signature.ts')) return 'MAC / signature'
  if (where.includes('core/src/crypto/aes-cbc.ts') || where.includes('core/src/crypto/random.ts')) return 'cipher'
  if (/core\/src\/crypto\/(aes-key-wrap|rsa-oaep|rsa-pkcs1|rsa-raw)/.test(where) || where.includes('core/src/materials/') ||
    /packages\/(providers-[a-z]+|store-meta)\/src\//.test(where)) return 'materials'
  if (where.includes('core/src/crypto/local-delegated-key.ts')) {
    if (LOCAL_KEY_MATERIALS.test(name)) return 'materials'
    return /sign|verify/i.test(name) ? 'MAC / signature' : 'cipher'
  }
  if (where.includes('core/src/serialize/material-description.ts') || /^(descriptionBytes|parsedDescription|cachedDescription)/.test(name)) return 'description'
  if (where.includes('core/src/serialize/')) return 'serialize'
  if (where.includes('core/src/encryptor/') || where.includes('core/src/own-property.ts') || where.includes('core/src/attribute-actions.ts')) {
    return 'encryptor (item objects, checks)'
  }
  return undefined
}

/** Share of the samples charged to each phase. */
export function phaseShares(profile: Profiler.Profile): Map<Phase, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const phaseOf = new Map<number, Phase>()
  const resolve = (id: number): Phase => {
    const known = phaseOf.get(id)
    if (known !== undefined) return known
    const node = byId.get(id)
    let phase: Phase = 'other (promises, loop, runtime)'
    if (node !== undefined) {
      const own = framePhase(node.callFrame, location(node.callFrame))
      const up = parent.get(id)
      phase = own ?? (up === undefined ? phase : resolve(up))
    }
    phaseOf.set(id, phase)
    return phase
  }
  const shares = new Map<Phase, number>(PHASES.map((p) => [p, 0]))
  const samples = profile.samples ?? []
  for (const id of samples) {
    const node = byId.get(id)
    // Idle and program samples are not our path's work.
    if (node?.callFrame.functionName === '(idle)') continue
    const phase = resolve(id)
    shares.set(phase, (shares.get(phase) ?? 0) + 1)
  }
  const total = [...shares.values()].reduce((a, b) => a + b, 0) || 1
  for (const [phase, count] of shares) shares.set(phase, count / total)
  return shares
}

/** One profiled run: items processed, CPU µs per item, the profile and its phase shares. */
export interface CaseProfile {
  readonly caseName: ProfiledCaseName
  readonly operation: 'encrypt' | 'decrypt'
  readonly items: number
  /** CPU µs per item of the same run without the profiler. */
  readonly cpuMicrosPerItem: number
  /** CPU µs per item under the profiler (which slows every call down). */
  readonly profiledCpuMicrosPerItem: number
  readonly phases: ReadonlyMap<Phase, number>
  readonly profile: Profiler.Profile
}

export type ProfileCase = 'static' | 'wrapped-aes' | 'wrapped-rsa'

/** A profiled case: one of the local-key cases, or `most-recent` with its provider passed in (it needs a MetaStore). */
export type ProfiledCaseName = ProfileCase | 'most-recent'

const PROVIDERS: Record<ProfileCase, (keys: BenchKeys) => CryptographicMaterialsProvider> = {
  static: staticProvider,
  'wrapped-aes': wrappedAesProvider,
  'wrapped-rsa': wrappedRsaProvider,
}

/** Runs `run` back to back for `seconds`: how many times, and the CPU µs it took. */
async function backToBack(run: () => Promise<unknown>, seconds: number): Promise<{ count: number; cpuMicros: number }> {
  const start = process.cpuUsage()
  const end = performance.now() + seconds * 1000
  let count = 0
  while (performance.now() < end) {
    await run()
    count += 1
  }
  const cpu = process.cpuUsage(start)
  return { count, cpuMicros: cpu.user + cpu.system }
}

/**
 * Runs `operation` of `caseName` back to back for `seconds` under the V8 sampling profiler (100 µs interval). The
 * local-key cases build their provider from `keys`; `most-recent` needs `provider` (a MostRecentProvider over a
 * MetaStore, whose cache is warm after the first item).
 */
export async function profileCase(
  caseName: ProfiledCaseName,
  operation: 'encrypt' | 'decrypt',
  seconds: number,
  keys: BenchKeys = generateBenchKeys(),
  provider?: CryptographicMaterialsProvider,
): Promise<CaseProfile> {
  const item = benchItem()
  const chosen = provider ?? (caseName === 'most-recent' ? undefined : PROVIDERS[caseName](keys))
  if (chosen === undefined) throw new Error('profileCase: the most-recent case needs its provider')
  const config = benchConfig(chosen, 'bench-items')
  const encrypted = await encryptItem(item, config)
  const run = operation === 'encrypt' ? () => encryptItem(item, config) : () => decryptItem(encrypted, config)
  const warmupEnd = performance.now() + 300
  while (performance.now() < warmupEnd) await run() // warm up (JIT) before profiling
  // The profiler slows every call down; the same run without it gives the CPU time per item the phases share.
  const plain = await backToBack(run, seconds)

  const session = new Session()
  session.connect()
  await post(session, 'Profiler.enable')
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 })
  await post(session, 'Profiler.start')
  const profiled = await backToBack(run, seconds)
  const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop')
  session.disconnect()
  return {
    caseName,
    operation,
    items: profiled.count,
    cpuMicrosPerItem: plain.cpuMicros / plain.count,
    profiledCpuMicrosPerItem: profiled.cpuMicros / profiled.count,
    phases: phaseShares(profile),
    profile,
  }
}

/** One profiled run in plain numbers (for results.json and the findings): CPU µs per item of each phase. */
export interface PhaseProfile {
  readonly caseName: ProfiledCaseName
  readonly operation: 'encrypt' | 'decrypt'
  /** CPU µs per item without the profiler. */
  readonly cpuMicrosPerItem: number
  /** CPU µs per item charged to each phase (its share of the samples × cpuMicrosPerItem). */
  readonly phaseMicros: Readonly<Record<Phase, number>>
}

/** The numbers of a profiled run, without the profile itself. */
export function phaseProfile(run: CaseProfile): PhaseProfile {
  const phaseMicros = Object.fromEntries(PHASES.map((phase) => [phase, (run.phases.get(phase) ?? 0) * run.cpuMicrosPerItem])) as Record<Phase, number>
  return { caseName: run.caseName, operation: run.operation, cpuMicrosPerItem: run.cpuMicrosPerItem, phaseMicros }
}

/**
 * The phase table of several profiled runs: each phase's share of the profile samples, and that share of the CPU
 * time per item measured without the profiler.
 */
export function phaseTable(runs: readonly CaseProfile[]): string {
  const header = ['phase', ...runs.map((r) => `${r.caseName} ${r.operation}`)]
  const rows = PHASES.map((phase) => [phase, ...runs.map((r) => {
    const share = r.phases.get(phase) ?? 0
    return `${(share * r.cpuMicrosPerItem).toFixed(1)} µs (${(share * 100).toFixed(0)}%)`
  })])
  rows.push(['total CPU per item (without the profiler)', ...runs.map((r) => `${r.cpuMicrosPerItem.toFixed(1)} µs`)])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

async function main(): Promise<void> {
  const [caseName = 'static', op = 'encrypt', secondsText = '4'] = process.argv.slice(2)
  if (caseName === 'phases') {
    const keys = generateBenchKeys()
    const runs: CaseProfile[] = []
    for (const name of ['static', 'wrapped-aes', 'wrapped-rsa'] as const) {
      for (const operation of ['encrypt', 'decrypt'] as const) runs.push(await profileCase(name, operation, Number(op === 'encrypt' ? '1' : op), keys))
    }
    process.stdout.write(`${phaseTable(runs)}\n`)
    return
  }
  if (!(caseName in PROVIDERS) || (op !== 'encrypt' && op !== 'decrypt')) {
    throw new Error('usage: profile.js <static|wrapped-aes|wrapped-rsa> <encrypt|decrypt> [seconds] | profile.js phases [seconds]')
  }
  const run = await profileCase(caseName as ProfileCase, op, Number(secondsText))
  const dir = path.join(REPO_ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `profile-${caseName}-${op}.cpuprofile`)
  writeFileSync(file, JSON.stringify(run.profile))
  const { self, inclusive } = hotSpots(run.profile)
  const line = ([name, share]: [string, number]): string => `${(share * 100).toFixed(1).padStart(5)}%  ${name}`
  process.stdout.write(`${caseName} ${op}: ${run.items} items in ${secondsText} s under the profiler; profile in ${path.relative(process.cwd(), file)}\n`)
  process.stdout.write(`\nPhases (share of the profile × CPU per item without the profiler):\n${phaseTable([run])}\n`)
  process.stdout.write(`\nTop self time:\n${self.slice(0, 20).map(line).join('\n')}\n`)
  process.stdout.write(`\nOur code by inclusive time:\n${inclusive.filter(([name]) => name.includes(' packages/')).slice(0, 20).map(line).join('\n')}\n`)
}

if (require.main === module) main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
