#!/usr/bin/env node
// Packaging check, run by the root `pnpm test` after the build: proves every published package installs and works
// on its own, from the tarball a user would download. Steps (README.md says why each exists):
//   1. `pnpm pack` each published package; the packed package.json has no `workspace:` left.
//   2. Tarball contents: only dist (.js, .d.ts, maps), src (.ts, the target of the maps), README.md, LICENSE,
//      package.json; every source map resolves inside the tarball; no stale dist file without its source.
//   3. publint (strict, every suggestion counts) and attw (@arethetypeswrong/cli, default "strict" profile).
//   4. npm installs the five tarballs with the AWS SDK peers into a fresh temp dir (strict peer deps); CommonJS and
//      ESM consumers run there, and a TypeScript consumer is compiled with tsc --noEmit against the installed types.
// Exits 1 with every problem listed. KEEP_PACK_CHECK=1 keeps the temp dir. Network: the npm registry, once per
// machine (the npm cache lives in the git-ignored <repo>/.cache/npm and is used with --prefer-offline).
'use strict'
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { promisify } = require('node:util')

const run = promisify(execFile)
const REPO = path.resolve(__dirname, '../..')
const PACKAGES_DIR = path.join(REPO, 'packages')
const CONSUMER_SOURCES = path.join(__dirname, 'consumer')
const NPM_CACHE = path.join(REPO, '.cache', 'npm')
const SCOPE = '@ddb-encryption/'

/** Every package that is not private must be here, so the consumers exercise it. */
const EXPECTED_PUBLISHED = ['core', 'providers-wrapped', 'providers-kms', 'store-meta', 'client-helpers', 'migrate']

/** Peer dependencies a user installs next to our packages (plus @types/node for the TypeScript consumer). */
const CONSUMER_EXTRAS = ['@aws-sdk/client-dynamodb@^3', '@aws-sdk/lib-dynamodb@^3', '@aws-sdk/client-kms@^3', '@types/node@^20']

/** Packed files allowed besides package.json, README.md and LICENSE. */
const ALLOWED_FILE = /^(dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|src\/.+\.ts)$/
const FORBIDDEN_FILE = /(\.test\.|\.spec\.|\.tsbuildinfo$|(^|\/)(test|tests|__tests__|__mocks__|fixtures)\/|(^|\/)src\/.*\.d\.ts$)/

const problems = []
/** Records a problem; the run goes on so one pass lists them all. */
function fail(where, message) {
  problems.push(`${where}: ${message}`)
}

/** Non-fatal findings, printed once at the end. */
const notes = new Set()

const timings = []
async function step(name, fn) {
  const start = Date.now()
  try {
    return await fn()
  } finally {
    timings.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)}s`)
  }
}

/** Child environment without pnpm's npm_config_* / npm_package_* noise (kept: registry, proxies, CA). */
function childEnv(extra = {}) {
  const keep = /^npm_config_(registry|proxy|https_proxy|noproxy|cafile|ca|strict_ssl)$/i
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.test(key)) continue
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS') continue
    env[key] = value
  }
  return { ...env, ...extra }
}

async function exec(command, args, options = {}) {
  try {
    return await run(command, args, { maxBuffer: 64 * 1024 * 1024, env: childEnv(), ...options })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    const detail = new Error(`${command} ${args.join(' ')} failed (exit ${error.code}):\n${output}`)
    detail.output = output
    throw detail
  }
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

/** Relative paths of every file under `dir` (forward slashes). */
function listFiles(dir, base = dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(full, base))
    else out.push(path.relative(base, full).split(path.sep).join('/'))
  }
  return out
}

/** Published (non-private) workspace packages, in EXPECTED_PUBLISHED order. */
function discoverPackages() {
  const found = []
  for (const folder of fs.readdirSync(PACKAGES_DIR).sort()) {
    const file = path.join(PACKAGES_DIR, folder, 'package.json')
    if (!fs.existsSync(file)) continue
    const pkg = readJson(file)
    if (pkg.private === true) continue
    found.push({ folder, dir: path.join(PACKAGES_DIR, folder), name: pkg.name, version: pkg.version })
  }
  const folders = found.map((p) => p.folder)
  for (const folder of EXPECTED_PUBLISHED) {
    if (!folders.includes(folder)) fail(`packages/${folder}`, 'expected a published package here (private or missing)')
  }
  for (const folder of folders) {
    if (!EXPECTED_PUBLISHED.includes(folder)) {
      fail(`packages/${folder}`, 'is published but unknown to the packaging check: add it to EXPECTED_PUBLISHED and the consumers')
    }
  }
  return EXPECTED_PUBLISHED.map((folder) => found.find((p) => p.folder === folder)).filter(Boolean)
}

/** dist must be a fresh build of src: no stale output of a deleted source, no source without output. */
function checkBuildOutput(pkg) {
  const where = pkg.name
  const dist = path.join(pkg.dir, 'dist')
  if (!fs.existsSync(path.join(dist, 'index.js'))) {
    fail(where, 'dist/index.js is missing: run `pnpm build` first')
    return
  }
  const sources = new Set(listFiles(path.join(pkg.dir, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)))
  const outputs = new Set(listFiles(dist).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)))
  for (const out of outputs) {
    if (!sources.has(out)) fail(where, `dist/${out}.js has no src/${out}.ts (stale build output): delete dist and run \`pnpm build\``)
  }
  for (const src of sources) {
    if (!outputs.has(src)) fail(where, `src/${src}.ts has no dist/${src}.js: run \`pnpm build\``)
  }
}

