/**
 * The `watch` pseudo-check: hands what the watcher saw to the ordinary diagnosis as a finding whose cause
 * has source 'watch' (the verdict ranks it above every inferred source). It reads nothing: the result is
 * closed over, so it stays a pure check.
 */
import type { Check, Evidence, FindingInput } from '../engine/types';
import type { WatchResult } from '../observe/types';
import { describeCause } from '../engine/describe-cause';

export function watchCheck(results: readonly WatchResult[]): Check {
  return {
    meta: {
      id: 'watch',
      title: 'Watched death',
      description: 'What `whydied watch` saw when the process ended: signal and sender, or exit code.',
      codes: {
        'watched-death': 'The watcher saw the process end and established how.',
        'watched-unknown': 'The watcher saw the process end but could not establish how (poll backend, or no event).',
        'not-watched': 'The process was already gone when the watch started.',
      },
    },
    run(ctx): FindingInput {
      const r = results.find((x) => x.pid === ctx.target.pid);
      if (!r || !r.identity) {
        return { status: 'skip', code: 'not-watched', summary: r?.note ?? 'this process was not watched' };
      }
      const evidence: Evidence = { backend: r.backend, signalsSeen: r.signalsSeen, endedAt: r.endedAt };
      if (r.fallbackReason) evidence.fallbackReason = r.fallbackReason;
      if (!r.death) {
        return {
          status: 'warn',
          code: 'watched-unknown',
          summary:
            r.endedAt === null
              ? // Not ended (timeout, or a watch stopped early): never claim a death that was not seen.
                `still running when the watch stopped; nothing fatal was seen${r.fallbackReason ? ` (${r.fallbackReason})` : ''}`
              : `ended at ${r.endedAt}; the ${r.backend} backend could not tell how${r.note ? ` (${r.note})` : ''}`,
          evidence,
        };
      }
      const c = r.death.cause;
      return {
        status: 'fail',
        code: 'watched-death',
        summary: `${r.death.comm} ${describeCause(c, r.pid)} (seen by whydied watch, ${r.backend} backend)`,
        evidence,
        cause: c,
      };
    },
  };
}
