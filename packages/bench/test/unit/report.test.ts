import { findings, renderReport, targetChecks, targetTable, type BenchResults } from '../../src/report'
import type { Rate } from '../../src/measure'
import type { PhaseProfile } from '../../src/profile'

/** A rate of `cpu` items per CPU second (wall-clock half of it). */
function r(cpu: number): Rate {
  return { perSecond: cpu / 2, cpuPerSecond: cpu, samples: [cpu / 2], operations: 100 }
}

const pair = (encrypt: number, decrypt: number) => ({ encrypt: r(encrypt), decrypt: r(decrypt) })
const floor = (encrypt: number, decrypt: number) => ({
  encrypt: { rate: r(encrypt), breakdown: { parts: [], cpuMicrosPerItem: 1e6 / encrypt } },
  decrypt: { rate: r(decrypt), breakdown: { parts: [], cpuMicrosPerItem: 1e6 / decrypt } },
})

function profile(caseName: PhaseProfile['caseName'], operation: 'encrypt' | 'decrypt', total: number): PhaseProfile {
  return {
    caseName,
    operation,
    cpuMicrosPerItem: total,
    phaseMicros: {
      serialize: total * 0.3,
      digests: total * 0.1,
      cipher: total * 0.2,
      'MAC / signature': total * 0.05,
      materials: total * 0.25,
      description: total * 0.02,
      'encryptor (item objects, checks)': total * 0.05,
      'allocation (GC)': total * 0.02,
      'other (promises, loop, runtime)': total * 0.01,
    },
  }
}

function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    startedAt: '2026-11-30T00:00:00.000Z',
    durationS: 1,
    environment: { node: '20', cpu: 'test CPU', cores: 2, loadAverage: { start: [1, 1, 1], end: [1, 1, 1] } },
    item: { attributes: 10, serializedBytes: 977, encrypted: 8 },
    // Ours: static 20,000 / 10,000 items per CPU second, wrapped AES 6,000 / 5,000.
    staticCore: pair(20_000, 10_000),
    wrappedAes: pair(6_000, 5_000),
    wrappedRsa: pair(600, 600),
    mostRecent: pair(6_000, 5_000),
    directKms: { ...pair(100, 100), encryptCalls: { calls: 10, items: 10 }, decryptCalls: { calls: 10, items: 10 } },
    floors: { static: floor(50_000, 40_000), 'wrapped-aes': floor(30_000, 30_000), 'wrapped-rsa': floor(1_000, 1_000) },
    phases: '(phase table)',
    phaseProfiles: [profile('static', 'decrypt', 100), profile('wrapped-aes', 'encrypt', 166.7)],
    cores: {
      batch: 512,
      encrypt: { inThread: r(1), pool1: r(1), pool2: r(1), pool1Caller: r(1), pool2Caller: r(1) },
      decrypt: { inThread: r(1), pool1: r(1), pool2: r(1), pool1Caller: r(1), pool2Caller: r(1) },
    },
    client: { put: { plain: r(10), encrypted: r(9) }, get: { plain: r(10), encrypted: r(9) }, query25: { plain: r(10), encrypted: r(9) } },
    kmsQuery: { items: 100, defaultConcurrency: 16, defaultMs: 100, serialMs: 200 },
    python: { library: '3.3.0', python: '3.11', cases: { static: pair(1_000, 500), 'wrapped-aes': pair(1_000, 1_000) } },
    // Java: static 10,000 / 8,000 (ours 2.0x pass / 1.25x miss), wrapped AES 5,000 / 2,000 (1.2x miss / 2.5x pass).
    java: {
      library: '2.0.3',
      java: '17',
      cases: { static: pair(10_000, 8_000), 'wrapped-aes': pair(5_000, 2_000), 'wrapped-rsa': pair(300, 300), 'most-recent': pair(4_000, 3_000), 'direct-kms': pair(50, 50) },
    },
    ...overrides,
  } as BenchResults
}