async function pack(pkg, destination) {
  const { stdout } = await exec('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd: pkg.dir })
  const result = JSON.parse(stdout)
  pkg.tarball = result.filename
  pkg.unpacked = path.join(destination, 'unpacked', pkg.folder)
  fs.mkdirSync(pkg.unpacked, { recursive: true })
  await exec('tar', ['xzf', pkg.tarball, '-C', pkg.unpacked, '--strip-components=1'])
}

/** The packed package.json: no workspace protocol, internal deps on published packages only, the package shape. */
function checkManifest(pkg, published) {
  const where = `${pkg.name} (packed package.json)`
  const manifestText = fs.readFileSync(path.join(pkg.unpacked, 'package.json'), 'utf8')
  if (manifestText.includes('workspace:')) fail(where, 'still contains a `workspace:` range; pack with pnpm, not npm')
  const m = JSON.parse(manifestText)
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      if (!dep.startsWith(SCOPE)) continue
      const target = published.find((p) => p.name === dep)
      if (!target) fail(where, `${field} has ${dep}, which is private and never published`)
      else if (range !== `^${target.version}`) fail(where, `${field}.${dep} is "${range}", expected "^${target.version}" (workspace:^)`)
    }
  }
  const expect = (ok, message) => ok || fail(where, message)
  expect(m.license === 'Apache-2.0', 'license must be "Apache-2.0"')
  expect(m.type === 'commonjs', 'type must be "commonjs" (STYLE.md 2: CommonJS only)')
  expect(m.main === './dist/index.js' && m.types === './dist/index.d.ts', 'main/types must be ./dist/index.js and ./dist/index.d.ts')
  expect(JSON.stringify(m.exports) === JSON.stringify({
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  }), 'exports must be exactly { ".": { types, default }, "./package.json" } (no deep imports)')
  expect(m.sideEffects === false, 'sideEffects must be false')
  expect(typeof m.engines?.node === 'string', 'engines.node is missing')
  expect(m.publishConfig?.access === 'public', 'publishConfig.access must be "public"')
  expect(m.repository?.directory === `packages/${pkg.folder}`, `repository.directory must be "packages/${pkg.folder}"`)
  expect(Array.isArray(m.keywords) && m.keywords.length > 0, 'keywords are missing')
  expect(typeof m.description === 'string' && m.description.length > 0, 'description is missing')
  expect(m.scripts === undefined || !['preinstall', 'install', 'postinstall', 'prepare'].some((s) => s in m.scripts),
    'install-time scripts must not be published')
  // Not fatal until the project has a public repository: `npm publish --provenance` needs repository.url.
  if (typeof m.repository?.url !== 'string') notes.add('repository.url and homepage are not set: `npm publish --provenance` refuses packages without repository.url')
  pkg.manifest = m
}

