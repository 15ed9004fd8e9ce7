#!/usr/bin/env node
// Thin shim: everything lives in the compiled CLI entry.
import('../dist/cli/main.js').then(
  (m) => m.main(process.argv),
  (err) => {
    process.stderr.write(`irr: cannot load the compiled CLI (${err.code ?? err.message}); run "npm install" in the irr folder\n`);
    process.exit(1);
  },
);