describe('bench report: targets of issue 14', () => {
  test('checks every Java target per path and direction, and the Python target on static', () => {
    const checks = targetChecks(results())
    const verdicts = Object.fromEntries(checks.map((c) => [`${c.caseName} ${c.operation} ${c.reference}`, c.met]))
    expect(verdicts).toEqual({
      'static encrypt Java': true, // 2.0x
      'static encrypt Python': false, // 20x < 25x
      'static decrypt Java': false, // 1.25x
      'static decrypt Python': false, // 20x
      'wrapped-aes encrypt Java': false, // 1.2x
      'wrapped-aes decrypt Java': true, // 2.5x
      'wrapped-rsa encrypt Java': true, // 2.0x
      'wrapped-rsa decrypt Java': true,
      'most-recent encrypt Java': true, // 1.5x exactly
      'most-recent decrypt Java': true, // 1.67x
    })
    const staticDecrypt = checks.find((c) => c.caseName === 'static' && c.operation === 'decrypt' && c.reference === 'Java')!
    expect(staticDecrypt.ratio).toBeCloseTo(1.25)
    expect(staticDecrypt.oursMicros).toBeCloseTo(100)
    // 1.5x Java's 8,000 items per CPU second = 12,000 → 83.3 µs per item.
    expect(staticDecrypt.neededMicros).toBeCloseTo(83.33, 1)
  })

  test('findings: OK / MISS per target, and each miss says what meeting it needs, the floor and the largest phases', () => {
    const lines = findings(results())
    expect(lines).toContain('OK   static encrypt: 2.0x Java per CPU second (target >= 1.5x; ours 50.0 µs per item, Java 100.0 µs)')
    const miss = lines.find((line) => line.startsWith('MISS static decrypt: 1.3x Java'))
    expect(miss).toBeDefined()
    expect(miss).toContain('meeting it needs <= 83.3 µs per item, 16.7 µs less')
    expect(miss).toContain('the floor is 25.0 µs')
    expect(miss).toContain('largest phases (profile, 100.0 µs per item): serialize 30.0 µs, materials 25.0 µs, cipher 20.0 µs, digests 10.0 µs')
    expect(lines.some((line) => line.startsWith('MISS static encrypt: 20x Python'))).toBe(true)
    expect(lines.some((line) => line.startsWith('MISS wrapped-aes encrypt: 1.2x Java'))).toBe(true)
    expect(lines.some((line) => line.startsWith('OK   wrapped-aes decrypt: 2.5x Java'))).toBe(true)
    expect(lines.some((line) => line.startsWith('INFO direct-kms: 2.0x Java'))).toBe(true)
    expect(lines.some((line) => line.startsWith('FAIL'))).toBe(false)
  })

  test('the floor is worded both ways round, never as an ambiguous ratio', () => {
    const lines = findings(results())
    // Ours 20,000 items per CPU second (50 µs), floor 50,000 (20 µs): the floor is 40% of our time, ours 2.5x the floor.
    expect(lines).toContain('INFO static encrypt: floor = 40% of our CPU time per item (ours = 2.5x the floor): ours 50.0 µs, floor 20.0 µs per item')
    expect(lines.join('\n')).not.toMatch(/floor is \d{3,}%/)
  })

  test('a missing reference is a failure, not a silent pass', () => {
    const lines = findings(results({ java: { error: 'skipped (BENCH_SKIP_JAVA=1)' } }))
    expect(lines).toContain('FAIL Java reference did not run: skipped (BENCH_SKIP_JAVA=1)')
    expect(lines.some((line) => / Java per CPU second/.test(line))).toBe(false)
  })

  test('a too-few-calls Direct KMS run fails', () => {
    const bad = results()
    const lines = findings({ ...bad, directKms: { ...bad.directKms, encryptCalls: { calls: 5, items: 10 } } })
    expect(lines.some((line) => line.startsWith('FAIL Direct KMS calls per item: 0.5'))).toBe(true)
  })

  test('the targets table has one row per path and direction with pass / MISS and the floor share', () => {
    const text = targetTable(results())
    const row = (path: string): string => text.split('\n').find((line) => line.startsWith(`| ${path} `))!
    expect(row('static encrypt')).toMatch(/2\.0x pass .*20x MISS .*50\.0 µs .*20\.0 µs .*40% \(ours 2\.5x\)/)
    expect(row('static decrypt')).toMatch(/1\.3x MISS/)
    expect(row('most-recent decrypt')).toMatch(/1\.7x pass/)
    expect(text.split('\n')).toHaveLength(2 + 8)
    expect(renderReport(results())).toContain('## Targets (issue 14)')
  })

  test('the across-cores table has the pools with and without the calling thread', () => {
    const firstCells = renderReport(results()).split('\n').map((line) => line.split('|')[1]?.trim())
    for (const label of ['this thread (1 core)', 'pool, 1 thread', 'pool, 2 threads (2 cores)', 'pool, 1 thread + this thread (2 cores)', 'pool, 2 threads + this thread']) {
      expect(firstCells).toContain(label)
    }
  })
})
