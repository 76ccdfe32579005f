// Shared ts-jest preset: every package's tests run against the TypeScript sources of its siblings
// (moduleNameMapper), so a test never depends on a stale dist/. Type errors are caught by `pnpm typecheck`.
// Packages do not spread it themselves: their jest.config.js calls packageProjects (jest.projects.js).
const path = require('node:path')

// The SDK warns once per worker that future versions need Node 22; that is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', esModuleInterop: true, isolatedModules: true, ignoreDeprecations: '6.0' } }] },
  moduleNameMapper: { '^@ddb-encryption/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts') },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Generous: integration tests share DynamoDB Local and moto on a 2-core machine. Speed is measured by pnpm bench.
  testTimeout: 60_000,
}
