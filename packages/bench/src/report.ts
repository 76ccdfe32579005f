import type { ClientCaseResult, KmsQueryResult } from './client-case'
import type { ItemCaseResult, PhaseCalls } from './item-case'
import type { Rate } from './measure'
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
  /**
   * The crypto floor (see CryptoFloor): `lean` hashes the constant pieces of the string to sign once, `strict`
   * hashes every piece per item.
   */
  readonly floor: {
    readonly lean: { readonly encrypt: Rate; readonly decrypt: Rate }
    readonly strict: { readonly encrypt: Rate; readonly decrypt: Rate }
  }
  readonly wrappedAes: ItemCaseResult
  readonly wrappedRsa: ItemCaseResult
  readonly directKms: ItemCaseResult
  readonly mostRecent: ItemCaseResult
  readonly client: ClientCaseResult
  readonly kmsQuery: KmsQueryResult
  readonly python: PythonResults | { readonly error: string }
  readonly java: JavaResults | { readonly error: string }
}

/** A reference implementation's rates per case (same case names for Python and Java), measured interleaved with ours. */
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

/** The 20x target for providers whose keys are local (FORMAT-independent product goal). */
export const PYTHON_TARGET_RATIO = 20

/** The cases a reference ran, in report order. */
function pythonCases(python: { readonly cases: ReferenceRates }): [PythonCase, { readonly encrypt: Rate; readonly decrypt: Rate }][] {
  return (['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent', 'direct-kms'] as const).flatMap((name) => {
    const rates = python.cases[name]
    return rates === undefined ? [] : [[name, rates] as [PythonCase, { readonly encrypt: Rate; readonly decrypt: Rate }]]
  })
}
/** Our core should reach at least this fraction of the bare node:crypto floor. */
export const FLOOR_TARGET_FRACTION = 0.3

const LOCAL_KEY_CASES: ReadonlySet<PythonCase> = new Set(['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent'])

