/**
 * Every printed command is safe to paste: for a process whose argv, argv[0], cwd and log path are
 * hostile, each remedy run through a shell must start exactly the intended program with exactly its
 * arguments — no command substitution, no second command, no file created by the process's data.
 * The launch tools are replaced by recorders on PATH, so nothing is really started.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, track, waitFor } from '../helpers/processes';
import { diagnosePid, cleanEnv } from '../scenarios/helpers';

afterAll(() => cleanupProcesses());

const PWN = 'PWNED';
const HOSTILE_ARGS = [
  `$(touch ${PWN})`,
  `\`touch ${PWN}\``,
  `; touch ${PWN} #`,
  `a'b"c\\d`,
  'new\nline',
  '\x1b[31mred\x1b[0m',
  '\u202eevil',
  '--x=$HOME',
  '',
  ' lead',
  '*',
  '~root',
];

function recorderDir(): { bin: string; rec: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-paste-bin-'));
  const rec = path.join(bin, 'argv');
  for (const tool of ['setsid', 'systemd-run', 'tmux']) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nprintf '%s\\0' "$0" "$@" > '${rec}'\n`, { mode: 0o755 });
  }
  return { bin, rec };
}

const argvOf = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\0').slice(0, -1);

test('every remedy for a hostile argv, argv[0], cwd and log path runs only the intended program with its exact argv', async () => {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-paste-'));
  const cwd = path.join(sandbox, `d $(touch ${PWN}) \`x\` ;'"`);
  fs.mkdirSync(cwd);
  const log = path.join(sandbox, `log $(touch ${PWN}).txt`);
  const out = fs.openSync(log, 'a');
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)']).stdout.toString().trim();
  const script = 'import time; time.sleep(100000)';
  // The group is the test's own, never the one jest was started in (CI's launcher decides that one): a
  // live bash leads a session and group of its own and starts the program in the background, so the
  // program shares its group with a running shell (group.shares-with-runner, at-risk). argv[0] is rewritten
  // (exec -a) to something no shell can run: the remedy must fall back to the executable.
  const launcher = spawn(
    'bash',
    ['-c', 'exec -a "$0" "$@" & echo "$!" >&3; wait', `x; touch ${PWN} #`, python, '-c', script, ...HOSTILE_ARGS],
    { cwd, detached: true, stdio: ['ignore', out, out, 'pipe'], env: cleanEnv() },
  );
  track(launcher.pid ?? 0);
  const pidText = await new Promise<string>((resolve) => {
    let t = '';
    (launcher.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      t += d;
      if (t.includes('\n')) resolve(t);
    });
  });
  const pid = track(Number(pidText.trim()));
  // Past the exec: the background subshell's own argv holds the script text too.
  const pythonExe = fs.realpathSync(python);
  await waitFor(() => {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`) === pythonExe;
    } catch {
      return false;
    }
  });
  const d = await diagnosePid(pid);
  expect(d.verdict.status).toBe('at-risk'); // it shares its group with a live shell
  expect(d.remedy.length).toBeGreaterThan(0);
  const exe = fs.readlinkSync(`/proc/${pid}/exe`);
  const intended = [exe, '-c', script, ...HOSTILE_ARGS];

  for (const { command: cmd } of d.remedy) {
    // Printed text: no raw control or bidi character reaches the terminal.
    expect(cmd).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    const { bin, rec } = recorderDir();
    const r = spawnSync('bash', ['-c', cmd], {
      cwd: sandbox,
      env: { ...cleanEnv(), PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const got = argvOf(rec);
    const tool = path.basename(got[0]);
    if (tool === 'setsid') {
      expect(got.slice(1)).toEqual(['-f', ...intended]);
    } else if (tool === 'systemd-run') {
      expect(got.slice(got.indexOf('--') + 1)).toEqual(intended);
    } else if (tool === 'tmux') {
      // tmux hands its one command string to sh -c: it must read back as `exec` + the intended argv.
      const shellText = got[got.length - 1];
      expect(shellText.startsWith('exec ')).toBe(true);
      const echoed = spawnSync('bash', ['-c', `printf '%s\\0' ${shellText.slice(5)}`], {
        cwd: sandbox,
        encoding: 'utf8',
      }).stdout;
      expect(echoed.split('\0').slice(0, -1)).toEqual(intended);
    } else {
      throw new Error(`unexpected tool ${tool} in ${cmd}`);
    }
    fs.rmSync(bin, { recursive: true, force: true });
  }
  for (const dir of [sandbox, cwd, process.cwd()]) expect(fs.existsSync(path.join(dir, PWN))).toBe(false);
  fs.closeSync(out);
  fs.rmSync(sandbox, { recursive: true, force: true });
});
