/** Powers the systemd environment off and restores the host (core_pattern, sysctls, cgroups). */
import * as fs from 'fs';
import { cannotBoot, SKIP_FILE, teardown } from './harness';

export default async function globalTeardown(): Promise<void> {
  fs.rmSync(SKIP_FILE, { force: true });
  if (cannotBoot()) return;
  const r = teardown();
  if (r.code !== 0) throw new Error(`systemd-env.sh down failed: ${r.stderr}`);
}
