/**
 * `pnpm fuzz [--iterations N] [--seed S]`: at least 1,000,000 mutated inputs by default. Exits 1 on any untyped
 * error, hang, tampered item that decrypted, or plaintext value in an error message. Reproduce a run with its seed.
 */
import { formatReport, isClean, runFuzz } from './fuzz'

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const text = at >= 0 ? process.argv[at + 1] : process.env[`FUZZ_${name.toUpperCase()}`]
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`)
  return value
}

async function main(): Promise<void> {
  const iterations = argument('iterations', 1_000_000)
  const seed = argument('seed', Date.now() % 0x1_0000_0000)
  console.log(`fuzz: ${iterations} inputs, seed ${seed}`)
  const report = await runFuzz({
    iterations,
    seed,
    onProgress: (done) => console.log(`  ${done} / ${iterations}`),
    progressEvery: Math.max(10_000, Math.floor(iterations / 20)),
  })
  console.log(formatReport(report))
  if (!isClean(report)) process.exitCode = 1
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 2
})
