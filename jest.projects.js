// The jest projects of a package, from the shared preset (jest.preset.js).
//
// Tests that need no service (test/unit, and any other test outside test/integration) form a project that starts
// nothing; tests that need DynamoDB Local, moto's KMS or the Python virtualenv form a project whose globalSetup starts
// them. Jest runs a project's globalSetup only when at least one of its tests is selected, so
// `pnpm --filter @ddb-encryption/core test` or `pnpm jest --selectProjects core` start no service. Both projects of
// a package share its name, so `pnpm jest --selectProjects client-helpers` runs all of that package's tests.
const path = require('node:path')
const preset = require('./jest.preset.js')

/** globalSetup/globalTeardown that start DynamoDB Local, moto's KMS and the Python virtualenv once per run. */
const withServices = {
  globalSetup: path.join(__dirname, 'packages/testing/jest/global-setup.js'),
  globalTeardown: path.join(__dirname, 'packages/testing/jest/global-teardown.js'),
}

/**
 * The jest projects of one package.
 * @param {string} rootDir the package folder (`__dirname` of its jest.config.js)
 * @param {string} name the project name used with `--selectProjects` (the folder name)
 * @param {{ services?: 'none' | 'integration' | 'all' }} [options] which tests need the services: none, those under
 *   `test/integration/` (default), or every test of the package
 */
function packageProjects(rootDir, name, { services = 'integration' } = {}) {
  const base = { ...preset, displayName: name, rootDir }
  if (services === 'all') return { projects: [{ ...base, ...withServices }], testTimeout: preset.testTimeout }
  const unit = { ...base, testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'] }
  if (services === 'none') return { projects: [unit], testTimeout: preset.testTimeout }
  const integration = { ...base, ...withServices, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] }
  // testTimeout is a global option: jest ignores it inside a project, so the package-level run sets it here.
  return { projects: [unit, integration], testTimeout: preset.testTimeout }
}

module.exports = { packageProjects, withServices }
