// One jest run for the whole repository: the projects of every package (see jest.projects.js). DynamoDB Local and
// moto's KMS are started once per run, and only if a selected test needs them (packages/testing/jest).
const fs = require('node:fs')
const path = require('node:path')
const { withServices } = require('./jest.projects.js')

const configFiles = [
  ...fs
    .readdirSync(path.join(__dirname, 'packages'))
    .sort()
    .map((name) => path.join(__dirname, 'packages', name, 'jest.config.js')),
  path.join(__dirname, 'examples', 'jest.config.js'),
].filter((file) => fs.existsSync(file))

// A package config is either `{ projects }` (packageProjects) or a single project; a single project is assumed to
// need the services, so a package that has not split its tests still gets them.
const projects = configFiles.flatMap((file) => {
  const config = require(file)
  return config.projects ?? [{ ...withServices, ...config }]
})

module.exports = {
  projects,
  reporters: ['default', '<rootDir>/packages/vectors/jest/summary-reporter.js'],
  maxWorkers: 2,
  // A global option: jest ignores testTimeout inside project configs (the preset's value only applies when a
  // package runs jest on its own), so without it every test of a root run gets jest's default of 5 s.
  testTimeout: 60_000,
}