function rate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(1)
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}x` : 'n/a'
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

/** The findings the lead reports against: targets met or missed. */
export function findings(results: BenchResults): string[] {
  const lines: string[] = []
  const encFloor = results.staticCore.encrypt.perSecond / results.floor.lean.encrypt.perSecond
  const decFloor = results.staticCore.decrypt.perSecond / results.floor.lean.decrypt.perSecond
  for (const [op, fraction] of [['encrypt', encFloor], ['decrypt', decFloor]] as const) {
    lines.push(`${fraction >= FLOOR_TARGET_FRACTION ? 'OK  ' : 'MISS'} core ${op} at ${percent(fraction)} of the lean crypto floor (target >= ${percent(FLOOR_TARGET_FRACTION)})`)
  }
  const kmsEnc = perItem(results.directKms.encryptCalls)
  const kmsDec = perItem(results.directKms.decryptCalls)
  lines.push(`${kmsEnc === 1 && kmsDec === 1 ? 'OK  ' : 'FAIL'} Direct KMS calls per item: ${kmsEnc} per encrypt, ${kmsDec} per decrypt (must be exactly 1)`)
  if ('cases' in results.python) {
    const ours = ourRates(results)
    for (const [name, py] of pythonCases(results.python)) {
      if (!LOCAL_KEY_CASES.has(name)) continue
      const enc = ours[name].encrypt.perSecond / py.encrypt.perSecond
      const dec = ours[name].decrypt.perSecond / py.decrypt.perSecond
      const ok = enc >= PYTHON_TARGET_RATIO && dec >= PYTHON_TARGET_RATIO
      lines.push(`${ok ? 'OK  ' : 'MISS'} ${name}: ${times(enc)} Python on encrypt, ${times(dec)} on decrypt (target >= ${PYTHON_TARGET_RATIO}x; ` +
        `per CPU second ${times(ours[name].encrypt.cpuPerSecond / py.encrypt.cpuPerSecond)} / ${times(ours[name].decrypt.cpuPerSecond / py.decrypt.cpuPerSecond)})`)
    }
    const py = results.python.cases.static
    if (py !== undefined) {
      // The floor is a ceiling for any Node implementation on node:crypto: if it is under the target, so are we.
      const enc = results.floor.lean.encrypt.perSecond / py.encrypt.perSecond
      const dec = results.floor.lean.decrypt.perSecond / py.decrypt.perSecond
      lines.push(`INFO the lean crypto floor itself is ${times(enc)} Python on encrypt and ${times(dec)} on decrypt (static case): ` +
        'the most any implementation on node:crypto can reach for this item')
    }
  } else {
    lines.push(`FAIL Python reference did not run: ${results.python.error}`)
  }
  if ('cases' in results.java) {
    const ours = ourRates(results)
    for (const [name, java] of pythonCases(results.java)) {
      const enc = ours[name].encrypt.perSecond / java.encrypt.perSecond
      const dec = ours[name].decrypt.perSecond / java.decrypt.perSecond
      lines.push(`INFO ${name}: ${times(enc)} Java on encrypt, ${times(dec)} on decrypt ` +
        `(per CPU second ${times(ours[name].encrypt.cpuPerSecond / java.encrypt.cpuPerSecond)} / ${times(ours[name].decrypt.cpuPerSecond / java.decrypt.cpuPerSecond)})`)
    }
  } else {
    lines.push(`FAIL Java reference did not run: ${results.java.error}`)
  }
  return lines
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
    'Rates are the median of 3 timed samples (5 for the client comparison) after a warm-up; each comparison (ours / floor / Python, encrypted / ' +
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

  out.push('## 1. Core (static AES-128 / HMAC-SHA256) vs the crypto floor')
  out.push('')
  out.push('Floor = the same item bytes, serialized beforehand, through bare node:crypto with its cheapest calls: per ' +
    'encrypted attribute AES-128-CBC with a fresh random IV, SHA-256 of the pieces of the string to sign, one ' +
    'HMAC-SHA256 (decrypt: the same hashes and HMAC, a constant-time compare, AES-CBC decrypt). The *lean* floor hashes ' +
    'the constant pieces (table, attribute names, ENCRYPTED/PLAINTEXT markers) once and takes IVs from a 4 KB random ' +
    'pool, as our core does; the *strict* floor hashes every piece and draws every IV separately, per item. ' +
    'Measured interleaved with our core and the Python reference.')
  out.push('')
  const floorRow = (op: 'encrypt' | 'decrypt'): string[] => {
    const ours = results.staticCore[op]
    const lean = results.floor.lean[op]
    const strict = results.floor.strict[op]
    return [op, rate(ours.perSecond), rate(lean.perSecond), percent(ours.perSecond / lean.perSecond),
      rate(strict.perSecond), percent(ours.perSecond / strict.perSecond), percent(ours.cpuPerSecond / lean.cpuPerSecond), spread(ours)]
  }
  out.push(table(['operation', 'ours items/s', 'lean floor', 'ours / lean', 'strict floor', 'ours / strict',
    'ours / lean (CPU)', 'ours samples'], [floorRow('encrypt'), floorRow('decrypt')]))
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
  const referencesRan = [results.python, results.java].filter((r): r is PythonResults | JavaResults => 'cases' in r)
  if (referencesRan.length > 0) {
    const ours = ourRates(results)
    const python = 'cases' in results.python ? results.python.cases : {}
    const java = 'cases' in results.java ? results.java.cases : {}
    const names = (['static', 'wrapped-aes', 'wrapped-rsa', 'most-recent', 'direct-kms'] as const)
      .filter((name) => python[name] !== undefined || java[name] !== undefined)
    const cell = (value: number | undefined): string => (value === undefined ? '-' : rate(value))
    const ratio = (ourValue: number, theirs: number | undefined): string => (theirs === undefined ? '-' : times(ourValue / theirs))
    for (const [key, what] of [['perSecond', 'Wall-clock items/s'], ['cpuPerSecond',
      'Items per CPU second of each process (for Direct KMS and most recent this leaves out time spent waiting for moto / DynamoDB Local)']] as const) {
      out.push(`${what}:`)
      out.push('')
      for (const op of ['encrypt', 'decrypt'] as const) {
        out.push(table([`case (${op})`, 'ours', 'Python', 'Java', 'ours / Python', 'ours / Java', 'Java / Python'], names.map((name) => {
          const mine = ours[name][op][key]
          const py = python[name]?.[op][key]
          const jv = java[name]?.[op][key]
          return [CASE_LABELS[name], rate(mine), cell(py), cell(jv), ratio(mine, py), ratio(mine, jv),
            py === undefined || jv === undefined ? '-' : times(jv / py)]
        })))
        out.push('')
      }
    }
  }
  for (const reference of [results.python, results.java]) {
    if ('error' in reference) out.push(`A reference did not run: ${reference.error}`)
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