/** Contents of the tarball; source maps (declarationMap + sourceMap) must resolve to packed files. */
function checkContents(pkg, licenseTexts) {
  const where = `${pkg.name} (tarball)`
  const files = listFiles(pkg.unpacked)
  const set = new Set(files)
  for (const file of files) {
    if (['package.json', 'README.md', 'LICENSE'].includes(file)) continue
    if (!ALLOWED_FILE.test(file) || FORBIDDEN_FILE.test(file)) fail(where, `unexpected file ${file}`)
  }
  for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!set.has(required)) fail(where, `${required} is missing`)
  }
  if (set.has('LICENSE')) {
    const text = fs.readFileSync(path.join(pkg.unpacked, 'LICENSE'), 'utf8')
    if (!/^\s*Apache License\s+Version 2\.0, January 2004/.test(text) || !text.includes('END OF TERMS AND CONDITIONS')) {
      fail(where, 'LICENSE is not the Apache License 2.0 text')
    }
    licenseTexts.add(text)
  }
  for (const file of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
    const base = file.slice(0, -3)
    if (!set.has(`${base}.d.ts`)) fail(where, `${file} has no ${base}.d.ts`)
  }
  // Every .js / .d.ts that names a map must ship it, and every map's sources must be in the tarball.
  for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f) && f.startsWith('dist/'))) {
    const text = fs.readFileSync(path.join(pkg.unpacked, file), 'utf8')
    const match = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)
    if (!match) continue
    const mapFile = path.posix.join(path.posix.dirname(file), match[1])
    if (!set.has(mapFile)) {
      fail(where, `${file} points at ${match[1]}, which is not packed`)
      continue
    }
    const map = readJson(path.join(pkg.unpacked, mapFile))
    for (const source of map.sources ?? []) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(mapFile), map.sourceRoot ?? '', source))
      if (!set.has(resolved) && !(map.sourcesContent ?? []).length) {
        fail(where, `${mapFile} maps to ${source} (${resolved}), which is not packed: go-to-definition and stack traces break`)
      }
    }
  }
  pkg.fileCount = files.length
}

async function runPublint(pkg) {
  const { publint } = await import('publint')
  const { formatMessage } = await import('publint/utils')
  const tarball = fs.readFileSync(pkg.tarball)
  const { messages, pkg: manifest } = await publint({
    pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    level: 'suggestion',
    strict: true,
  })
  for (const message of messages) {
    fail(`${pkg.name} (publint ${message.type})`, formatMessage(message, manifest, { color: false }) ?? message.code)
  }
}

/**
 * attw with its default "strict" profile: node10, node16 from CJS, node16 from ESM and bundler resolution. Our
 * packages are CommonJS only, but the ESM rules still apply to ESM callers importing them (named exports must be
 * visible to Node's cjs-module-lexer), so none is ignored; see README.md for when `--profile node16` would be right.
 */
async function runAttw(pkg) {
  const bin = path.join(REPO, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js')
  try {
    await exec(process.execPath, [bin, pkg.tarball, '--format', 'table-flipped', '--no-emoji', '--no-color'])
  } catch (error) {
    fail(`${pkg.name} (attw)`, error.output || error.message)
  }
}

/** No node_modules above the consumer dir, or the install could borrow packages from outside. */
function assertIsolated(dir) {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, 'node_modules'))) {
      throw new Error(`${current}/node_modules exists above the consumer dir ${dir}; set TMPDIR to an isolated directory`)
    }
    if (path.dirname(current) === current) return
  }
}

