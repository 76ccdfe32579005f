/**
 * CPU profile of one local-key case: `node packages/bench/dist/profile.js <case> <encrypt|decrypt> [seconds]` with
 * case `static`, `wrapped-aes` or `wrapped-rsa`. Runs the operation back to back under the V8 profiler (as
 * `node --cpu-prof` would), writes `bench-results/profile-<case>-<op>.cpuprofile` (open it in Chrome DevTools) and
 * prints the top functions by self time and our functions by inclusive time, with file:line.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session, type Profiler } from 'node:inspector'
import { SourceMap } from 'node:module'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { decryptItem, encryptItem, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import { benchItem } from './bench-item'
import { generateBenchKeys } from './bench-keys'
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

async function main(): Promise<void> {
  const [caseName = 'static', op = 'encrypt', secondsText = '4'] = process.argv.slice(2)
  const keys = generateBenchKeys()
  const providers: Record<string, () => CryptographicMaterialsProvider> = {
    static: () => staticProvider(keys),
    'wrapped-aes': () => wrappedAesProvider(keys),
    'wrapped-rsa': () => wrappedRsaProvider(keys),
  }
  const build = providers[caseName]
  if (build === undefined || (op !== 'encrypt' && op !== 'decrypt')) {
    throw new Error('usage: profile.js <static|wrapped-aes|wrapped-rsa> <encrypt|decrypt> [seconds]')
  }
  const item = benchItem()
  const config = benchConfig(build(), 'bench-items')
  const encrypted = await encryptItem(item, config)
  const operation = op === 'encrypt' ? () => encryptItem(item, config) : () => decryptItem(encrypted, config)
  for (let i = 0; i < 500; i += 1) await operation() // warm up (JIT) before profiling

  const session = new Session()
  session.connect()
  await post(session, 'Profiler.enable')
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 })
  await post(session, 'Profiler.start')
  const end = performance.now() + Number(secondsText) * 1000
  let count = 0
  while (performance.now() < end) {
    await operation()
    count += 1
  }
  const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop')
  session.disconnect()

  const dir = path.join(REPO_ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `profile-${caseName}-${op}.cpuprofile`)
  writeFileSync(file, JSON.stringify(profile))
  const { self, inclusive } = hotSpots(profile)
  const line = ([name, share]: [string, number]): string => `${(share * 100).toFixed(1).padStart(5)}%  ${name}`
  process.stdout.write(`${caseName} ${op}: ${count} items in ${secondsText} s under the profiler; profile in ${path.relative(process.cwd(), file)}\n`)
  process.stdout.write(`\nTop self time:\n${self.slice(0, 20).map(line).join('\n')}\n`)
  process.stdout.write(`\nOur code by inclusive time:\n${inclusive.filter(([name]) => name.includes(' packages/')).slice(0, 20).map(line).join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
