import { existsSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import type { AttributeValue, Item } from '@ddb-encryption/core'

/** Environment variable naming the vectors folder (layout of `shared/vectors`, FORMAT.md 10). */
export const VECTORS_ENV = 'DDB_ENCRYPTION_VECTORS'

/** Repository root: this file lives in `packages/vectors/src` (or `dist`). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..')

/** Thrown when the vectors folder or one of its files is missing or malformed. */
export class VectorsUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'VectorsUnavailableError'
  }
}

/**
 * The vectors folder: `$DDB_ENCRYPTION_VECTORS`, else `<repo root>/../shared/vectors`. Throws a message saying how
 * to fix it when the folder does not exist, so a missing folder fails the run instead of skipping it.
 */
export function vectorsDir(): string {
  const fromEnv = process.env[VECTORS_ENV]
  const dir = fromEnv !== undefined && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, '..', 'shared', 'vectors')
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new VectorsUnavailableError(
      `Test vectors folder not found: ${dir}. Set ${VECTORS_ENV} to the folder holding serialize_attribute.json and ` +
      'encrypted_item/ (the shared interoperability vectors); the vectors are required, not optional.',
    )
  }
  return dir
}

/** Reads and parses one JSON file; the error names the file and says what is wrong. */
export function readJson(file: string): unknown {
  if (!existsSync(file)) {
    throw new VectorsUnavailableError(`Test vector file not found: ${file}. Is ${VECTORS_ENV} pointing at a complete vectors folder?`)
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch (error) {
    throw new VectorsUnavailableError(`Test vector file is not valid JSON: ${file} (${(error as Error).message})`)
  }
}

/** Resolves a `file://relative/path` URI (FORMAT.md 10.7) against `baseDir`. */
export function resolveFileUri(baseDir: string, uri: string): string {
  if (!uri.startsWith('file://')) {
    throw new VectorsUnavailableError(`Unsupported URI in scenarios: "${uri}"; only file:// URIs relative to the scenarios file are supported`)
  }
  return path.resolve(baseDir, uri.slice('file://'.length))
}

/** The file name part of a `file://` URI: `file://ciphertext/python/x.json` -> `x.json`. */
export function uriFileName(uri: string): string {
  return path.posix.basename(uri.replace(/^file:\/\//, ''))
}

function b64(text: unknown, where: string): Uint8Array {
  if (typeof text !== 'string') throw new VectorsUnavailableError(`${where}: expected a base64 string`)
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** Converts vector DynamoDB JSON (B / BS as base64 strings) into a core {@link AttributeValue}. */
export function fromVectorAttribute(json: unknown, where = 'attribute'): AttributeValue {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VectorsUnavailableError(`${where}: expected a DynamoDB JSON attribute value`)
  }
  const entries = Object.entries(json)
  const [tag, value] = entries[0] ?? []
  if (entries.length !== 1 || tag === undefined) throw new VectorsUnavailableError(`${where}: expected exactly one type key`)
  switch (tag) {
    case 'B': return { B: b64(value, where) }
    case 'BS': return { BS: (value as unknown[]).map((v) => b64(v, where)) }
    case 'L': return { L: (value as unknown[]).map((v, i) => fromVectorAttribute(v, `${where}[${i}]`)) }
    case 'M': return { M: fromVectorItem(value, where) }
    case 'S': case 'N': case 'SS': case 'NS': case 'BOOL': case 'NULL':
      return { [tag]: value } as unknown as AttributeValue
    default:
      throw new VectorsUnavailableError(`${where}: unknown type key "${tag}"`)
  }
}

/** Converts a vector DynamoDB JSON item (or map) into a core {@link Item}. */
export function fromVectorItem(json: unknown, where = 'item'): Item {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VectorsUnavailableError(`${where}: expected an object of attributes`)
  }
  const item: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(json)) item[name] = fromVectorAttribute(value, `${where}.${name}`)
  return item
}

/** One entry of `encrypted_item/keys.json` (FORMAT.md 10.5). */
export interface VectorKey {
  readonly material?: string
  readonly algorithm?: string
  readonly encoding?: string
  readonly type?: string
  readonly keyId?: string
}

/** Key names of one scenario (FORMAT.md 10.7). */
export interface ScenarioKeyNames {
  readonly decrypt: string
  readonly verify: string
  readonly encrypt?: string
  readonly sign?: string
}

/** One entry of `encrypted_item/scenarios.json` (FORMAT.md 10.7). */
export interface Scenario {
  readonly version: string
  readonly provider: string
  /** Absent in most_recent scenarios, whose only keys are the MetaStore's (`metastore.keys`). */
  readonly keys?: ScenarioKeyNames
  readonly plaintext: string
  readonly ciphertext: string
  readonly network?: boolean
  readonly material_name?: string
  readonly metastore?: {
    readonly table_name: string
    readonly provider: string
    readonly keys: ScenarioKeyNames
    readonly ciphertext: string
  }
}

/** The parsed `encrypted_item` folder. */
export interface EncryptedItemVectors {
  /** Folder that `file://` URIs are relative to. */
  readonly baseDir: string
  readonly keys: Readonly<Record<string, VectorKey>>
  readonly scenarios: readonly Scenario[]
}

/** Loads `encrypted_item/scenarios.json` and the keys file it names. */
export function loadEncryptedItemVectors(dir: string): EncryptedItemVectors {
  const baseDir = path.join(dir, 'encrypted_item')
  const manifest = readJson(path.join(baseDir, 'scenarios.json')) as { keys?: string; scenarios?: Scenario[] }
  if (typeof manifest.keys !== 'string' || !Array.isArray(manifest.scenarios)) {
    throw new VectorsUnavailableError(`${path.join(baseDir, 'scenarios.json')}: expected "keys" and "scenarios"`)
  }
  const keys = readJson(resolveFileUri(baseDir, manifest.keys)) as Record<string, VectorKey>
  return { baseDir, keys, scenarios: manifest.scenarios }
}
