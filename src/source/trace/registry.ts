/**
 * Every tracing instance this process owns, removed on every exit path: normal exit and uncaught exceptions
 * (process 'exit'), SIGINT / SIGTERM (remove, then exit 128+n), SIGHUP (ignored while instances exist: the
 * watch must not die with the user's terminal). SIGKILL cannot be caught: the next start removes the
 * stale instance (`removeStaleInstances`).
 */
interface Removable {
  remove(): boolean;
}

const live = new Set<Removable>();
const cleanups = new Set<() => void>();
let installed = false;

const SIGNALS: Array<[NodeJS.Signals, number]> = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
];

/** Remove every registered instance and run registered cleanups (kill helper children). Synchronous. */
function removeAllInstances(): void {
  for (const c of [...cleanups]) {
    try {
      c();
    } catch {
      /* keep going: the instances matter more */
    }
  }
  for (const inst of [...live]) {
    try {
      inst.remove();
    } catch {
      /* best effort */
    }
  }
}

function onExit(): void {
  removeAllInstances();
}

/**
 * `whydied run` forwards SIGINT/SIGTERM to its command and keeps waiting for it: then a signal must not end
 * this process (the instances still go on the 'exit' path once the command has ended).
 */
let signalsExit = true;
export function setSignalsExit(exit: boolean): void {
  signalsExit = exit;
}

function onSignal(sig: NodeJS.Signals): void {
  if (!signalsExit) return;
  removeAllInstances();
  const n = SIGNALS.find(([s]) => s === sig)?.[1] ?? 15;
  process.exit(128 + n);
}

function onHangup(): void {
  /* ignored while watching: see the module comment */
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const [sig] of SIGNALS) process.on(sig, onSignal);
  process.on('SIGHUP', onHangup);
}

function uninstallIfIdle(): void {
  if (!installed || live.size > 0 || cleanups.size > 0) return;
  installed = false;
  process.removeListener('exit', onExit);
  for (const [sig] of SIGNALS) process.removeListener(sig, onSignal);
  process.removeListener('SIGHUP', onHangup);
}

export function registerInstance(inst: Removable): void {
  live.add(inst);
  install();
}

export function unregisterInstance(inst: Removable): void {
  live.delete(inst);
  uninstallIfIdle();
}

/** A synchronous cleanup (e.g. kill a helper child by pid) run on the same exit paths. */
export function registerCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  install();
  return () => {
    cleanups.delete(fn);
    uninstallIfIdle();
  };
}
