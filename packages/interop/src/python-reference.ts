import * as path from 'node:path'

import { pythonExecutable } from '@ddb-encryption/testing'

import { JsonLinesProcess, type BridgeErrorInfo } from './json-lines-process'
import {
  ReferenceBridge,
  type BridgeActions,
  type BridgeItemContext,
  type BridgeItemEntry,
  type BridgeItemResult,
  type BridgeKeySpec,
  type BridgeProviderSpec,
  type BridgeTableTarget,
} from './reference-bridge'

/** Path of the JSON-lines helper script (`packages/interop/python/helper.py`). */
export const HELPER_SCRIPT = path.join(__dirname, '..', 'python', 'helper.py')

export type PythonErrorInfo = BridgeErrorInfo
export type PythonKeySpec = BridgeKeySpec
/** Python has no `asymmetric` provider (Java's `AsymmetricStaticProvider`). */
export type PythonProviderSpec = Exclude<BridgeProviderSpec, { readonly type: 'asymmetric' }>
export type PythonActions = BridgeActions
export type PythonItemContext = BridgeItemContext
export type PythonItemEntry = BridgeItemEntry
export type PythonItemResult = BridgeItemResult
export type PythonTableTarget = BridgeTableTarget

/** Options of {@link PythonReference.start}. */
export interface PythonReferenceOptions {
  /** Interpreter; default the virtualenv's (`pythonExecutable()`). */
  readonly python?: string
  /** Milliseconds a single request may take before it fails; default 120 000. */
  readonly requestTimeoutMs?: number
  /** Milliseconds to wait for the helper to answer its first request; default 30 000. */
  readonly startTimeoutMs?: number
}

/**
 * A long-lived `python/helper.py` subprocess driving the Python reference `dynamodb-encryption-sdk` 3.3.0 over JSON
 * lines (protocol and requests: {@link ReferenceBridge}).
 *
 * @example
 * const py = await PythonReference.start()
 * const provider = await py.configure({ type: 'static', encryptionKey, signingKey })
 * const [result] = await py.encryptItems(provider, { tableName: 't' }, [{ item, actions: {} }])
 * await py.close()
 */
export class PythonReference extends ReferenceBridge {
  /**
   * Starts the helper and checks that it answers and runs dynamodb-encryption-sdk 3.3.0.
   * @throws Error when Python cannot start, the library is missing or has another version.
   */
  static async start(options: PythonReferenceOptions = {}): Promise<PythonReference> {
    const reference = new PythonReference(new JsonLinesProcess({
      name: 'Python helper',
      command: options.python ?? pythonExecutable(),
      args: ['-u', HELPER_SCRIPT],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    }))
    const version = (await reference.request('version', {}, options.startTimeoutMs ?? 30_000)) as { library: string }
    if (version.library !== '3.3.0') {
      await reference.close()
      throw new Error(`The Python helper runs dynamodb-encryption-sdk ${version.library}, expected 3.3.0; run node packages/testing/scripts/ensure-python.js`)
    }
    return reference
  }

  override configure(spec: PythonProviderSpec): Promise<string> {
    return super.configure(spec)
  }
}
