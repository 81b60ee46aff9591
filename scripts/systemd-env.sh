#!/usr/bin/env bash
# A real systemd 252 (Debian bookworm) booted with systemd-nspawn on a machine whose PID 1 is not systemd,
# for the tests in test/systemd/. Facts behind every step: docs in the project's design notes
# ("systemd in a container").
#
#   scripts/systemd-env.sh up        boot (debootstraps the root fs the first time, ~90 s; later boots take seconds)
#   scripts/systemd-env.sh down      power off, restore host settings, remove our cgroups; idempotent
#   scripts/systemd-env.sh status    prints "running <container pid 1>" or "stopped"
#   scripts/systemd-env.sh exec CMD  runs CMD (sh -c) inside as root
#   scripts/systemd-env.sh check     exit 0 when this machine can boot it; otherwise prints why (exit 1)
#
# Environment: WHYDIED_SYSTEMD_ROOT (cached root fs, default /var/cache/whydied-test/bookworm),
# WHYDIED_SYSTEMD_CHECKOUT (bind-mounted read-only at the same path, default this repository),
# WHYDIED_SYSTEMD_NODE (the node binary to bind-mount, default the one on PATH; `none`: no node inside, as on a
# host where only the single executable or the Debian package runs: test/packaging),
# WHYDIED_SYSTEMD_VOLATILE=overlay (the root fs read-only under a tmpfs overlay, nspawn's --volatile=overlay:
# what the tests install inside, e.g. the Debian package, is gone at power-off and the cached tree stays clean).
#
# Host state it changes, and restores at `down` (also when `up` fails half way): kernel.core_pattern,
# kernel.core_pipe_limit, fs.suid_dumpable (saved once, before anything changes them, in $STATE/saved-sysctls),
# and one cgroup named whydied-systemd-env in every cgroup hierarchy.
set -euo pipefail

ROOT=${WHYDIED_SYSTEMD_ROOT:-/var/cache/whydied-test/bookworm}
CHECKOUT=${WHYDIED_SYSTEMD_CHECKOUT:-$(cd "$(dirname "$0")/.." && pwd)}
# The node that runs whydied inside (bind-mounted read-only at /usr/local/bin/node): the caller's, else PATH's.
NODE_BIN=${WHYDIED_SYSTEMD_NODE:-$(readlink -f "$(command -v node || echo /usr/bin/node)")}
VOLATILE=${WHYDIED_SYSTEMD_VOLATILE:-}
case "$VOLATILE" in ''|overlay) ;; *) echo "WHYDIED_SYSTEMD_VOLATILE: only 'overlay' or empty" >&2; exit 2 ;; esac
STATE=/run/whydied-systemd-env
CG_NAME=whydied-systemd-env
MACHINE=whydied-test
TEST_USER=alice
PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,openssh-client,systemd-coredump,procps,iproute2,tmux,cron
SYSCTLS=(kernel/core_pattern kernel/core_pipe_limit fs/suid_dumpable)

