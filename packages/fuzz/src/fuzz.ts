/**
 * The fuzz loop: seeded mutated inputs through decryptItem, decryptDocument, the deserializers and the providers.
 * Every failure must be a typed DynamoDBEncryptionError, no call may take over 1 s, no tampered item may decrypt,
 * and no error message may contain a plaintext value.
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import {
  CryptoAction,
  decryptDocument,
  decryptItem,
  deserializeAttribute,
  deserializeMaterialDescription,
  DynamoDBEncryptionError,
  encryptDocument,
  normalizeNumber,
  ReservedAttribute,
  serializeAttribute,
  stringToSign,
  type AttributeValue,
  type EncryptionContext,
  type Item,
  setOwn,
} from '@ddb-encryption/core'
import { clone, craftedBytes, garbageValue, mutant, mutateBytes } from './mutate'
import { Random } from './random'
import { ACTIONS, buildSubjects, randomValue, TABLE, VALUE_MARKER, type Subject } from './subjects'

export interface FuzzOptions {
  /** Number of inputs. */
  readonly iterations: number
  /** Seed of every random choice (keys, items, mutations). */
  readonly seed: number
  /** Valid items per provider kind to mutate. Default 24. */
  readonly itemsPerSubject?: number
  /** A call using more CPU time than this (on 3 runs), or never settling, counts as a hang. Default 1000 ms. */
  readonly hangMs?: number
  /** Called every `progressEvery` inputs with the figures so far. */
  readonly onProgress?: (done: number, figures: string) => void
  readonly progressEvery?: number
  /** Called before each input with its index (the CLI's watchdog uses it to find a call that never returns). */
  readonly onInput?: (index: number) => void
}

/** One input that broke a rule, with what is needed to reproduce it. */
export interface FuzzFinding {
  readonly index: number
  readonly kind: 'untyped error' | 'hang' | 'tampered and decrypted' | 'value in message' | 'malformed value accepted'
  readonly target: string
  readonly steps: readonly string[]
  readonly detail: string
}

export interface FuzzReport {
  readonly seed: number
  readonly inputs: number
  /** SHA-256 over every input's target and mutation steps: equal for equal seeds (keys and IVs are fresh per run). */
  readonly inputsDigest: string
  /** Inputs per target (decryptItem per provider, decryptDocument, the deserializers, the providers). */
  readonly targets: Record<string, number>
  /** Typed errors by code. */
  readonly typedErrors: Record<string, number>
  readonly untypedErrors: number
  readonly hangs: number
  readonly tamperedAndDecrypted: number
  readonly valueInMessage: number
  /** Deserialized or decrypted values that are not well formed (number text that is not a number). */
  readonly malformedAccepted: number
  /** Inputs that decrypted (unchanged or changed only where nothing is signed, or re-signed with the keys). */
  readonly succeeded: number
  /** Calls over the limit on their first run that were timed again (hangs are those slow every time). */
  readonly slowCallsRetimed: number
  /** The slowest call (for a call timed again, its fastest run). */
  readonly slowestCallMs: number
  readonly elapsedMs: number
  /** The first findings (at most 10 of each kind). */
  readonly findings: readonly FuzzFinding[]
}

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription
const TIMED_OUT = Symbol('timed out')

function messages(error: unknown): string {
  let text = ''
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) text += `${e.message}\n`
  return text
}

function bytesEqual(a: unknown, b: unknown): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A comparable form of a decrypted value: numbers normalized, sets sorted, bytes as hex. */
function canonical(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return hex(v)
    if (Array.isArray(v)) return v.map(walk)
    if (typeof v !== 'object' || v === null) return v
    const record = v as Record<string, unknown>
    const out: [string, unknown][] = []
    for (const key of Object.keys(record).sort()) {
      const body = record[key]
      if (key === 'N' && typeof body === 'string') out.push([key, normalizeNumber(body)])
      else if (key === 'NS' && Array.isArray(body)) out.push([key, body.map((n) => normalizeNumber(n as string)).sort()])
      else if ((key === 'SS' || key === 'BS') && Array.isArray(body)) out.push([key, (body.map(walk) as string[]).sort()])
      else out.push([key, walk(body)])
    }
    return out
  }
  return JSON.stringify(walk(value))
}

