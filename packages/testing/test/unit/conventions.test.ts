/**
 * The error conventions of CONTRIBUTING.md, asserted over every exported error class of every published package
 * (found from packages/*\/package.json, so a new package is covered without editing this file).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const REPO_ROOT = join(__dirname, '..', '..', '..', '..')
const PACKAGES_DIR = join(REPO_ROOT, 'packages')

interface Published {
  name: string
  dir: string
}

const published: Published[] = readdirSync(PACKAGES_DIR)
  .filter((folder) => existsSync(join(PACKAGES_DIR, folder, 'package.json')))
  .map((folder) => ({ dir: join(PACKAGES_DIR, folder), manifest: JSON.parse(readFileSync(join(PACKAGES_DIR, folder, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ dir, manifest }) => ({ name: manifest.name, dir }))

type ErrorClass = (new (message: string, options?: ErrorOptions) => Error & { code?: unknown }) & { name: string; prototype: Error }

// Loaded through jest's moduleNameMapper (the sources), like every test; `require` keeps this file free of
// compile-time dependencies on the packages it inspects.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (name: string): Record<string, unknown> => require(name) as Record<string, unknown>
const core = load('@ddb-encryption/core') as { DynamoDBEncryptionError: ErrorClass & { isInstance(value: unknown): boolean } }
const Base = core.DynamoDBEncryptionError

const errorClasses: Array<{ pkg: string; exportName: string; cls: ErrorClass }> = []
for (const pkg of published) {
  for (const [exportName, value] of Object.entries(load(pkg.name))) {
    if (typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error) {
      errorClasses.push({ pkg: pkg.name, exportName, cls: value as ErrorClass })
    }
  }
}
// The same class re-exported by several packages counts once.
const unique = [...new Map(errorClasses.map((entry) => [entry.cls, entry])).values()]
unique.push({ pkg: '@ddb-encryption/core', exportName: 'DynamoDBEncryptionError', cls: Base })
const classes = [...new Map(unique.map((entry) => [entry.cls, entry])).values()]

const sourceFiles = published.flatMap((pkg) => listTs(join(pkg.dir, 'src')).map((file) => ({ file: file.slice(REPO_ROOT.length + 1), text: readFileSync(file, 'utf8') })))
const sources = sourceFiles.map((source) => source.text).join('\n')

/**
 * `throw new Error(` in published sources: only where no input reaches it (a Node API broke its contract) or as a
 * `cause`. Anything a caller, a table or a service can trigger throws one of the library's classes; a case the
 * types already exclude is written as an exhaustive `switch`, not as a throw. Adding an entry needs a reason here.
 */
const INVARIANT_ERRORS: Readonly<Record<string, number>> = {
  // node:crypto returned another length than it must (a cipher context broke its contract).
  'packages/core/src/crypto/aes-cbc.ts': 2,
  // Also one for wrapBatch called (internally) with a buffer that is not whole keys.
  'packages/core/src/crypto/aes-key-wrap.ts': 4,
  // The pool's item transport read a tag its own encoder never writes (the two ends of one build disagree).
  'packages/core/src/batch/item-transport.ts': 1,
  // The worker entry point was loaded outside a worker thread (only EncryptorPool starts it).
  'packages/core/src/batch/pool-worker.ts': 1,
  // Thrown inside a try and wrapped as the cause of an UnwrappingError.
  'packages/core/src/crypto/local-delegated-key.ts': 1,
  // migrate's worker-thread module was not built (a build problem of the package, before any job starts).
  'packages/migrate/src/pool-crypto.ts': 1,
}

/**
 * Error classes whose constructor adds context before the usual `(message, options)`; every other class is built
 * with `new Class('message', { cause })`.
 */
