/**
 * The naming conventions of CONTRIBUTING.md (spelling, option bags, clients, encryption contexts), asserted over the
 * public API of every published package: the names each package exports at run time and from `src/index.ts`, and the
 * declarations of those names in `src/` (parsed with the TypeScript compiler, so comments and strings do not count).
 * Packages are found from packages/*\/package.json, so a new package is covered without editing this file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

const REPO_ROOT = join(__dirname, '..', '..', '..', '..')
const PACKAGES_DIR = join(REPO_ROOT, 'packages')

interface Published {
  name: string
  dir: string
  /** Every name `src/index.ts` exports (values and types). */
  exported: Set<string>
  /** The run-time exports. */
  runtime: Record<string, unknown>
  files: ts.SourceFile[]
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (name: string): Record<string, unknown> => require(name) as Record<string, unknown>

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listTs(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(relative(REPO_ROOT, file), readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
}

/** The names an index file exports: `export { a, type B } from`, `export * from './x'` (x's exports), `export const d`. */
function indexExports(index: ts.SourceFile, files: readonly ts.SourceFile[]): Set<string> {
  const names = new Set<string>()
  for (const statement of index.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add(element.name.text)
    } else if (ts.isExportDeclaration(statement) && statement.exportClause === undefined && statement.moduleSpecifier) {
      const target = join(index.fileName, '..', `${(statement.moduleSpecifier as ts.StringLiteral).text}.ts`)
      const file = files.find((f) => f.fileName === target)
      if (file === undefined) throw new Error(`${index.fileName}: cannot follow export * from ${target}`)
      for (const name of indexExports(file, files)) names.add(name)
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const declared = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((d) => d.name).filter(ts.isIdentifier)
        : [(statement as { name?: ts.Identifier }).name].filter((n): n is ts.Identifier => n !== undefined)
      for (const name of declared) names.add(name.text)
    }
  }
  return names
}

