/**
 * The one safe-launch definition: what a long-lived process needs so that nothing its launcher does
 * (a hangup, a group or session kill, a closed pipe) reaches it — its own session and process group
 * (setsid), stdin from /dev/null, stdout and stderr appended to one log. The remedy words it as a shell
 * command; `whydied launch` starts its sentinel the same way through spawn options.
 */

/**
 * The shell form: `[cd DIR && ][ENV=.. ]setsid -f CMD </dev/null >>LOG 2>&1`. `cmd`, `log` and `cd` must
 * already be quoted (src/util/shell-quote); `env` is a prefix of public escape values, or ''.
 */
export function detachedCommand(p: { cmd: string; log: string; cd: string; env: string }): string {
  return `${p.cd}${p.env}setsid -f ${p.cmd} </dev/null >>${p.log} 2>&1`;
}

/** The spawn form, for a launcher holding the log open as `logFd`: the same session and streams. */
export function safeLaunchSpawn(logFd: number): { detached: true; stdio: ['ignore', number, number] } {
  return { detached: true, stdio: ['ignore', logFd, logFd] };
}