const SAMPLE_ARGUMENTS: Record<string, (options: ErrorOptions) => unknown[]> = {
  // (tableName, keyNames, key, [failure,] options): the failure kind is the fourth argument when the class takes it.
  ItemDecryptionError: (options) => ['table', ['pk'], { pk: { S: 'a' } }, ...(itemDecryptionTakesFailure() ? ['integrity'] : []), options],
}

function itemDecryptionTakesFailure(): boolean {
  const cls = load('@ddb-encryption/client-helpers').ItemDecryptionError as { length: number }
  return cls.length > 4
}

function sample(cls: ErrorClass, options: ErrorOptions = {}): Error & { code?: unknown } {
  const args = SAMPLE_ARGUMENTS[cls.name]?.(options) ?? ['message', options]
  return Reflect.construct(cls, args) as Error & { code?: unknown }
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listTs(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

describe('error conventions (CONTRIBUTING.md), over every exported error of every published package', () => {
  it('finds the published packages and their errors', () => {
    expect(published.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['@ddb-encryption/core', '@ddb-encryption/client-helpers']))
    expect(classes.length).toBeGreaterThan(10)
  })

  it.each(classes.map((entry) => [`${entry.pkg} ${entry.exportName}`, entry] as const))(
    '%s: exported under its own name, <What>Error, extends DynamoDBEncryptionError, name = class, code ERR_*',
    (_label, { exportName, cls }) => {
      expect(exportName).toBe(cls.name)
      expect(cls.name).toMatch(/^[A-Z][A-Za-z]*Error$/)
      const error = sample(cls, { cause: new Error('cause') })
      expect(error).toBeInstanceOf(Base)
      expect(Base.isInstance(error)).toBe(true)
      expect(error.name).toBe(cls.name)
      expect(error.message.length).toBeGreaterThan(0)
      expect(error.cause).toBeInstanceOf(Error)
      expect(error.code).toEqual(expect.stringMatching(/^ERR_[A-Z0-9_]+$/))
    },
  )

  it('gives every class its own code, except a subclass that only adds context to its parent (same situation, same code)', () => {
    const clashes: string[] = []
    for (const [i, { cls }] of classes.entries()) {
      for (const { cls: other } of classes.slice(i + 1)) {
        const code = String(sample(cls).code)
        if (code !== String(sample(other).code)) continue
        const parentAndChild = Object.getPrototypeOf(cls) === other || Object.getPrototypeOf(other) === cls
        if (!parentAndChild) clashes.push(`${cls.name} and ${other.name} share ${code}`)
      }
    }
    expect(clashes).toEqual([])
  })

  it('has no class that is never thrown: each is thrown somewhere in src/ or is the base of another', () => {
    const unused = classes
      .filter(({ cls }) => !classes.some((other) => other.cls !== cls && other.cls.prototype instanceof cls))
      .filter(({ cls }) => !new RegExp(`new ${cls.name}\\(`).test(sources))
      .map(({ cls }) => cls.name)
    expect(unused).toEqual([])
  })

  it('raises InvalidArgumentError, never TypeError / RangeError, for option and argument mistakes (none left anywhere)', () => {
    const found: Record<string, number> = {}
    for (const { file, text } of sourceFiles) {
      const count = text.match(/(?<!cause: )new (TypeError|RangeError)\(/g)?.length ?? 0
      if (count > 0) found[file] = count
    }
    expect(found).toEqual({})
  })

  it('throws a plain Error only for the listed internal invariants (a cause may be any Error)', () => {
    const found: Record<string, number> = {}
    for (const { file, text } of sourceFiles) {
      const count = text.match(/throw new Error\(/g)?.length ?? 0
      if (count > 0) found[file] = count
    }
    expect(found).toEqual(INVARIANT_ERRORS)
  })

  it('does not shadow ES2022 names (ErrorOptions) in any public API', () => {
    for (const pkg of published) expect(Object.keys(load(pkg.name))).not.toContain('ErrorOptions')
    expect(sources).not.toMatch(/export (interface|type) ErrorOptions\b/)
  })
})