log() { echo "systemd-env: $*" >&2; }
die() { log "$*"; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
  local missing=()
  for t in systemd-nspawn debootstrap nsenter; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ "$NODE_BIN" = none ] || [ -x "$NODE_BIN" ] || missing+=(node)
  if [ ${#missing[@]} -gt 0 ]; then echo "missing: ${missing[*]} (apt-get install systemd-container debootstrap)"; return 1; fi
  [ -d /sys/fs/cgroup ] || { echo "no /sys/fs/cgroup"; return 1; }
  return 0
}

# ---- host settings -----------------------------------------------------------------------------------------
save_sysctls() {
  mkdir -p "$STATE"
  [ -f "$STATE/saved-sysctls" ] && return 0 # saved by an earlier, unfinished run: those are the originals
  local tmp="$STATE/saved-sysctls.tmp"
  : >"$tmp"
  for k in "${SYSCTLS[@]}"; do printf '%s\t%s\n' "$k" "$(cat /proc/sys/$k)" >>"$tmp"; done
  mv "$tmp" "$STATE/saved-sysctls"
}

restore_sysctls() {
  [ -f "$STATE/saved-sysctls" ] || return 0
  while IFS=$'\t' read -r k v; do
    [ "$(cat /proc/sys/$k)" = "$v" ] || printf '%s\n' "$v" >"/proc/sys/$k" || log "could not restore $k"
  done <"$STATE/saved-sysctls"
}

# ---- cgroups: nspawn without a host systemd needs a cgroup of its own in every hierarchy ---------------------
hierarchies() {
  # v1 hierarchies and the unified one, as mounted (the design notes: cgroup v1 hybrid on these machines).
  awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | sort -u
}

make_cgroups() {
  local h
  for h in $(hierarchies); do
    mkdir -p "$h/$CG_NAME"
    if [ -f "$h/cpuset.cpus" ] && [ -f "$h/$CG_NAME/cpuset.cpus" ]; then
      # A v1 cpuset child starts empty and nothing can join it until cpus and mems are set.
      [ -n "$(cat "$h/$CG_NAME/cpuset.cpus")" ] || cat "$h/cpuset.cpus" >"$h/$CG_NAME/cpuset.cpus"
      [ -n "$(cat "$h/$CG_NAME/cpuset.mems")" ] || cat "$h/cpuset.mems" >"$h/$CG_NAME/cpuset.mems"
    fi
    echo "$h/$CG_NAME" >>"$STATE/cgroups"
  done
}

join_cgroups() {
  local h
  for h in $(hierarchies); do echo "$1" >"$h/$CG_NAME/cgroup.procs"; done
}

remove_cgroups() {
  local h dir procs
  for h in $(hierarchies); do
    [ -d "$h/$CG_NAME" ] || continue
    # Anything still inside is what we started: kill it so the tree can go.
    procs=$(cat $(find "$h/$CG_NAME" -name cgroup.procs) 2>/dev/null | sort -u)
    [ -n "$procs" ] && kill -KILL $procs 2>/dev/null || true
    # Depth first: systemd inside made sub-cgroups of ours.
    for dir in $(find "$h/$CG_NAME" -depth -type d); do
      for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$dir" 2>/dev/null && break; sleep 0.2; done
    done
    [ -d "$h/$CG_NAME" ] && log "could not remove $h/$CG_NAME"
  done
  rm -f "$STATE/cgroups"
}

# ---- root file system ----------------------------------------------------------------------------------------
mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

bootstrap() {
  [ -f "$ROOT/.whydied-ready" ] && return 0
  local tmp="$ROOT.partial"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$ROOT")"
  log "debootstrapping bookworm into $ROOT (first run only, about 90 s)"
  local t0=$SECONDS
  # systemd-coredump's postinst runs systemd-sysctl, which rewrites the host's core sysctls: saved above,
  # restored right after.
  if ! debootstrap --variant=minbase --include=$PACKAGES bookworm "$tmp" "$(mirror)" >"$STATE/debootstrap.log" 2>&1; then
    restore_sysctls
    tail -20 "$STATE/debootstrap.log" >&2
    die "debootstrap failed (log: $STATE/debootstrap.log)"
  fi
  restore_sysctls
  chroot "$tmp" apt-get clean
  rm -rf "$ROOT"
  mv "$tmp" "$ROOT"
  touch "$ROOT/.whydied-ready"
  log "debootstrap took $((SECONDS - t0)) s"
}

# Idempotent configuration, applied before every boot (cheap; keeps a cached root fs in step with this script).
configure() {
  echo "$MACHINE" >"$ROOT/etc/hostname"
  [ -s "$ROOT/etc/machine-id" ] || tr -d - </proc/sys/kernel/random/uuid >"$ROOT/etc/machine-id"
  mkdir -p "$ROOT/etc/systemd/logind.conf.d" "$ROOT/etc/systemd/journald.conf.d" "$ROOT/var/log/journal"
  printf '[Login]\nKillUserProcesses=yes\n' >"$ROOT/etc/systemd/logind.conf.d/50-whydied-test.conf"
  # No rate limit: the journal benchmark fills it fast (a per-unit LogRateLimitIntervalSec= needs cgroup
  # xattrs, which the container's v1 name=systemd hierarchy does not carry).
  printf '[Journal]\nStorage=persistent\nRateLimitIntervalSec=0\n' >"$ROOT/etc/systemd/journald.conf.d/50-whydied-test.conf"
  for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
           systemd-networkd-wait-online.service; do
    ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
  done
  if ! grep -q "^$TEST_USER:" "$ROOT/etc/passwd"; then
    chroot "$ROOT" useradd --create-home --shell /bin/bash "$TEST_USER"
  fi
  # root inside logs in as the test user over 127.0.0.1 with this key.
  if [ ! -f "$ROOT/root/.ssh/id_ed25519" ]; then
    mkdir -p "$ROOT/root/.ssh"
    chmod 700 "$ROOT/root/.ssh"
    ssh-keygen -q -t ed25519 -N '' -C whydied-test -f "$ROOT/root/.ssh/id_ed25519"
  fi
  printf 'Host 127.0.0.1 localhost\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  IdentityFile /root/.ssh/id_ed25519\n' \
    >"$ROOT/root/.ssh/config"
  local home="$ROOT/home/$TEST_USER"
  mkdir -p "$home/.ssh"
  cp "$ROOT/root/.ssh/id_ed25519.pub" "$home/.ssh/authorized_keys"
  chmod 700 "$home/.ssh"
  chmod 600 "$home/.ssh/authorized_keys"
  chroot "$ROOT" chown -R "$TEST_USER:$TEST_USER" "/home/$TEST_USER/.ssh"
  mkdir -p "$ROOT$CHECKOUT"
  # State an earlier run may have left in the cached root fs: every boot starts without lingering users.
  rm -f "$ROOT"/var/lib/systemd/linger/*
  rm -f "$ROOT"/etc/cron.d/whydied-*
  # cron run by systemd (a job's leftovers in cron.service's cgroup): a root cached before cron was in
  # PACKAGES gets it here, once, from the package lists debootstrap left (its postinst starts nothing in a chroot).
  if [ ! -x "$ROOT/usr/sbin/cron" ]; then
    chroot "$ROOT" apt-get install -y -q --no-install-recommends cron >"$STATE/cron-install.log" 2>&1 ||
      log "could not install cron into $ROOT (log: $STATE/cron-install.log); the cron scenario skips"
    chroot "$ROOT" apt-get clean
  fi
}

# ---- core dumps ----------------------------------------------------------------------------------------------
# core_pattern is global and systemd 252 cannot forward a dump into a container: while the environment is up,
# crashes in the container's pid namespace go to the container's own systemd-coredump; others are discarded.
install_core_helper() {
  local leader=$1
  readlink "/proc/$leader/ns/pid" >"$STATE/pidns"
  echo "$leader" >"$STATE/leader"
  cat >"$STATE/core-helper" <<EOF
#!/bin/sh
# whydied test environment: kernel.core_pattern helper (args: %P %p %u %g %s %t %c %h %d). Removed at teardown.
[ "\$(readlink /proc/\$1/ns/pid)" = "\$(cat $STATE/pidns)" ] || exec cat >/dev/null
exec nsenter -t "\$(cat $STATE/leader)" -m -p -u /lib/systemd/systemd-coredump "\$2" "\$3" "\$4" "\$5" "\$6" 9223372036854775808 "\$8"
EOF
  chmod 755 "$STATE/core-helper"
  echo "|$STATE/core-helper %P %p %u %g %s %t %c %h %d" >/proc/sys/kernel/core_pattern
}

# ---- lifecycle -----------------------------------------------------------------------------------------------
nspawn_pid() {
  local pid
  pid=$(cat "$STATE/nspawn.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = systemd-nspawn ] || return 1
  echo "$pid"
}

leader_pid() {
  local ns
  ns=$(nspawn_pid) || return 1
  # The container's PID 1 is nspawn's child.
  pgrep -P "$ns" | head -1
}

inside() {
  local leader
  leader=$(leader_pid) || { log "not running"; return 1; }
  nsenter -t "$leader" -m -u -i -n -p -C -- /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 /bin/sh -c "$1"
}

up() {
  local why
  why=$(check) || die "cannot boot: $why"
  if nspawn_pid >/dev/null && [ -f "$STATE/ready" ]; then
    # One environment per machine: a second checkout's tests would find their build missing inside.
    local other
    other=$(cat "$STATE/checkout" 2>/dev/null || true)
    [ "$other" = "$CHECKOUT" ] || die "already running for another checkout ($other): run its scripts/systemd-env.sh down first"
    [ "$(cat "$STATE/options" 2>/dev/null || true)" = "node=$NODE_BIN volatile=$VOLATILE" ] ||
      die "already running with other options ($(cat "$STATE/options" 2>/dev/null)): scripts/systemd-env.sh down first"
    echo "running $(leader_pid)"
    return 0
  fi
  # A half-finished earlier run: clean it first.
  down >/dev/null 2>&1 || true
  local t0
  t0=$(date +%s.%N)
  save_sysctls
  # Every exit path of a failed boot restores the host (set -e exits land here too).
  trap '[ -f "$STATE/ready" ] || { log "boot failed; tearing down"; down >&2 || true; }' EXIT
  bootstrap
  configure
  make_cgroups
  echo "$CHECKOUT" >"$STATE/checkout"
  echo "node=$NODE_BIN volatile=$VOLATILE" >"$STATE/options"
  local extra=()
  [ "$NODE_BIN" = none ] || extra+=(--bind-ro="$NODE_BIN":/usr/local/bin/node)
  [ -z "$VOLATILE" ] || extra+=(--volatile="$VOLATILE")
  # Join our cgroups from a subshell that then becomes nspawn, so the container's systemd starts inside them.
  (
    join_cgroups "$BASHPID"
    exec setsid systemd-nspawn --quiet --boot --register=no --keep-unit --private-network \
      --machine="$MACHINE" --directory="$ROOT" --console=passive \
      "${extra[@]}" --bind-ro="$CHECKOUT" --capability=CAP_SYSLOG \
      </dev/null >"$STATE/console.log" 2>&1
  ) &
  local started=$! leader="" i
  echo "$started" >"$STATE/nspawn.pid"
  for i in $(seq 1 300); do
    leader=$(leader_pid 2>/dev/null) || true
    [ -n "$leader" ] && [ "$(cat /proc/$leader/comm 2>/dev/null)" = systemd ] && break
    # Until the subshell has exec'd, its comm is still bash: only its disappearance is a failure.
    [ -d "/proc/$started" ] || { cat "$STATE/console.log" >&2; die "systemd-nspawn exited"; }
    leader=""
    sleep 0.1
  done
  [ -n "$leader" ] || die "no container init appeared"
  install_core_helper "$leader"
  # Without user namespaces nspawn mounts the v1 controllers read-only inside; systemd then gives units no
  # memory cgroup and ignores MemoryMax=. Remount only the container's own mounts rw and let systemd re-read.
  local state=""
  for i in $(seq 1 600); do
    state=$(inside 'systemctl is-system-running 2>/dev/null' || true)
    case "$state" in running|degraded) break ;; esac
    sleep 0.1
  done
  case "$state" in running|degraded) ;; *) die "container did not finish booting (state: ${state:-none})" ;; esac
  for c in memory pids cpu cpuacct blkio cpu,cpuacct; do
    nsenter -t "$leader" -m -- sh -c "mountpoint -q /sys/fs/cgroup/$c && mount -o remount,bind,rw /sys/fs/cgroup/$c" || true
  done
  inside 'systemctl daemon-reexec'
  for i in $(seq 1 100); do
    state=$(inside 'systemctl is-system-running 2>/dev/null' || true)
    case "$state" in running|degraded) break ;; esac
    sleep 0.1
  done
  inside 'systemctl is-active --quiet ssh.service || systemctl start ssh.service'
  touch "$STATE/ready"
  trap - EXIT
  log "booted in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s (state: $state)"
  echo "running $leader"
}

down() {
  local ns
  if ns=$(nspawn_pid); then
    inside 'systemctl poweroff --no-block' >/dev/null 2>&1 || kill -TERM "$ns" 2>/dev/null || true
    for _ in $(seq 1 300); do [ -d "/proc/$ns" ] || break; sleep 0.1; done
    if [ -d "/proc/$ns" ]; then
      log "container did not power off in 30 s; killing systemd-nspawn $ns"
      kill -KILL "$ns" 2>/dev/null || true
      for _ in $(seq 1 50); do [ -d "/proc/$ns" ] || break; sleep 0.1; done
    fi
  fi
  # core_pattern first: the helper script goes away below.
  restore_sysctls
  remove_cgroups
  rm -f "$STATE/saved-sysctls" "$STATE/nspawn.pid" "$STATE/ready" "$STATE/checkout" "$STATE/options" "$STATE/pidns" "$STATE/leader" "$STATE/core-helper"
  echo stopped
}

cmd=${1:-}
shift || true
case "$cmd" in
  up) up ;;
  down) down ;;
  status) if nspawn_pid >/dev/null && [ -f "$STATE/ready" ]; then echo "running $(leader_pid)"; else echo stopped; fi ;;
  exec) inside "$*" ;;
  check) check ;;
  *) echo "usage: $0 up|down|status|exec CMD|check" >&2; exit 2 ;;
esac
