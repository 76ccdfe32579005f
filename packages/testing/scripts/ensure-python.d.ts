// Types for ensure-python.js (plain CommonJS so it runs before any build).

/** Raised for every setup failure; the message says what to install or fix. */
export declare class EnsurePythonError extends Error {}

/** Makes sure `<repo>/.venv` exists and holds the pinned requirements; `installed` is true when pip ran. */
export declare function ensurePython(options?: { repoRoot?: string; quiet?: boolean }): {
  python: string
  venvDir: string
  installed: boolean
}

export declare const REPO_ROOT: string
export declare const REQUIREMENTS: string
