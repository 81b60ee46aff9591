/**
 * Builds (when its inputs changed) and boots the v2 VM once for the `v2vm` jest project. Teardown runs in
 * global-teardown, and also here on every other way out of the jest process (SIGINT, SIGTERM, an exit).
 */
import * as fs from 'fs';
import { boot, cannotBoot, SKIP_FILE, teardown } from './harness';

let armed = false;

function downOnExit(): void {
  if (armed) return;
  armed = true;
  process.once('exit', () => void teardown());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      teardown();
      process.kill(process.pid, sig);
    });
  }
}

export default async function globalSetup(): Promise<void> {
  fs.rmSync(SKIP_FILE, { force: true });
  const why = cannotBoot();
  if (why) {
    fs.writeFileSync(SKIP_FILE, `${why}\n`);
    console.log(`\n[v2vm] skipping the cgroup v2 VM tests: ${why}`);
    return;
  }
  if (process.env.WHYDIED_V2VM_KEEP !== '1') downOnExit();
  try {
    const { ms } = boot();
    console.log(`\n[v2vm] VM up in ${(ms / 1000).toFixed(1)} s (image build included when its inputs changed)`);
  } catch (e) {
    teardown();
    const msg = e instanceof Error ? e.message : String(e);
    fs.writeFileSync(SKIP_FILE, `could not boot: ${msg}\n`);
    throw e;
  }
}
