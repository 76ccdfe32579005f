/**
 * @ddb-encryption/bench: private benchmark package. Run it with `pnpm bench` at the repository root (entry point
 * `dist/bench.js`); these exports let other scripts reuse its pieces.
 */
export { benchItem, BENCH_ACTIONS, PARTITION_KEY, SORT_KEY, serializedSize, itemToWireJson } from './bench-item'
export { generateBenchKeys, delegatedKey, secretKeyObject, type BenchKeys, type KeySpec } from './bench-keys'
export { TrueFloor, floorItem, staticFloorParts, wrappedAesFloorParts, wrappedRsaFloorParts, type FloorPart, type FloorBreakdown, type FloorItem } from './true-floor'
export { countingClient, type CountingClient } from './counting-client'
export { asyncContender, syncContender, interleave, measure, wallTimeMs, median, DEFAULT_MEASURE, type Contender, type MeasureOptions, type Rate, type Sample } from './measure'
export { measureItemCase, benchConfig, type ItemCaseResult, type CallProbe, type PhaseCalls } from './item-case'
export { renderReport, renderChart, findings, targetChecks, targetTable, floorComparison, JAVA_TARGET_RATIO, PYTHON_TARGET_RATIO, TARGET_CASES, type TargetCheck, type BenchResults, type ReferenceRates, type PythonResults, type JavaResults } from './report'
export { JavaBenchServer, JAVA_MIN_WARMUP_MS } from './java-bench'
export { PythonBenchServer, PYTHON_BENCH_SCRIPT, type PythonCase, type PythonServerConfig } from './python-bench'
