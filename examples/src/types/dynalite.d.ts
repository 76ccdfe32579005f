// Minimal typings for dynalite 4 (it ships none): the in-process DynamoDB the demo starts.
declare module 'dynalite' {
  import type { Server } from 'node:http'

  interface DynaliteOptions {
    /** Milliseconds a new table stays CREATING; default 500. */
    createTableMs?: number
    /** Milliseconds a deleted table stays DELETING; default 500. */
    deleteTableMs?: number
    /** Milliseconds an updated table stays UPDATING; default 500. */
    updateTableMs?: number
    /** LevelDB directory; default in memory. */
    path?: string
  }

  function dynalite(options?: DynaliteOptions): Server
  export = dynalite
}
