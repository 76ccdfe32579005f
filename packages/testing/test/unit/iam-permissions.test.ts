/**
 * Each published package's README lists the IAM permissions it needs (CONTRIBUTING.md, ARCHITECTURE.md). This test
 * derives the AWS actions each package can send from its `src/` (every SDK command it imports from `@aws-sdk/*` and
 * constructs) and checks that its README's "IAM permissions" section names each of them, and that a package that
 * sends nothing says so. A new command in src without its permission in the README fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const PACKAGES_DIR = join(__dirname, '..', '..', '..')

/** The IAM service prefix of each SDK package whose commands we send. */
const SERVICE_OF: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-kms': 'kms',
}

/** lib-dynamodb's document commands and the DynamoDB action each one sends. */
const DOCUMENT_COMMAND_ACTION: Readonly<Record<string, string>> = {
  GetCommand: 'GetItem', PutCommand: 'PutItem', UpdateCommand: 'UpdateItem', DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query', ScanCommand: 'Scan', BatchGetCommand: 'BatchGetItem', BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems', TransactWriteCommand: 'TransactWriteItems',
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listTs(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

/** `service:Action` for every SDK command a source file imports (as a value) and constructs with `new`. */
function actionsSent(text: string): string[] {
  // Comments do not send anything (TSDoc examples show commands): block comments and // comments are dropped.
  const source = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1')
  const actions: string[] = []
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/[a-z-]+)'/g)) {
    const service = SERVICE_OF[match[2] as string]
    if (service === undefined) continue
    for (const raw of (match[1] as string).split(',')) {
      const name = raw.trim()
      if (name.startsWith('type ') || !name.endsWith('Command')) continue
      if (!new RegExp(`new ${name}\\(`).test(source)) continue
      const action = match[2] === '@aws-sdk/lib-dynamodb' ? DOCUMENT_COMMAND_ACTION[name] : name.slice(0, -'Command'.length)
      if (action === undefined) throw new Error(`no DynamoDB action known for lib-dynamodb's ${name}: add it to DOCUMENT_COMMAND_ACTION`)
      actions.push(`${service}:${action}`)
    }
  }
  return actions
}

/** The README section `## IAM permissions`, up to the next `## `. */
function iamSection(readme: string): string | undefined {
  const start = readme.indexOf('\n## IAM permissions')
  if (start === -1) return undefined
  const end = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, end === -1 ? undefined : end)
}

/** Whether the section names `service:Action`, in full or as `Action` in a list that names the service before it. */
function names(section: string, action: string): boolean {
  const [service, bare] = action.split(':') as [string, string]
  if (section.includes(`\`${action}\``)) return true
  return section.split('\n').some((line) => line.includes(`\`${service}:`) && line.includes(`\`${bare}\``))
}

const packages = readdirSync(PACKAGES_DIR)
  .filter((folder) => existsSync(join(PACKAGES_DIR, folder, 'package.json')))
  .map((folder) => ({ folder, manifest: JSON.parse(readFileSync(join(PACKAGES_DIR, folder, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ folder, manifest }) => {
    const dir = join(PACKAGES_DIR, folder)
    const sent = new Set(listTs(join(dir, 'src')).flatMap((file) => actionsSent(readFileSync(file, 'utf8'))))
    return { name: manifest.name, sent: [...sent].sort(), readme: readFileSync(join(dir, 'README.md'), 'utf8') }
  })

describe('IAM permissions in each package README match the AWS actions its src sends', () => {
  it('reads the actions from the sources (imports of SDK commands that are constructed, comments and types aside)', () => {
    expect(actionsSent("import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms'\n// new DecryptCommand(input)\n/** kms.send(new DecryptCommand(input)) */\n")).toEqual([])
    expect(actionsSent("import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'\nsend(new GetCommand({}))\n")).toEqual(['dynamodb:GetItem'])
    expect(actionsSent("import {\n  DescribeTableCommand,\n  type DynamoDBClient,\n} from '@aws-sdk/client-dynamodb'\nnew DescribeTableCommand({})\n"))
      .toEqual(['dynamodb:DescribeTable'])
    const byName = Object.fromEntries(packages.map((p) => [p.name, p.sent]))
    // What each package sends today (a new command changes this list and must be added to that README).
    expect(byName).toEqual({
      '@ddb-encryption/core': [],
      '@ddb-encryption/providers-wrapped': [],
      '@ddb-encryption/providers-kms': ['kms:Decrypt', 'kms:GenerateDataKey'],
      '@ddb-encryption/store-meta': ['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      '@ddb-encryption/client-helpers': [
        'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem',
        'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:TransactGetItems', 'dynamodb:TransactWriteItems', 'dynamodb:UpdateItem',
      ],
      '@ddb-encryption/migrate': ['dynamodb:BatchGetItem', 'dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
    })
  })

  it.each(packages.map((p) => [p.name, p] as const))('%s: its README names every action it sends, or says None', (_name, pkg) => {
    const section = iamSection(pkg.readme)
    expect(section).toBeDefined()
    const missing = pkg.sent.filter((action) => !names(section as string, action))
    expect(missing).toEqual([])
    if (pkg.sent.length === 0) expect(section).toMatch(/\nNone\b/)
    else expect(section).not.toMatch(/\nNone\b/)
  })
})
