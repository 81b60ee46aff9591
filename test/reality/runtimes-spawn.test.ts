/**
 * Language runtimes' spawn defaults, for real (catalogue: tool.language-runtimes): what a child's stdio is
 * and whether its parent's death ends it is decided by what /proc shows (a pipe or socketpair whose other
 * end only the parent holds, a Node IPC channel), never by the runtime's name. Each runtime is the real one
 * on the machine (python3, node, perl; ruby and java when installed), the parent is killed, the prediction
 * held to the outcome, watch names the mechanism, and for a death the first remedy is pasted and the event
 * repeated on the relaunch.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isAlive, procStat, waitFor } from '../helpers/processes';
import { runRemedy, soleWithArgv, startTree } from './harness/kernel-events';
import { tempDir } from './harness/tools';
import { realitySuite, notRoot } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  riskOf,
  startWatch,
  uniqueSleep,
} from './predict';

const { maybe, need } = realitySuite('runtimes-spawn', notRoot('watch needs tracefs'));
const NODE = JSON.stringify(process.execPath);

/** A writer that prints every 0.2 s, found again by its unique argv after the remedy relaunches it. */
const writer = (): { loop: string; argv: string[] } => {
  const loop = `while :; do echo x; sleep 0.2; done; : ${uniqueSleep()}`;
  return { loop, argv: ['sh', '-c', loop] };
};

/**
 * `launcher` starts the runtime in the background with the writer's script as $1 and `$D/target` as $2 (the
 * runtime writes its child's pid there); the runtime's own pid goes to `$D/parent`. The parent dies by
 * `sig`; the child must then die at its next write (SIGPIPE), watch must say so, and the pasted remedy's
 * relaunch must survive its own parent's exit.
 */
async function diesAtNextWrite(launcher: string, sig: NodeJS.Signals = 'SIGKILL', kind = /pipe|socketpair/) {
  const w0 = writer();
  const t = startTree(`${launcher} '${w0.loop}' "$D/target" & echo $! > "$D/parent"; wait`);
  const pid = await t.pid('target');
  const parent = await t.pid('parent');
  await waitFor(() => procStat(pid)?.comm === 'sh', 10000);
  // The runtime closes its copy of the child's end of the pipe after the fork (Ruby under load some
  // milliseconds after the exec; a spawn helper between fork and exec): until then both ends are the
  // parent's. Diagnose again until only the parent holds the other end, with a bound.
  let r = diagnose(pid);
  await waitFor(() => riskOf((r = diagnose(pid)), 'parent-exit').code === 'parent.stdio-peer', 10000);
  const pe = expectRule(r, 'parent-exit', 'parent.stdio-peer');
  expect(pe.reason).toMatch(kind);
  const w = await startWatch(pid);
  process.kill(parent, sig);
  // A JVM runs its shutdown hooks before it exits: the event is the parent's exit, awaited with a bound.
  expect(await waitFor(() => !isAlive(parent), 20000)).toBe(true);
  const died = await outcomeOf(pid, pe);
  expect(died).toBe(true);
  expectReality(pe, died);
  expect(mechanismOf(await w.result)).toBe('broken-pipe');
  runRemedy(r);
  const fixed = await soleWithArgv(w0.argv, [pid]);
  expect(riskOf(diagnose(fixed), 'parent-exit').outcome).toBe('survives');
  expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
  process.kill(fixed, 'SIGKILL');
  return r;
}