function body(item: Item): Item {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(item)) if (name !== SIGNATURE && name !== DESCRIPTION) setOwn(out, name, item[name])
  return out as Item
}

function signedBytes(item: Item): string | undefined {
  try {
    return hex(stringToSign(body(item), TABLE, ACTIONS))
  } catch {
    return undefined
  }
}

/**
 * Why a successful decryption of a mutant is tampering, or undefined if it is not: the signature, the signed
 * bytes or any decrypted signed value differs from the original.
 */
function tampering(stored: Item, plaintext: Item, mutated: Item, decrypted: Item): string | undefined {
  if (!bytesEqual((mutated[SIGNATURE] as { B?: unknown } | undefined)?.B, (stored[SIGNATURE] as { B: Uint8Array }).B)) return 'the signature changed'
  if (signedBytes(mutated) !== signedBytes(stored)) return 'the signed bytes changed'
  const names = new Set([...Object.keys(plaintext), ...Object.keys(decrypted)])
  for (const name of names) {
    if (ACTIONS.action(name) === CryptoAction.DO_NOTHING) continue
    const has = (item: Item): boolean => Object.prototype.hasOwnProperty.call(item, name)
    if (has(plaintext) !== has(decrypted)) return `attribute "${name}" appeared or disappeared`
    if (has(plaintext) && canonical(plaintext[name]) !== canonical(decrypted[name])) return `attribute "${name}" changed`
  }
  return undefined
}

/** Why a value returned by a deserializer or decryption is malformed (number text that is not a number), or undefined. */
function malformedNumber(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 2000) return undefined
  const valid = (text: unknown): boolean => {
    try {
      normalizeNumber(text as string)
      return true
    } catch {
      return false
    }
  }
  for (const [key, body] of Object.entries(value)) {
    if (key === 'N' && !valid(body)) return 'an N value that is not a number was accepted'
    if (key === 'NS' && Array.isArray(body) && !body.every(valid)) return 'an NS member that is not a number was accepted'
    if (typeof body === 'object') {
      const inner = malformedNumber(body, depth + 1)
      if (inner !== undefined) return inner
    }
  }
  return undefined
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * Runs one call and measures it: `ms` is the process CPU time it took (on a shared machine, wall time also counts
 * the time the thread waited for a core); a call that has not settled after `timeoutMs` of wall time is TIMED_OUT.
 */
async function timed(call: () => unknown, timeoutMs: number): Promise<{ outcome: Outcome | typeof TIMED_OUT; ms: number }> {
  const start = process.cpuUsage()
  let timer: NodeJS.Timeout | undefined
  let outcome: Outcome | typeof TIMED_OUT
  try {
    const pending = Promise.resolve().then(call)
    const watchdog = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs) })
    const value = await Promise.race([pending, watchdog])
    outcome = value === TIMED_OUT ? TIMED_OUT : { ok: true, value }
  } catch (error) {
    outcome = { ok: false, error }
  } finally {
    clearTimeout(timer)
  }
  const used = process.cpuUsage(start)
  return { outcome, ms: (used.user + used.system) / 1000 }
}

