/**
 * The CI runners table held together: every marker names its system, every runner-specific marker is
 * decided by that runner's own rule (never the generic "which CI?" or "no CI"), every escape value is one
 * its runner's rule recognises, and each scanning runner's escape reaches the remedy. Hand-written
 * evidence (the ci and group sections only), as the marker table is what is under test; each runner's
 * cleanup itself is re-enacted in test/reality/runners-ci*.test.ts.
 */
import { CI_ESCAPES, CI_MARKERS, CI_RELAUNCH_ESCAPES, CI_SYSTEM_OF } from '../../src/model/ci-markers';
import { SURVIVAL_RULES, type RiskEvidence } from '../../src/engine/survival';

const ciRules = SURVIVAL_RULES.filter((r) => r.event === 'ci-cleanup');

/** The first ci-cleanup rule that decides this evidence (the table's order is the decision order). */
function decide(markers: string[], escaped: string[], groupLeader: boolean): string {
  const e = {
    ci: {
      markers,
      systems: [...new Set(markers.map((m) => CI_SYSTEM_OF[m]))],
      reapingMarkers: markers.filter((m) => m in CI_ESCAPES && !escaped.includes(CI_ESCAPES[m])),
      escaped,
      runnerAncestor: null,
      unreadable: null,
    },
    group: { pgid: 4242, groupLeader },
    process: null,
  } as unknown as RiskEvidence;
  const rule = ciRules.find((r) => r.when(e) !== null);
  if (!rule) throw new Error(`no ci-cleanup rule for ${markers.join(',')}`);
  return rule.code;
}

test('every marker names a system; every escape belongs to a marker', () => {
  for (const m of CI_MARKERS) expect(CI_SYSTEM_OF[m]).toBeDefined();
  for (const [name, esc] of Object.entries(CI_ESCAPES)) {
    expect(CI_MARKERS).toContain(name);
    expect(esc.startsWith(`${name}=`)).toBe(true);
  }
});

test.each(CI_MARKERS.filter((m) => CI_SYSTEM_OF[m] !== 'generic'))(
  '%s alone (with CI=true), in the job group or leading its own, is decided by its runner, not guessed',
  (marker) => {
    for (const leader of [false, true]) {
      const code = decide([marker, 'CI'], [], leader);
      expect(code).not.toBe('ci.generic');
      expect(code).not.toBe('ci.none');
    }
  },
);

test("a marker set to its runner's escape is passed over, and the remedy carries that escape", () => {
  for (const [name, esc] of Object.entries(CI_ESCAPES)) {
    expect(decide([name], [esc], true)).toBe('ci.escaped');
    expect(CI_RELAUNCH_ESCAPES[CI_SYSTEM_OF[name]]).toContain(esc);
  }
});

test('only CI=true stays undecided, and no marker at all is none', () => {
  expect(decide(['CI'], [], false)).toBe('ci.generic');
  expect(decide([], [], false)).toBe('ci.none');
});