async function installAndRunConsumers(published, tmp) {
  const consumer = path.join(tmp, 'consumer')
  fs.mkdirSync(consumer)
  assertIsolated(consumer)
  for (const file of fs.readdirSync(CONSUMER_SOURCES)) fs.copyFileSync(path.join(CONSUMER_SOURCES, file), path.join(consumer, file))
  fs.writeFileSync(path.join(consumer, 'package.json'), `${JSON.stringify({ name: 'pack-check-consumer', version: '0.0.0', private: true }, null, 2)}\n`)

  await step('npm install', () => exec('npm', [
    'install', '--no-audit', '--no-fund', '--strict-peer-deps', '--prefer-offline', '--ignore-scripts', '--loglevel=error',
    '--cache', NPM_CACHE, ...published.map((p) => p.tarball), ...CONSUMER_EXTRAS,
  ], { cwd: consumer }))

  // Peers resolved, nothing missing or invalid.
  await step('npm ls', async () => {
    try {
      await exec('npm', ['ls', '--all', '--loglevel=error'], { cwd: consumer })
    } catch (error) {
      fail('npm ls (consumer)', error.output || error.message)
    }
  })
  // Our packages come from the tarballs, each exactly once (one core: one error class, working instanceof).
  const lock = readJson(path.join(consumer, 'package-lock.json'))
  for (const pkg of published) {
    const copies = Object.keys(lock.packages).filter((key) => key.endsWith(`node_modules/${pkg.name}`))
    if (copies.length !== 1) fail(`${pkg.name} (install)`, `installed ${copies.length} times: ${copies.join(', ')}`)
    const entry = lock.packages[`node_modules/${pkg.name}`]
    if (!entry?.resolved?.startsWith('file:')) fail(`${pkg.name} (install)`, `not installed from its tarball (${entry?.resolved})`)
    else if (entry.version !== pkg.version) fail(`${pkg.name} (install)`, `installed version ${entry.version}, packed ${pkg.version}`)
  }

  // A second copy of core, outside the dependency tree, for the cross-copy isInstance check.
  const copy = path.join(consumer, 'second-copy', 'node_modules', '@ddb-encryption', 'core')
  fs.cpSync(path.join(consumer, 'node_modules', '@ddb-encryption', 'core'), copy, { recursive: true })
  const env = childEnv({ PACK_CHECK_CORE_COPY: copy })

  await step('consumers', () => Promise.all([
    exec(process.execPath, ['consumer.cjs'], { cwd: consumer, env }).catch((error) => fail('consumer.cjs', error.message)),
    exec(process.execPath, ['consumer.mjs'], { cwd: consumer, env }).catch((error) => fail('consumer.mjs', error.message)),
    exec(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer })
      .catch((error) => fail('consumer.ts (tsc --noEmit, module node16)', error.message)),
  ]))
}

async function main() {
  const started = Date.now()
  const published = discoverPackages()
  for (const pkg of published) checkBuildOutput(pkg)
  if (problems.length > 0) return finish(started, null)

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-pack-check-'))
  try {
    await step('pack', () => Promise.all(published.map((pkg) => pack(pkg, tmp))))
    const licenseTexts = new Set()
    for (const pkg of published) {
      checkManifest(pkg, published)
      checkContents(pkg, licenseTexts)
    }
    if (licenseTexts.size > 1) fail('LICENSE', 'the packages ship different LICENSE texts')

    // attw and publint are CPU-bound, npm install mostly waits on the network and disk: run them side by side.
    await Promise.all([
      step('publint + attw', async () => {
        for (const pkg of published) await Promise.all([runPublint(pkg), runAttw(pkg)])
      }),
      installAndRunConsumers(published, tmp).catch((error) => fail('install', error.message)),
    ])
  } finally {
    if (process.env.KEEP_PACK_CHECK) console.log(`pack-check: kept ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }
  return finish(started, published)
}

function finish(started, published) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (problems.length > 0) {
    console.error(`\npack-check: ${problems.length} problem(s) found in the published packages:\n`)
    for (const problem of problems) console.error(`  x ${problem.split('\n').join('\n    ')}\n`)
    console.error(`pack-check: FAILED in ${seconds}s (${timings.join(', ')})`)
    process.exitCode = 1
    return
  }
  for (const note of notes) console.log(`pack-check: note: ${note}`)
  const summary = published.map((p) => `${p.name}@${p.version} (${p.fileCount} files)`).join(', ')
  console.log(`pack-check: ok in ${seconds}s (${timings.join(', ')}): ${summary}; publint, attw, npm install, ` +
    'CommonJS, ESM and TypeScript consumers all pass')
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
