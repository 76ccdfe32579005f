/** Private: the fuzzer behind `pnpm fuzz` (see cli.ts) and its seeded smoke test. */
export { runFuzz, isClean, formatReport, type FuzzOptions, type FuzzReport, type FuzzFinding } from './fuzz'
