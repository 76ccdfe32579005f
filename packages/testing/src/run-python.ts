import { spawn } from 'node:child_process'

import { pythonExecutable } from './environment'

/** Options of {@link runPython}. */
export interface RunPythonOptions {
  /** Command-line arguments after the script (`sys.argv[1:]`). */
  args?: readonly string[]
  /** Bytes or text written to the script's stdin; default none (stdin closed). */
  input?: string | Uint8Array
  /** Extra environment variables, on top of the current environment (which holds the endpoints and fake credentials). */
  env?: Readonly<Record<string, string>>
  /** Milliseconds before the script is killed and the call fails; default 120 000. */
  timeoutMs?: number
}

/** Output of a successful {@link runPython}. */
export interface RunPythonResult {
  stdout: string
  stderr: string
}

/**
 * Runs a Python script (source text) with the project virtualenv's interpreter, which has boto3, moto and the
 * reference `dynamodb-encryption-sdk` installed.
 * @example
 * const { stdout } = await runPython('import dynamodb_encryption_sdk; print(dynamodb_encryption_sdk.__version__)')
 * @throws Error when the script exits non-zero or times out; the message includes the end of its stderr.
 */
export function runPython(script: string, options: RunPythonOptions = {}): Promise<RunPythonResult> {
  const python = pythonExecutable()
  const timeoutMs = options.timeoutMs ?? 120_000
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', script, ...(options.args ?? [])], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`Cannot run ${python}: ${error.message}. Run node packages/testing/scripts/ensure-python.js.`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }
      if (code === 0) {
        resolve(result)
        return
      }
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`
      reject(new Error(`Python script ${why}. End of its stderr:\n${result.stderr.trimEnd().split('\n').slice(-20).join('\n')}`))
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input === undefined ? undefined : Buffer.from(options.input))
  })
}
