'use strict'
/**
 * Jest reporter that prints two summary lines after jest's own summary (computed in onRunComplete):
 *
 *   vectors: skipped scenario <file> (<provider>)   one line per skipped scenario, by name
 *   vectors: P passed, F failed, S skipped   tests whose title starts with "scenario " (only if any ran)
 *   tests: N passed, N failed, N skipped     every test of every project in the run
 *
 * When only the `vectors` project ran (`pnpm test:vectors`) the `vectors:` line comes last; otherwise `tests:` does.
 * A test file that could not run at all (e.g. the vectors folder is missing) counts as one failed test, so the
 * totals never read "0 failed" for a broken run. Printing only: jest's exit code is unchanged.
 */
const SCENARIO_PREFIX = 'scenario '
const VECTORS_PROJECT = 'vectors'

function projectName(fileResult) {
  const displayName = fileResult.displayName
  if (typeof displayName === 'string') return displayName
  return displayName && typeof displayName.name === 'string' ? displayName.name : undefined
}

function isSkipped(status) {
  return status === 'pending' || status === 'skipped' || status === 'todo' || status === 'disabled'
}

class SummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig
  }

  onRunComplete(_testContexts, results) {
    const totals = { passed: 0, failed: 0, skipped: 0 }
    const vectors = { passed: 0, failed: 0, skipped: 0 }
    const skippedScenarios = []
    const projects = new Set()
    for (const fileResult of results.testResults || []) {
      projects.add(projectName(fileResult))
      const tests = fileResult.testResults || []
      if (tests.length === 0 && (fileResult.testExecError || fileResult.failureMessage)) {
        totals.failed += 1
        continue
      }
      for (const test of tests) {
        const bucket = test.status === 'passed' ? 'passed' : test.status === 'failed' ? 'failed' : isSkipped(test.status) ? 'skipped' : undefined
        if (bucket === undefined) continue
        totals[bucket] += 1
        if (typeof test.title === 'string' && test.title.startsWith(SCENARIO_PREFIX)) {
          vectors[bucket] += 1
          if (bucket === 'skipped') skippedScenarios.push(test.title)
        }
      }
    }
    const testsLine = `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`
    const anyScenario = vectors.passed + vectors.failed + vectors.skipped > 0
    const vectorsLine = `vectors: ${vectors.passed} passed, ${vectors.failed} failed, ${vectors.skipped} skipped`
    const onlyVectors = projects.size > 0 && [...projects].every((name) => name === VECTORS_PROJECT)
    // Skipped scenarios are listed by name (jest's default output does not name skipped tests).
    const skippedLines = skippedScenarios.map((title) => `vectors: skipped ${title}`)
    const lines = !anyScenario
      ? [testsLine]
      : onlyVectors
        ? [...skippedLines, testsLine, vectorsLine]
        : [...skippedLines, vectorsLine, testsLine]
    this.print(`${lines.join('\n')}\n`)
  }

  /**
   * Jest adds its own summary reporter after the custom ones, and globalTeardown runs after every reporter, so
   * printing here would not come last. The lines are computed now and written when the process exits (writes to
   * files, pipes and terminals are synchronous on Linux, so they are not lost). In watch mode jest never exits:
   * print on the next turn of the event loop instead, after the other reporters of this run.
   */
  print(text) {
    if (this.pending === undefined) {
      const flush = () => {
        const pending = this.pending
        this.pending = undefined
        if (pending !== undefined) process.stdout.write(pending)
      }
      if (this.globalConfig && (this.globalConfig.watch || this.globalConfig.watchAll)) setImmediate(flush)
      else process.once('exit', flush)
    }
    this.pending = text
  }
}

module.exports = SummaryReporter
