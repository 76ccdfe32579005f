// One jest run for the whole repository: DynamoDB Local and moto's KMS are started once (globalSetup) and
// shared by every project; see packages/testing.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/examples/jest.config.js'],
  globalSetup: '<rootDir>/packages/testing/jest/global-setup.js',
  globalTeardown: '<rootDir>/packages/testing/jest/global-teardown.js',
  reporters: ['default', '<rootDir>/packages/vectors/jest/summary-reporter.js'],
  maxWorkers: 2,
}
