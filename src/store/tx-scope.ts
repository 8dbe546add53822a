/**
 * Tracks "this async call chain is inside a transaction of connection X", so that using the outer
 * database handle from inside `transaction(fn)` fails loudly instead of deadlocking (SQLite: the
 * outer handle waits for the transaction that is waiting for it) or silently escaping the
 * transaction (PostgreSQL: the outer handle uses another pooled connection).
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { LinekeyError } from "../util/errors.ts";

/** One open transaction. `open` turns false when it ends, so stray timers started inside it are not blamed later. */
export interface TxScope {
  readonly owner: object;
  open: boolean;
}

const storage = new AsyncLocalStorage<TxScope>();

/**
 * Transactions running now. On Node 20 an enabled AsyncLocalStorage puts a hook on every
 * promise of the process (about 0.1 µs and an allocation each, whether the promise has anything
 * to do with a database or not), so the storage is enabled only while a transaction runs and
 * disabled again when the last one ends. Nothing is lost: outside a transaction there is no
 * scope to find, and a chain that outlives its transaction finds a scope already closed.
 */
let running = 0;

/** Runs `fn` marked as being inside `scope`. */
export async function runInTxScope<T>(scope: TxScope, fn: () => Promise<T>): Promise<T> {
  running++;
  try {
    return await storage.run(scope, fn);
  } finally {
    if (--running === 0) storage.disable();
  }
}

/** Throws if the caller is inside an open transaction of `owner` and used the outer handle. */
export function assertNotInsideTx(owner: object): void {
  const scope = storage.getStore();
  if (scope?.owner === owner && scope.open) {
    throw new LinekeyError(
      "STORE_ERR_QUERY",
      "the outer database handle was used inside transaction(fn); use the tx handle passed to fn",
    );
  }
}
