/**
 * The journal output against a real journald (systemd 252 in the booted container): `whydied run --output
 * journal` inside sends a native-protocol entry; journalctl finds it by the fixed MESSAGE_ID with the
 * WHYDIED_* fields and PRIORITY by cause. (The fake-socket tests in test/fleet cover the protocol and the
 * syslog fallback on machines without systemd.)
 */
import * as path from 'path';
import { CHECKOUT, sh, unavailable } from './harness';

jest.setTimeout(120000);
const skip = unavailable();
if (skip) console.log(`[systemd] skipped: ${skip}`);
const t = skip ? test.skip : test;
const MESSAGE_ID = '5f1c2a7e9b3d4c8a8e6f0d1b2c3a4e57';

t('run --output journal: journald stores the death with its WHYDIED_* fields', async () => {
  // The checkout is bind-mounted at the same path inside (harness.ts).
  const cli = path.join(CHECKOUT, 'dist/whydied.js');
  const r = sh(
    `d=$(mktemp -d) && WHYDIED_STATE_DIR=$d node '${cli}' run --output store,journal -- sh -c 'exit 9'; rc=$?; rm -rf "$d"; exit $rc`,
  );
  expect(r.code).toBe(9);
  const pid = Number(/\(pid (\d+)\) exited with code 9/.exec(r.stderr)?.[1]);
  expect(pid).toBeGreaterThan(0);
  // journald may take a moment to make the entry visible to readers.
  let entry: Record<string, string> | null = null;
  for (let i = 0; i < 50 && !entry; i++) {
    const out = sh(`journalctl --no-pager -o json MESSAGE_ID=${MESSAGE_ID} WHYDIED_PID=${pid}`).stdout.trim();
    if (out) entry = JSON.parse(out.split('\n')[0]) as Record<string, string>;
    else await new Promise((res) => setTimeout(res, 100));
  }
  expect(entry).toMatchObject({
    MESSAGE_ID,
    PRIORITY: '5',
    SYSLOG_IDENTIFIER: 'whydied',
    WHYDIED_CAUSE: 'exit',
    WHYDIED_EXIT_CODE: '9',
    WHYDIED_COMM: 'sh',
    WHYDIED_PID: String(pid),
  });
  expect(entry?.MESSAGE).toBe(`whydied: sh (pid ${pid}) exited with code 9`);
});
