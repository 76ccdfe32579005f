import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'

jest.setTimeout(60_000)

const SUPERVISOR = join(__dirname, '..', '..', 'scripts', 'supervise.js')
// A stand-in service: prints its pid, then runs until killed.
const SERVICE = ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)']

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Polls until the process is gone; false if it still runs after ~20 s (a bounded wait, not a timing assertion). */
async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

async function firstLine(child: ChildProcess): Promise<string> {
  let buffered = ''
  for await (const chunk of child.stdout!) {
    buffered += String(chunk)
    const newline = buffered.indexOf('\n')
    if (newline >= 0) return buffered.slice(0, newline)
  }
  throw new Error('process closed stdout before printing a line')
}

describe('supervise.js', () => {
  it('stops the service when its parent is killed with SIGKILL', async () => {
    // parent -> supervisor (stdin pipe from parent) -> service; the service's pid comes out on the parent's stdout.
    const parentScript = `
      const { spawn } = require('node:child_process')
      spawn(process.execPath, ${JSON.stringify([SUPERVISOR, process.execPath, ...SERVICE])}, {
        detached: true, stdio: ['pipe', 'inherit', 'inherit'],
      })
      setInterval(() => {}, 1000)`
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'ignore'] })
    const servicePid = Number(await firstLine(parent))
    expect(isAlive(servicePid)).toBe(true)
    parent.kill('SIGKILL')
    expect(await waitUntilGone(servicePid)).toBe(true)
  })

  it('stops the service on SIGTERM and exits with its status', async () => {
    const supervisor = spawn(process.execPath, [SUPERVISOR, process.execPath, ...SERVICE], { stdio: ['pipe', 'pipe', 'pipe'] })
    const servicePid = Number(await firstLine(supervisor))
    expect(isAlive(servicePid)).toBe(true)
    const exited = once(supervisor, 'exit')
    supervisor.kill('SIGTERM')
    const [code] = (await exited) as [number | null]
    expect(code).toBe(128 + 15)
    expect(await waitUntilGone(servicePid)).toBe(true)
  })

  it('exits with the service exit code when the service stops on its own', async () => {
    const supervisor = spawn(process.execPath, [SUPERVISOR, process.execPath, '-e', 'process.exit(7)'], { stdio: ['pipe', 'ignore', 'pipe'] })
    const [code] = (await once(supervisor, 'exit')) as [number | null]
    expect(code).toBe(7)
  })

  it('exits 127 when the command does not exist', async () => {
    const supervisor = spawn(process.execPath, [SUPERVISOR, 'definitely-not-a-command-ddb-enc'], { stdio: ['pipe', 'ignore', 'pipe'] })
    const [code] = (await once(supervisor, 'exit')) as [number | null]
    expect(code).toBe(127)
  })
})
