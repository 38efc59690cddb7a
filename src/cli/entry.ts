// The CLI's process entry (bundled by `vite build --mode cli`, run by scripts/cli.mjs): runs
// one command of src/cli/main.ts and maps its outcome to the exit status — 0 ok, 1 a run
// failed, 2 bad arguments or unreadable input (UsageError).
import { main } from './main';
import { UsageError } from './common';
import { GpuError } from '../gpu/errors';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof GpuError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