/** A provider context built from a stored item, with one part replaced by garbage. */
function garbageContext(random: Random, stored: Item): unknown {
  let description: Record<string, string> = {}
  try {
    description = { ...deserializeMaterialDescription((stored[DESCRIPTION] as { B: Uint8Array }).B) }
  } catch { /* keep empty */ }
  const context: Record<string, unknown> = { tableName: TABLE, partitionKeyName: 'pk', sortKeyName: 'sk', attributes: clone(stored), materialDescription: description }
  switch (random.int(8)) {
    case 0: return random.pick([null, undefined, {}, 'context', [], 0])
    case 1: context.attributes = random.pick([null, undefined, 'x', [], 5]); break
    case 2: setOwn(context.attributes as Record<string, unknown>, random.pick(['pk', 'sk']), garbageValue(random)); break
    case 3: context.materialDescription = random.pick([null, undefined, 'x', [], 5, new Map()]); break
    case 4: setOwn(description, random.pick(Object.keys(description).concat('amzn-ddb-env-key')), random.pick([5, null, undefined, {}, ['a']]) as string); break
    case 5: context.tableName = random.pick([5, null, {}, '']); break
    case 6: context.partitionKeyName = random.pick([5, null, '__proto__', 'constructor', 'toString', {}]); break
    default: context.sortKeyName = random.pick([5, null, '__proto__', 'hasOwnProperty', []]); break
  }
  return context
}

const NATIVE_GARBAGE: ReadonlyArray<() => unknown> = [
  () => undefined, () => null, () => NaN, () => Infinity, () => () => 1, () => Symbol('x'), () => 10n ** 40n, () => new Date(0),
  () => new (class Point { x = 1 })(), () => { const a: Record<string, unknown> = {}; a.self = a; return a }, () => 'AAAA', () => '',
  () => new Set(), () => new Set([1, 'a']), () => [undefined], () => ({ toJSON: () => 'x' }), () => new Uint16Array(3),
]

