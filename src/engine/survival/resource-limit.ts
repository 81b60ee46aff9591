/**
 * resource-limit: it reaches a resource limit whose enforcement is a signal (src/model/limits.ts cites the
 * kernel): RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard one), RLIMIT_FSIZE (SIGXFSZ for a write
 * at or past it), RLIMIT_RTTIME (a realtime task running unblocked that long). The other limits make a call
 * fail and the program decides: no death to predict. The first rule that applies decides the row.
 */
import type { SurvivalRule } from './types';
import { cpuNear, fsizeNearWriter, type CpuLimit } from '../../model/limits';

const secs = (s: number): string => `${Math.round(s * 100) / 100} s`;

function cpuReason(c: CpuLimit): string {
  const by =
    c.diesBy === 'SIGXCPU'
      ? `the kernel sends SIGXCPU at its soft limit, ${c.softSec} s of CPU`
      : c.hardSec !== null && c.hardSec <= c.softSec
        ? `soft and hard limits are both ${c.hardSec} s of CPU, and the kernel checks the hard one first: SIGKILL`
        : `SIGXCPU is ${c.sigxcpu}, and the kernel sends SIGKILL at its hard limit, ${c.hardSec} s of CPU`;
  const eta = c.etaSec !== null ? `; at its average rate since it started, in about ${secs(c.etaSec)}` : '';
  return `RLIMIT_CPU: ${by}; it has used ${secs(c.usedSec)}${eta}`;
}

export const resourceLimitRules: SurvivalRule[] = [
  {
    // Not `unknown`: every limit is inherited, and init starts with RLIMIT_CPU, RLIMIT_FSIZE and RLIMIT_RTTIME
    // unlimited (include/asm-generic/resource.h INIT_RLIMITS); only someone's ulimit/prlimit sets one. A capture
    // made before this row existed holds no /proc/PID/limits: such a report keeps its verdict.
    code: 'limit.unread',
    event: 'resource-limit',
    outcome: 'survives',
    confidence: 'possible',
    meaning:
      'Its /proc/PID/limits could not be read (or a capture does not hold it): the limits that kill are unlimited unless someone set them (INIT_RLIMITS).',
    when: (e) =>
      e.limits
        ? null
        : 'its /proc/PID/limits could not be read: RLIMIT_CPU, RLIMIT_FSIZE and RLIMIT_RTTIME are unlimited from init on unless someone set them',
  },
  {
    code: 'limit.cpu-near',
    event: 'resource-limit',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'RLIMIT_CPU ends it (SIGXCPU at the soft limit unless caught, ignored or blocked; SIGKILL at the hard one, and at once when soft = hard, as `ulimit -t N` sets) and it is near: half of it used, or reached within the hour at its average CPU rate.',
    when: (e) => {
      const c = e.limits?.cpu;
      return c && cpuNear(c) ? cpuReason(c) : null;
    },
  },
  {
    code: 'limit.fsize-near',
    event: 'resource-limit',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'RLIMIT_FSIZE is set, SIGXFSZ is not caught or ignored, and a regular file it has open for writing is at half of the limit or more: a write at or past the limit ends it with SIGXFSZ.',
    when: (e) => {
      const f = e.limits?.fsize;
      const w = f?.kills ? fsizeNearWriter(f) : null;
      return f && w
        ? `RLIMIT_FSIZE ${f.softBytes} bytes: it has ${w.path} open for writing (fd ${w.fd}), its next write at byte ${w.pos}; a write at or past the limit gets SIGXFSZ from the kernel`
        : null;
    },
  },
  {
    code: 'limit.rttime',
    event: 'resource-limit',
    outcome: 'dies',
    confidence: 'possible',
    meaning:
      'A realtime task (SCHED_FIFO/SCHED_RR) with RLIMIT_RTTIME set: running that long without blocking gets SIGXCPU (SIGKILL at the hard limit); how long it runs unblocked is not visible in /proc.',
    when: (e) => {
      const r = e.limits?.rttime;
      return r && r.policy && r.diesAtUs !== null
        ? `it runs ${r.policy} with RLIMIT_RTTIME ${r.softUs} µs: a stretch of ${r.diesAtUs} µs on the CPU without blocking ends it (${r.diesAtUs === r.softUs && r.sigxcpu === 'default' && r.hardUs !== r.softUs ? 'SIGXCPU' : 'SIGKILL at the hard limit'}); how long it runs unblocked is not visible in /proc`
        : null;
    },
  },
  {
    code: 'limit.cpu-set',
    event: 'resource-limit',
    outcome: 'dies',
    confidence: 'possible',
    meaning:
      'RLIMIT_CPU ends it once its CPU time reaches it, not near yet: whether it gets there depends on the work it does.',
    when: (e) => {
      const c = e.limits?.cpu;
      return c && c.diesAtSec !== null ? `${cpuReason(c)}, when it gets there` : null;
    },
  },
  {
    code: 'limit.fsize-set',
    event: 'resource-limit',
    outcome: 'dies',
    confidence: 'possible',
    meaning:
      'RLIMIT_FSIZE is set and SIGXFSZ is not caught or ignored: a write to a regular file at or past the limit ends it; none of its open files is near it now.',
    when: (e) => {
      const f = e.limits?.fsize;
      return f?.kills
        ? `RLIMIT_FSIZE ${f.softBytes} bytes: a write to a regular file at or past it gets SIGXFSZ from the kernel, which ends it${f.writers.length > 0 ? `; the furthest of its open files is at byte ${f.writers[0].pos}` : ''}`
        : null;
    },
  },
  {
    code: 'limit.handled',
    event: 'resource-limit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'RLIMIT_FSIZE is set and SIGXFSZ is caught or ignored (Python ignores it at start-up): a write past the limit fails with EFBIG and the program decides; or RLIMIT_CPU is set, SIGXCPU caught and no hard limit behind it: its handler decides.',
    when: (e) => {
      const l = e.limits;
      const f = l?.fsize && !l.fsize.kills ? l.fsize : null;
      if (f)
        return `RLIMIT_FSIZE ${f.softBytes} bytes and SIGXFSZ is ${f.sigxfsz}: a write past the limit fails with EFBIG and the program decides whether it exits${f.writers.length > 0 ? ` (the furthest of its open files is at byte ${f.writers[0].pos})` : ''}`;
      return l?.cpu?.sigxcpu === 'caught'
        ? `RLIMIT_CPU ${l.cpu.softSec} s with no hard limit behind it, and it catches SIGXCPU: the program decides what reaching it does`
        : null;
    },
  },
  {
    code: 'limit.none',
    event: 'resource-limit',
    outcome: 'survives',
    confidence: 'certain',
    meaning:
      'No limit that sends a signal ends it: RLIMIT_CPU unlimited (or SIGXCPU ignored with no hard limit), RLIMIT_FSIZE unlimited, RLIMIT_RTTIME unlimited or not realtime; the other limits make a call fail (EMFILE, EAGAIN, ENOMEM) and the program decides.',
    when: (e) => {
      const l = e.limits;
      if (!l) return null;
      const ignored = l.cpu ? `; SIGXCPU is ${l.cpu.sigxcpu} and no hard CPU limit follows` : '';
      return `RLIMIT_CPU and RLIMIT_FSIZE send it nothing that ends it${ignored}; RLIMIT_NOFILE, NPROC, AS and DATA only make a call fail`;
    },
  },
];
