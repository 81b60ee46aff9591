/**
 * The completion scripts, each driven in its real shell on a pty (test/cli/completion-pty.py types the
 * line and a Tab): bash, zsh (sourced and from $fpath) and fish. What each word completes to comes from
 * one table (src/cli/completion-scripts.ts): option values (--format, --only/--skip check ids, record
 * --output kinds), the shell of `completion`, commands as the first word, PIDs only once a digit is typed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, startDetached } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '../..');
const DRIVER = path.join(__dirname, 'completion-pty.py');
let bin: string;
let fpath: string;

beforeAll(() => {
  // `whydied` on PATH as an install puts it there: the bin.
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-completion-'));
  fs.symlinkSync(path.join(ROOT, 'dist', 'whydied.js'), path.join(bin, 'whydied'));
  fpath = path.join(bin, 'zfunc');
  fs.mkdirSync(fpath);
  fs.writeFileSync(
    path.join(fpath, '_whydied'),
    execFileSync(path.join(bin, 'whydied'), ['completion', 'zsh'], { encoding: 'utf8' }),
  );
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(bin, { recursive: true, force: true });
});

const SETUP: Record<string, () => string> = {
  bash: () => 'bind "set show-all-if-ambiguous on"; source <(whydied completion bash)',
  'zsh (sourced)': () => 'autoload -U compinit; compinit -u; source <(whydied completion zsh)',
  'zsh (fpath)': () => `fpath=(${fpath} $fpath); autoload -U compinit; compinit -u`,
  fish: () => 'whydied completion fish | source',
};

/** What the shell shows after LINE and Tab, read until each of `waitFor` has shown (bounded). */
function tab(shell: string, line: string, ...waitFor: string[]): string {
  const exe = shell.split(' ')[0];
  return execFileSync('python3', [DRIVER, exe, SETUP[shell](), line, ...waitFor], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: bin, XDG_CONFIG_HOME: bin },
    timeout: 40000,
  });
}

const words = (out: string): Set<string> => new Set(out.split(/[\s()]+/).filter(Boolean));

describe.each(Object.keys(SETUP))('%s', (shell) => {
  it('completes --format values', () => {
    const w = words(tab(shell, 'whydied --format ', 'markdown', 'table'));
    expect([...w]).toEqual(expect.arrayContaining(['table', 'json', 'markdown']));
  });

  it('completes check ids after --only, after a comma too', () => {
    expect(tab(shell, 'whydied --only kernel-l', 'kernel-log')).toContain('kernel-log');
    expect(tab(shell, 'whydied --skip existence,sig', 'existence,signals')).toContain('existence,signals');
  });

  it('completes the shell of `completion` and the options of a command', () => {
    expect([...words(tab(shell, 'whydied completion ', 'bash', 'zsh', 'fish'))]).toEqual(
      expect.arrayContaining(['bash', 'zsh', 'fish']),
    );
    expect(tab(shell, 'whydied checks --r', '--rules')).toContain('--rules');
    expect(tab(shell, 'whydied record --output st', 'store')).toContain('store');
  });

  it('offers commands as the first word, and PIDs only once a digit is typed', () => {
    const pid = String(startDetached('sleep', ['60']));
    const first = words(tab(shell, 'whydied ', 'scan', 'explain', 'watch'));
    expect([...first]).toEqual(expect.arrayContaining(['scan', 'explain', 'watch']));
    expect(first.has(pid)).toBe(false);
    // The whole pid but its last digit: the pid is among what the shell offers or what it completed to.
    expect(tab(shell, `whydied ${pid.slice(0, -1)}`, pid)).toContain(pid);
  });
});
