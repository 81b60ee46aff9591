/**
 * Boots the systemd environment once for the `systemd` jest project. Teardown runs in global-teardown,
 * and also here on every other way out of the jest process (SIGINT, SIGTERM, an exit before teardown).
 */
import * as fs from 'fs';
import { boot, cannotBoot, SKIP_FILE, teardown } from './harness';

let armed = false;

function downOnExit(): void {
  if (armed) return;
  armed = true;
  const down = (): void => {
    teardown();
  };
  process.once('exit', down);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      down();
      process.kill(process.pid, sig);
    });
  }
}

export default async function globalSetup(): Promise<void> {
  fs.rmSync(SKIP_FILE, { force: true });
  const why = cannotBoot();
  if (why) {
    fs.writeFileSync(SKIP_FILE, `${why}\n`);
    console.log(`\n[systemd] skipping the systemd-in-a-container tests: ${why}`);
    return;
  }
  downOnExit();
  try {
    const { ms } = boot();
    console.log(`\n[systemd] container up in ${(ms / 1000).toFixed(1)} s`);
  } catch (e) {
    teardown();
    const msg = e instanceof Error ? e.message : String(e);
    fs.writeFileSync(SKIP_FILE, `could not boot: ${msg}\n`);
    throw e;
  }
}
