import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

const REPO_ROOT = join(__dirname, '..', '..', '..', '..')
const GLOBAL_SETUP = join(REPO_ROOT, 'packages', 'testing', 'jest', 'global-setup.js')

interface Project {
  displayName: string
  rootDir: string
  globalSetup?: string
  globalTeardown?: string
  testMatch?: string[]
  testPathIgnorePatterns?: string[]
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (file: string): { projects?: Project[] } => require(file) as { projects?: Project[] }

const packageDirs = [
  ...readdirSync(join(REPO_ROOT, 'packages')).map((name) => join(REPO_ROOT, 'packages', name)),
  join(REPO_ROOT, 'examples'),
].filter((dir) => existsSync(join(dir, 'jest.config.js')))

describe('jest projects', () => {
  const root = load(join(REPO_ROOT, 'jest.config.js'))

  it('the root config runs the projects of every package', () => {
    const rootProjects = root.projects ?? []
    for (const dir of packageDirs) {
      const own = load(join(dir, 'jest.config.js')).projects ?? []
      expect(own.length).toBeGreaterThan(0)
      for (const project of own) expect(rootProjects).toContainEqual(project)
    }
    expect(rootProjects.length).toBe(packageDirs.reduce((sum, dir) => sum + (load(join(dir, 'jest.config.js')).projects?.length ?? 1), 0))
  })

  it.each(['core', 'providers-wrapped'])('%s starts no service', (name) => {
    const projects = load(join(REPO_ROOT, 'packages', name, 'jest.config.js')).projects ?? []
    expect(projects.map((project) => project.displayName)).toEqual([name])
    for (const project of projects) {
      expect(project.globalSetup).toBeUndefined()
      expect(project.globalTeardown).toBeUndefined()
    }
  })

  it('only projects that need services start them, and tests under test/integration/ always get them', () => {
    for (const dir of packageDirs) {
      const projects = load(join(dir, 'jest.config.js')).projects ?? []
      const name = relative(REPO_ROOT, dir)
      // All projects of a package share one name, so --selectProjects <name> runs all of its tests.
      expect(new Set(projects.map((project) => project.displayName)).size).toBe(1)
      for (const project of projects) {
        const starts = project.globalSetup === GLOBAL_SETUP
        const excludesIntegration = (project.testPathIgnorePatterns ?? []).includes('<rootDir>/test/integration/')
        const onlyIntegration = (project.testMatch ?? []).every((pattern) => pattern.startsWith('<rootDir>/test/integration/'))
        if (!starts) expect({ name, excludesIntegration }).toEqual({ name, excludesIntegration: true })
        if (starts && onlyIntegration) expect(excludesIntegration).toBe(false)
      }
    }
  })

  it.each(packageDirs.map((dir) => [relative(REPO_ROOT, dir), dir]))(
    '`pnpm --filter` %s test (jest in the package folder) finds exactly the package\'s own tests',
    (_name, dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }
      expect(manifest.scripts?.['test']).toBe('jest')
      const listed = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--listTests'], { cwd: dir, encoding: 'utf8' })
      expect(listed.status).toBe(0)
      const found = listed.stdout.split('\n').filter((line) => line !== '').map((file) => relative(dir, file)).sort()
      expect(found).toEqual(listTests(join(dir, 'test')).map((file) => relative(dir, file)).sort())
    },
    30_000,
  )
})

function listTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listTests(join(dir, entry.name)) : entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [])
}
