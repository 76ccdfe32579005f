// migrate's tests run its cryptography on core's EncryptorPool, whose worker threads execute core's built dist/
// (a worker cannot run TypeScript), and a pool only accepts configs built by the same copy of core. So these tests
// use core's dist (`pnpm test` builds before jest runs); everything else comes from the sources as usual.
const path = require('node:path')
const config = require('../../jest.projects.js').packageProjects(__dirname, 'migrate')

for (const project of config.projects) {
  project.moduleNameMapper = { '^@ddb-encryption/core$': path.join(__dirname, '..', 'core', 'dist', 'index.js'), ...project.moduleNameMapper }
}
module.exports = config
