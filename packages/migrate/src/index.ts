/**
 * @ddb-encryption/migrate: migrations for DynamoDB client-side encryption. Read items during a migration window
 * (plaintext and previous configurations), encrypt a plaintext table, re-encrypt under new actions or providers,
 * verify a table, explain a signature failure; parallel, rate-limited and resumable. The `ddb-encryption` CLI runs
 * the same jobs.
 */
export {
  loadConfigurationModule,
  type MigrationConfiguration,
  type MigrationCryptoOptions,
  type TargetConfiguration,
  type ConfigurationModuleContext,
} from './migration-configuration'
export {
  encryptTable,
  reEncryptTable,
  verifyTable,
  type TableJobOptions,
  type TableJobResult,
  type TableJobCommand,
  type JobProgress,
  type ItemFailure,
  type SegmentRange,
} from './table-job'
export type { JobCounts } from './job-counts'
export {
  FileCheckpointStore,
  DynamoDBCheckpointStore,
  type CheckpointStore,
  type SegmentCheckpoint,
  type DynamoDBCheckpointStoreOptions,
} from './checkpoint-store'
export { CapacityLimiter, type CapacityLimiterOptions } from './capacity-limiter'
export { explainItem, type ExplainOptions, type Explanation, type ActionDifference } from './explain'
export { progressReporter, formatProgressLine, type ProgressReporterOptions } from './progress-reporter'
export { runCli, USAGE, ExitStatus, type CliIo } from './cli'