/** Runs the fuzzer; never throws for a finding (see the report). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { iterations, seed } = options
  const hangMs = options.hangMs ?? 1000
  // A promise that never settles uses no CPU: it is caught by wall time, generously (the machine may be shared).
  const neverSettlesMs = Math.max(30_000, hangMs * 30)
  const random = new Random(seed)
  const subjects = await buildSubjects(random, options.itemsPerSubject ?? 24)
  const totalWeight = subjects.reduce((sum, s) => sum + s.weight, 0)
  const staticSubject = subjects.find((s) => s.keys !== undefined) as Subject
  const document = { pk: `${VALUE_MARKER}doc`, sk: 7, secret: `${VALUE_MARKER}secret`, list: [1, 'a', true], map: { a: 1, b: [VALUE_MARKER] }, note: 'free' }
  const storedDocument = await encryptDocument(document, staticSubject.config)
  const descriptions = subjects.flatMap((s) => s.stored.map((item) => (item[DESCRIPTION] as { B: Uint8Array }).B))

  const targets: Record<string, number> = {}
  const typedErrors: Record<string, number> = {}
  const findings: FuzzFinding[] = []
  let untypedErrors = 0
  let hangs = 0
  let tampered = 0
  let leaks = 0
  let accepted = 0
  let succeeded = 0
  let slowRetimed = 0
  let slowest = 0
  const started = performance.now()
  const profile: Record<string, number> = {}
  const digest = createHash('sha256')

  const record = (finding: FuzzFinding): void => {
    if (findings.filter((f) => f.kind === finding.kind).length < 10) findings.push(finding)
  }

  for (let index = 0; index < iterations; index++) {
    options.onInput?.(index)
    const roll = random.int(100)
    let target: string
    let steps: readonly string[] = []
    let call: () => unknown
    let check: ((value: unknown) => string | undefined) | undefined
    let malformedCheck = false
    if (roll < 72) {
      let pick = random.int(totalWeight)
      let subject = subjects[0] as Subject
      for (const s of subjects) {
        if (pick < s.weight) { subject = s; break }
        pick -= s.weight
      }
      const itemIndex = random.int(subject.stored.length)
      const m = await mutant(random, subject, itemIndex)
      target = `decryptItem (${subject.name})`
      steps = m.steps
      call = () => decryptItem(m.item as Item, m.config)
      if (m.resigned) malformedCheck = true
      else if (!m.resigned && m.config === subject.config && typeof m.item === 'object' && m.item !== null) {
        check = (value) => tampering(subject.stored[itemIndex] as Item, subject.plaintexts[itemIndex] as Item, m.item as Item, value as Item)
      }
    } else if (roll < 84) {
      target = 'deserializeAttribute'
      const kind = random.int(10)
      let input: unknown
      if (kind === 0) input = random.pick([null, undefined, 'AAA', [0, 0x73], new ArrayBuffer(2), new Uint16Array(2), {}])
      else if (kind < 4) input = craftedBytes(random)
      else {
        let bytes = serializeAttribute(randomValue(random, 3) as AttributeValue)
        for (let n = 1 + random.int(3); n > 0; n--) bytes = mutateBytes(random, bytes)
        input = bytes
      }
      call = () => deserializeAttribute(input as Uint8Array)
      malformedCheck = true
    } else if (roll < 91) {
      target = 'deserializeMaterialDescription'
      const input: unknown = random.chance(0.05)
        ? random.pick([null, undefined, 'AAAA', [0, 0, 0, 0], new ArrayBuffer(4)])
        : mutateBytes(random, random.pick(descriptions))
      call = () => deserializeMaterialDescription(input as Uint8Array)
    } else if (roll < 96) {
      const subject = random.pick(subjects)
      target = `provider (${subject.name})`
      const context = garbageContext(random, random.pick(subject.stored))
      call = random.chance(0.8)
        ? () => subject.provider.getDecryptionMaterials(context as EncryptionContext)
        : () => subject.provider.getEncryptionMaterials(context as EncryptionContext)
    } else {
      target = 'decryptDocument'
      const doc = clone(storedDocument) as Record<string, unknown>
      const field = random.pick(Object.keys(doc).concat('extra'))
      const current = doc[field]
      const replacement = current instanceof Uint8Array && random.chance(0.6) ? mutateBytes(random, current) : random.pick(NATIVE_GARBAGE)()
      if (random.chance(0.1)) delete doc[field]
      else setOwn(doc, field, replacement)
      steps = [`document field ${JSON.stringify(field)}`]
      const whole: unknown = random.chance(0.03) ? random.pick([null, undefined, 5, 'doc', []]) : doc
      call = () => decryptDocument(whole as Record<string, unknown>, staticSubject.config)
      // A decrypted document must equal the original in every signed field; the signature must be the stored one.
      // (`note` is DO_NOTHING; the description is not signed, so a change that still decrypts is harmless.)
      if (whole === doc) {
        check = (value) => {
          const out = value as Record<string, unknown>
          if (!bytesEqual(doc[SIGNATURE], storedDocument[SIGNATURE])) return 'the signature changed'
          for (const name of new Set([...Object.keys(document), ...Object.keys(out)])) {
            if (name === 'note' || name === 'extra') continue
            if (JSON.stringify(out[name]) !== JSON.stringify((document as Record<string, unknown>)[name])) return `document field "${name}" changed`
          }
          return undefined
        }
      }
    }
    targets[target] = (targets[target] ?? 0) + 1
    digest.update(`${index} ${target} ${steps.join(',')}\n`)

    const timing = await timed(call, neverSettlesMs)
    let outcome = timing.outcome
    let ms = timing.ms
    if (process.env.FUZZ_PROFILE !== undefined) profile[target] = (profile[target] ?? 0) + ms
    if (outcome === TIMED_OUT || ms > hangMs) {
      // A GC pause can land in any call: time it again (the same input), and count it as a hang only if it is slow
      // (or never settles) every time.
      slowRetimed++
      for (let again = 0; again < 2 && (ms > hangMs || outcome === TIMED_OUT); again++) {
        const retry = await timed(call, neverSettlesMs)
        if (retry.ms < ms || outcome === TIMED_OUT) ms = retry.ms
        if (outcome === TIMED_OUT) outcome = retry.outcome
      }
      if (ms > hangMs || outcome === TIMED_OUT) {
        hangs++
        record({ index, kind: 'hang', target, steps, detail: outcome === TIMED_OUT ? 'never settled' : `${Math.round(ms)} ms of CPU (fastest of 3 runs)` })
        continue
      }
    }
    if (ms > slowest) slowest = ms
    if (outcome.ok) {
      succeeded++
      const problem = check?.(outcome.value)
      if (problem !== undefined) {
        tampered++
        record({ index, kind: 'tampered and decrypted', target, steps, detail: problem })
      }
      const malformed = malformedCheck ? malformedNumber(outcome.value) : undefined
      if (malformed !== undefined) {
        accepted++
        record({ index, kind: 'malformed value accepted', target, steps, detail: malformed })
      }
    } else {
      const error = outcome.error
      if (error instanceof DynamoDBEncryptionError && DynamoDBEncryptionError.isInstance(error)) {
        typedErrors[error.code] = (typedErrors[error.code] ?? 0) + 1
      } else {
        untypedErrors++
        const name = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` : String(error)
        record({ index, kind: 'untyped error', target, steps, detail: name })
      }
      if (messages(error).includes(VALUE_MARKER)) {
        leaks++
        record({ index, kind: 'value in message', target, steps, detail: error instanceof Error ? error.message.slice(0, 200) : '' })
      }
    }
    if (options.onProgress !== undefined && (index + 1) % (options.progressEvery ?? 100_000) === 0) {
      const typed = Object.values(typedErrors).reduce((a, b) => a + b, 0)
      options.onProgress(index + 1, `typed errors ${typed}, untyped ${untypedErrors}, hangs ${hangs}, tampered and decrypted ${tampered}, ` +
        `values in messages ${leaks}, malformed accepted ${accepted}, ${Math.round((performance.now() - started) / 1000)} s`)
    }
  }
  if (process.env.FUZZ_PROFILE !== undefined) console.log(profile)
  return {
    seed,
    inputs: iterations,
    inputsDigest: digest.digest('hex'),
    targets,
    typedErrors,
    untypedErrors,
    hangs,
    tamperedAndDecrypted: tampered,
    valueInMessage: leaks,
    malformedAccepted: accepted,
    succeeded,
    slowCallsRetimed: slowRetimed,
    slowestCallMs: Math.round(slowest * 10) / 10,
    elapsedMs: Math.round(performance.now() - started),
    findings,
  }
}

/** True if the report has no finding of any kind. */
export function isClean(report: FuzzReport): boolean {
  return report.untypedErrors === 0 && report.hangs === 0 && report.tamperedAndDecrypted === 0 && report.valueInMessage === 0 && report.malformedAccepted === 0
}

