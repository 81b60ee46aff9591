/**
 * The built-in checks in run order. Ids are part of the JSON contract; later checks (kernel-log,
 * journal, records) are appended, never inserted, so existing reports keep their order.
 */
import type { Check } from '../src/engine/types';
import { existence } from './existence';
import { parentChain } from './parent-chain';
import { signals } from './signals';
import { processGroup } from './process-group';
import { tty } from './tty';
import { stdio } from './stdio';
import { cgroup } from './cgroup';
import { ciEnvironment } from './ci-environment';
import { memory } from './memory';
import { kernelLog } from './kernel-log';
import { journal } from './journal';
import { records } from './records';
import { namespace } from './namespace';
import { systemdUnit } from './systemd-unit';
import { limits } from './limits';

export const builtinChecks: Check[] = [
  existence,
  parentChain,
  signals,
  processGroup,
  tty,
  stdio,
  cgroup,
  ciEnvironment,
  memory,
  // Postmortem (issue 3) and recordings (issue 4): appended so earlier ids keep their order.
  kernelLog,
  journal,
  records,
  // Issue 7: the container-stop event's evidence, appended to keep earlier ids in order.
  namespace,
  // The service manager's view (issue 9): appended after the others.
  systemdUnit,
  // The resource-limit event's evidence (/proc/PID/limits): appended after the others.
  limits,
];

export {
  existence,
  parentChain,
  signals,
  processGroup,
  tty,
  stdio,
  cgroup,
  ciEnvironment,
  memory,
  kernelLog,
  journal,
  records,
  namespace,
  systemdUnit,
  limits,
};