const published: Published[] = readdirSync(PACKAGES_DIR)
  .filter((folder) => existsSync(join(PACKAGES_DIR, folder, 'package.json')))
  .map((folder) => ({ dir: join(PACKAGES_DIR, folder), manifest: JSON.parse(readFileSync(join(PACKAGES_DIR, folder, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ dir, manifest }) => {
    const files = listTs(join(dir, 'src')).map(parse)
    const index = files.find((file) => file.fileName.endsWith('/src/index.ts'))
    if (index === undefined) throw new Error(`${manifest.name} has no src/index.ts`)
    return { name: manifest.name, dir, exported: indexExports(index, files), runtime: load(manifest.name), files }
  })

/** Every declaration in `src/` of a name the package exports. */
function publicDeclarations(): Array<{ pkg: string; file: string; name: string; node: ts.Node }> {
  const out: Array<{ pkg: string; file: string; name: string; node: ts.Node }> = []
  for (const pkg of published) {
    for (const file of pkg.files) {
      for (const statement of file.statements) {
        const name = (statement as { name?: ts.Identifier }).name
        const declared = ts.isVariableStatement(statement)
          ? statement.declarationList.declarations.map((d) => d.name).filter(ts.isIdentifier)
          : name && ts.isIdentifier(name) ? [name] : []
        for (const id of declared) {
          if (pkg.exported.has(id.text)) out.push({ pkg: pkg.name, file: file.fileName, name: id.text, node: statement })
        }
      }
    }
  }
  return out
}

/** Identifiers declared anywhere under `node` (names of members, properties, parameters, nested objects). */
function declaredNames(node: ts.Node, out: string[] = []): string[] {
  const name = (node as { name?: ts.Node }).name
  if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) out.push(name.text)
  ts.forEachChild(node, (child) => void declaredNames(child, out))
  return out
}

/** DynamoDb / dynamoDb / Kms (word-cased) anywhere in a name; `kms…` at the start of a camelCase name is right. */
const WRONG_SPELLING = /DynamoDb|dynamoDb|Kms/

const declarations = publicDeclarations()

describe('public names (CONTRIBUTING.md conventions), over every published package', () => {
  it('finds the packages, their exports and the declarations of those exports', () => {
    expect(published.map((p) => p.name)).toEqual(expect.arrayContaining(['@ddb-encryption/core', '@ddb-encryption/providers-kms', '@ddb-encryption/store-meta']))
    for (const pkg of published) {
      for (const name of Object.keys(pkg.runtime)) expect([pkg.name, pkg.exported.has(name)]).toEqual([pkg.name, true])
    }
    const names = declarations.map((d) => d.name)
    expect(names).toEqual(expect.arrayContaining(['DirectKMSMaterialsProvider', 'MetaStoreOptions', 'EncryptionContext', 'TableEncryptionContext']))
  })

  it('spells AWS service names as the SDK does (DynamoDB, KMS) in every exported name and every name declared in it', () => {
    const wrong: string[] = []
    for (const pkg of published) {
      for (const name of pkg.exported) if (WRONG_SPELLING.test(name)) wrong.push(`${pkg.name}: ${name}`)
      // Members of exported constant objects (wire namespaces such as DirectKMS) are public names too.
      for (const [name, value] of Object.entries(pkg.runtime)) {
        if (typeof value === 'object' && value !== null) {
          for (const key of Object.keys(value)) if (WRONG_SPELLING.test(key)) wrong.push(`${pkg.name}: ${name}.${key}`)
        }
      }
    }
    for (const { pkg, name, node } of declarations) {
      for (const inner of declaredNames(node)) if (WRONG_SPELLING.test(inner)) wrong.push(`${pkg}: ${name} declares ${inner}`)
    }
    expect(wrong).toEqual([])
  })

  it('names every option bag <Thing>Options: an `options` parameter of an exported class starts with the class name', () => {
    const wrong: string[] = []
    const optionTypeOf = (param: ts.ParameterDeclaration): string | undefined =>
      param.type && ts.isTypeReferenceNode(param.type) && ts.isIdentifier(param.type.typeName) ? param.type.typeName.text : undefined
    for (const { pkg, name, node } of declarations) {
      if (ts.isClassDeclaration(node)) {
        for (const member of node.members) {
          if (!ts.isConstructorDeclaration(member) && !ts.isMethodDeclaration(member)) continue
          if (member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue
          for (const param of member.parameters) {
            if (!ts.isIdentifier(param.name) || param.name.text !== 'options') continue
            const type = optionTypeOf(param)
            // An error class takes ES2022's ErrorOptions, as Error does.
            if (type === 'ErrorOptions' && name.endsWith('Error')) continue
            if (type === undefined || !type.startsWith(name) || !type.endsWith('Options')) wrong.push(`${pkg}: ${name} ${member.name?.getText() ?? 'constructor'}(options: ${type ?? param.type?.getText()})`)
          }
        }
      } else if (ts.isFunctionDeclaration(node)) {
        for (const param of node.parameters) {
          if (!ts.isIdentifier(param.name) || param.name.text !== 'options') continue
          const type = optionTypeOf(param)
          if (type === undefined || !type.endsWith('Options')) wrong.push(`${pkg}: ${name}(options: ${type ?? param.type?.getText()})`)
        }
      }
    }
    // An options object is a named type, never an inline `{ ... }` in a public signature.
    for (const { pkg, name, node } of declarations) {
      const visit = (child: ts.Node): void => {
        if (ts.isParameter(child) && child.type && ts.isTypeLiteralNode(child.type)) {
          const owner = child.parent
          const isPrivate = (ts.isMethodDeclaration(owner) || ts.isConstructorDeclaration(owner)) &&
            (owner.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword) ?? false)
          if (!isPrivate && !ts.isFunctionTypeNode(owner) && !ts.isArrowFunction(owner) && !ts.isFunctionExpression(owner)) {
            wrong.push(`${pkg}: ${name} has an inline options type: ${child.getText()}`)
          }
        }
        if (!ts.isBlock(child)) ts.forEachChild(child, visit)
      }
      visit(node)
    }
    expect(wrong).toEqual([])
    // No other suffix for an options type; CryptoConfig keeps the reference clients' name.
    const otherSuffix = published.flatMap((pkg) => [...pkg.exported].filter((n) => /(Opts|Params|Props|Settings|Config)$/.test(n) && n !== 'CryptoConfig'))
    expect(otherSuffix).toEqual([])
  })

  it('takes clients one way: in the options as `client` (DynamoDB) or `kmsClient` (KMS), positionally only in from(client, options)', () => {
    const DYNAMODB_CLIENT = /DynamoDBClient\b|DynamoDBClientLike|DescribeTableClient/
    const KMS_CLIENT = /KMSClient\b|KMSClientLike/
    const wrong: string[] = []
    for (const { pkg, name, node } of declarations) {
      const visit = (child: ts.Node): void => {
        if (ts.isParameter(child) && ts.isIdentifier(child.name) && child.type) {
          const type = child.type.getText()
          const owner = child.parent
          const ownerName = (owner as { name?: ts.Node }).name?.getText()
          const isFrom = ts.isMethodDeclaration(owner) && ownerName === 'from' && owner.parameters[0] === child
          const isPrivate = (ts.isMethodDeclaration(owner) || ts.isConstructorDeclaration(owner)) &&
            (owner.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) ?? false)
          const isFunctionType = ts.isFunctionTypeNode(owner) || ts.isMethodSignature(owner)
          if ((DYNAMODB_CLIENT.test(type) || KMS_CLIENT.test(type)) && !isFrom && !isPrivate && !isFunctionType) {
            wrong.push(`${pkg}: ${name} takes ${child.name.text}: ${type} as a parameter of ${ownerName ?? 'a function'}`)
          }
        }
        if ((ts.isPropertySignature(child) || ts.isPropertyDeclaration(child)) && child.type && ts.isIdentifier(child.name)) {
          const type = child.type.getText()
          // A function returning a client (Direct KMS's per-region clientSupplier) is not a client.
          const inOptions = ts.isInterfaceDeclaration(node) && name.endsWith('Options') && !ts.isFunctionTypeNode(child.type)
          if (inOptions && DYNAMODB_CLIENT.test(type) && child.name.text !== 'client') wrong.push(`${pkg}: ${name}.${child.name.text}: ${type} (name it client)`)
          if (inOptions && KMS_CLIENT.test(type) && child.name.text !== 'kmsClient') wrong.push(`${pkg}: ${name}.${child.name.text}: ${type} (name it kmsClient)`)
        }
        ts.forEachChild(child, visit)
      }
      visit(node)
    }
    expect(wrong).toEqual([])
  })

  it('uses "encryption context" for the item\'s DynamoDB EncryptionContext (or its table part) only; the KMS one is named kms…/KMS…', () => {
    const wrong: string[] = []
    for (const { pkg, name, node } of declarations) {
      for (const inner of [name, ...declaredNames(node)]) {
        if (!/encryptioncontext/i.test(inner)) continue
        const kms = /^kms|KMS/.test(inner)
        const item = ['EncryptionContext', 'TableEncryptionContext', 'checkEncryptionContext', 'encryptionContext'].includes(inner)
        if (!kms && !item) wrong.push(`${pkg}: ${name} declares ${inner}`)
      }
    }
    expect(wrong).toEqual([])
    // `encryptionContext` holds the table part of the item's context wherever it appears: CryptoConfig and TableInfo.
    const holders = declarations.flatMap(({ name, node }) => {
      const found: string[] = []
      const visit = (child: ts.Node): void => {
        if ((ts.isPropertySignature(child) || ts.isGetAccessorDeclaration(child) || ts.isPropertyDeclaration(child)) &&
            child.name.getText() === 'encryptionContext') {
          const type = ts.isGetAccessorDeclaration(child) ? child.type?.getText() : (child as ts.PropertySignature).type?.getText()
          found.push(`${name}.encryptionContext: ${type}`)
        }
        ts.forEachChild(child, visit)
      }
      visit(node)
      return found
    })
    expect(holders.sort()).toEqual([
      'CryptoConfig.encryptionContext: TableEncryptionContext',
      'TableInfo.encryptionContext: TableEncryptionContext & { readonly partitionKeyName: string }',
    ])
  })
})
