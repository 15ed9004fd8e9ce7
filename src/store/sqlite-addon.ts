import { createRequire } from 'node:module';

/**
 * better-sqlite3's native addon, loaded directly from where its build puts it. Left to itself,
 * better-sqlite3 finds the addon with the `bindings` package, which captures a stack trace to
 * locate the package and then probes a dozen candidate paths: ~8 ms of every irr command, more
 * than opening the database. Passing the addon's path as `nativeBinding` (a documented option)
 * skips that search (better-sqlite3 then requires that path, once: Node caches the addon). Where the
 * build put it elsewhere, the option is omitted and `bindings` searches as before.
 */
let addon: string | null | undefined;

export function addonOption(): { nativeBinding?: string } {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      addon = null;
    }
  }
  return addon ? { nativeBinding: addon } : {};
}