maybe('language runtimes: what a spawned child is tied to', () => {
  test('Python subprocess.Popen default: the child inherits its parent’s stdio (a log file); the parent’s death leaves it running', async () => {
    const n = uniqueSleep();
    const dir = tempDir('py-inherit');
    const t = startTree(
      `python3 -c 'import subprocess,sys,time
p = subprocess.Popen(["sleep", sys.argv[1]])
open(sys.argv[2], "w").write(str(p.pid))
time.sleep(3600)' ${n} "$D/target" >>${dir}/log 2>&1 </dev/null & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    expect(r.risks.find((x) => x.event === 'parent-exit')?.outcome).toBe('survives');
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
    expect(fs.existsSync(path.join(dir, 'log'))).toBe(true);
  });

  test('Python Popen(stdout=PIPE, start_new_session=True): a session of its own does not save it; the parent’s death kills it at its next write', async () => {
    const r = await diesAtNextWrite(
      `python3 -c 'import subprocess,sys,time
p = subprocess.Popen(["sh", "-c", sys.argv[1]], stdout=subprocess.PIPE, start_new_session=True)
open(sys.argv[2], "w").write(str(p.pid))
time.sleep(3600)'`,
    );
    // Its own session and group: no group kill reaches it, yet the pipe does.
    expect(riskOf(r, 'group-kill').outcome).toBe('survives');
  });

  test('nohup under a Python pipe: nohup ignores SIGHUP only and keeps the pipe (not a terminal); the parent’s death still kills it at its next write', async () => {
    const r = await diesAtNextWrite(
      `python3 -c 'import subprocess,sys,time
p = subprocess.Popen(["nohup", "sh", "-c", sys.argv[1]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
open(sys.argv[2], "w").write(str(p.pid))
time.sleep(3600)'`,
    );
    expect(r.checks.find((c) => c.id === 'signals')?.code).toBe('sighup-ignored');
  });

  test('Node spawn {detached: true} with default stdio: detached, yet its socketpair stdio kills it at its next write when the parent dies', async () => {
    await diesAtNextWrite(
      `${NODE} -e 'const c = require("child_process").spawn("sh", ["-c", process.argv[1]], { detached: true }); require("fs").writeFileSync(process.argv[2], String(c.pid)); setInterval(() => {}, 1e6)'`,
      'SIGKILL',
      /socketpair/,
    );
  });

  test('Node spawn {detached: true, stdio: "ignore"}: nothing ties it to the parent; the parent’s death leaves it running', async () => {
    const n = uniqueSleep();
    const t = startTree(
      `${NODE} -e 'const c = require("child_process").spawn("sleep", [process.argv[1]], { detached: true, stdio: "ignore" }); require("fs").writeFileSync(process.argv[2], String(c.pid)); setInterval(() => {}, 1e6)' ${n} "$D/target" & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    expect(riskOf(r, 'group-kill').outcome).toBe('survives');
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
  });

  test('Perl open(FH, "-|"): the parent reads its output pipe; the parent’s death kills it at its next write', async () => {
    await diesAtNextWrite(
      `perl -e 'my $pid = open(my $fh, "-|", "sh", "-c", $ARGV[0]) or die; open(my $o, ">", $ARGV[1]) or die; print $o $pid; close $o; sleep 3600'`,
    );
  });

  need('ruby')(
    'Ruby IO.popen: the parent holds the read end of its pipe; the parent’s death kills it at its next write',
    async () => {
      await diesAtNextWrite(
        `ruby -e 'io = IO.popen(["sh", "-c", ARGV[0]]); File.write(ARGV[1], io.pid.to_s); sleep 3600'`,
      );
    },
  );

  need('java')(
    'Java ProcessBuilder default pipes: the JVM exits at SIGTERM without touching its child, which dies at its next write',
    async () => {
      const dir = tempDir('java');
      const src = path.join(dir, 'Spawn.java');
      fs.writeFileSync(
        src,
        [
          'public class Spawn {',
          '  public static void main(String[] a) throws Exception {',
          '    Process p = new ProcessBuilder("sh", "-c", a[0]).start();',
          '    java.nio.file.Files.writeString(java.nio.file.Path.of(a[1]), Long.toString(p.pid()));',
          '    Thread.sleep(3600000);',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      // SIGTERM: the JVM runs its shutdown hooks and exits; its children are not destroyed (Process has no
      // parent-death tie), so only the pipe ends the child.
      await diesAtNextWrite(`java ${src}`, 'SIGTERM');
    },
  );

  test('Node cluster worker: the primary’s death disconnects its IPC channel and the worker exits', async () => {
    const n = uniqueSleep();
    const dir = tempDir('cluster');
    const app = path.join(dir, 'app.js');
    fs.writeFileSync(
      app,
      [
        "const cluster = require('cluster');",
        'if (cluster.isPrimary) {',
        '  const w = cluster.fork();',
        "  w.on('online', () => require('fs').writeFileSync(process.argv[3], String(w.process.pid)));",
        '}',
        'setInterval(() => {}, 1e6);',
        '',
      ].join('\n'),
    );
    const t = startTree(`${NODE} ${app} ${n} "$D/target" & echo $! > "$D/parent"; wait`);
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.cluster-worker');
    expect(pe.reason).toMatch(/IPC channel/);
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    // Node's cluster code exits the worker itself (process.exit(0)): an exit, not a signal.
    expect(await w.result).toMatchObject({ kind: 'exit', exitCode: 0 });
  });

  test('Node child_process.fork without a disconnect handler: the parent’s death closes the channel and leaves it running', async () => {
    const n = uniqueSleep();
    const dir = tempDir('fork');
    const child = path.join(dir, 'child.js');
    fs.writeFileSync(child, 'setInterval(() => {}, 1e6);\n');
    const t = startTree(
      `${NODE} -e 'const c = require("child_process").fork(process.argv[1], [process.argv[2]]); require("fs").writeFileSync(process.argv[3], String(c.pid)); setInterval(() => {}, 1e6)' ${child} ${n} "$D/target" & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = riskOf(r, 'parent-exit');
    expect(pe.code).not.toBe('parent.cluster-worker');
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
    expect(spawnSync('kill', ['-0', String(pid)]).status).toBe(0);
  });
});
