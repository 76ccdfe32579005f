// Types for ensure-java.js (plain CommonJS so it runs before any build).

/** Raised for every setup failure; the message says what to install or fix. */
export declare class EnsureJavaError extends Error {}

/** Makes sure the Java bridge jar is built from the current sources; `built` is true when Maven ran. */
export declare function ensureJava(options?: { repoRoot?: string; quiet?: boolean }): {
  jar: string
  java: string
  built: boolean
}

export declare const REPO_ROOT: string