/** The report as the lines `pnpm fuzz` prints. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `inputs: ${report.inputs}`,
    ...Object.entries(report.targets).sort().map(([name, n]) => `  ${name}: ${n}`),
    `typed errors: ${Object.values(report.typedErrors).reduce((a, b) => a + b, 0)}`,
    ...Object.entries(report.typedErrors).sort((a, b) => b[1] - a[1]).map(([code, n]) => `  ${code}: ${n}`),
    `succeeded (unchanged, unsigned changes or re-signed): ${report.succeeded}`,
    `untyped errors: ${report.untypedErrors}`,
    `hangs (> 1 s of CPU on 3 runs, or never settling): ${report.hangs}`,
    `  (calls over 1 s on a first run, then timed again: ${report.slowCallsRetimed})`,
    `tampered and decrypted: ${report.tamperedAndDecrypted}`,
    `plaintext values in error messages: ${report.valueInMessage}`,
    `malformed values accepted: ${report.malformedAccepted}`,
    `slowest call: ${report.slowestCallMs} ms of CPU`,
    `seed: ${report.seed} (inputs digest ${report.inputsDigest.slice(0, 16)})`,
    `elapsed: ${(report.elapsedMs / 1000).toFixed(1)} s`,
  ]
  for (const f of report.findings) lines.push(`FINDING #${f.index} ${f.kind} in ${f.target} [${f.steps.join(', ')}]: ${f.detail}`)
  return lines.join('\n')
}
