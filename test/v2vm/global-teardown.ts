/** Powers the v2 VM off (qemu is killed only if it stays). */
import * as fs from 'fs';
import { cannotBoot, SKIP_FILE, teardown } from './harness';

export default async function globalTeardown(): Promise<void> {
  fs.rmSync(SKIP_FILE, { force: true });
  if (cannotBoot()) return;
  // For a developer rerunning one file against a VM already up: keep it (scripts/v2vm.sh down ends it).
  if (process.env.WHYDIED_V2VM_KEEP === '1') return;
  const r = teardown();
  if (r.code !== 0) throw new Error(`v2vm.sh down failed: ${r.stderr}`);
}
