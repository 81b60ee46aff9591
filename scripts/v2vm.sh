#!/usr/bin/env bash
# A pure cgroup v2 host for the tests in test/v2vm/: Debian 12 (kernel 6.1, systemd 252, systemd-oomd, PSI, swap)
# booted under QEMU with software emulation (TCG). Facts behind every step: the design notes, "A pure cgroup v2
# host: a QEMU VM".
#
#   scripts/v2vm.sh build       make the image (cached: rebuilt only when its inputs change; ~3-5 min)
#   scripts/v2vm.sh up          build if needed, boot (30-60 s), copy this checkout's whydied in; prints "running PORT"
#   scripts/v2vm.sh down        power off (wait; kill qemu only if it stays); idempotent
#   scripts/v2vm.sh status      "running PORT" or "stopped"
#   scripts/v2vm.sh exec CMD    runs CMD (sh -c) inside as root, over ssh
#   scripts/v2vm.sh push        copy this checkout's built whydied into the running VM (/opt/whydied)
#   scripts/v2vm.sh ssh-config  prints the ssh options a caller needs (key, port) as "KEY PORT"
#   scripts/v2vm.sh check       exit 0 when this machine can run it; otherwise prints why (exit 1)
#
# Environment: WHYDIED_V2VM_BASE (a debootstrapped bookworm tree to copy, never modified; default the systemd
# environment's /var/cache/whydied-test/bookworm; debootstrapped here when absent), WHYDIED_V2VM_DIR (the image
# cache, default /var/cache/whydied-test/v2vm), WHYDIED_V2VM_NODE (the node copied in, default PATH's).
#
# The VM runs with -snapshot: its disk writes go to a temporary file qemu deletes, so every boot starts from the
# same image. Networking is user-mode with restrict=on (the guest reaches nothing); the only way in is ssh through a
# hostfwd on 127.0.0.1.
set -euo pipefail

CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${WHYDIED_V2VM_BASE:-/var/cache/whydied-test/bookworm}
CACHE=${WHYDIED_V2VM_DIR:-/var/cache/whydied-test/v2vm}
NODE_BIN=${WHYDIED_V2VM_NODE:-$(readlink -f "$(command -v node || echo /usr/bin/node)")}
STATE=/run/whydied-v2vm
# What the image adds to the systemd environment's tree (design notes: kernel + initramfs for a VM, oomd, sshd).
BASE_PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,openssh-client,systemd-coredump,procps,iproute2,tmux
VM_PACKAGES="linux-image-cloud-amd64 initramfs-tools systemd-oomd openssh-server sudo"
# Installed, but its D-Bus activation file is kept aside in /opt/whydied-polkit: to logind (and to whydied) the
# host has no polkitd until a scenario puts the file back and reloads dbus (installing the package inside the
# emulated guest takes minutes; the design notes' "no polkitd" is this same state: nothing answers on the bus).
POLKIT_PACKAGES="polkitd"
POLKIT_SERVICE=/usr/share/dbus-1/system-services/org.freedesktop.PolicyKit1.service
SYSCTLS=(kernel/core_pattern kernel/core_pipe_limit fs/suid_dumpable)
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=6)

log() { echo "v2vm: $*" >&2; }
die() { log "$*"; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
  local missing=()
  for t in qemu-system-x86_64 mkfs.ext4 ssh ssh-keygen chroot; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ -f "$BASE/.whydied-ready" ] || command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -x "$NODE_BIN" ] || missing+=(node)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]} (apt-get install --no-install-recommends qemu-system-x86 e2fsprogs openssh-client debootstrap)"
    return 1
  fi
  return 0
}

# ---- image --------------------------------------------------------------------------------------------------
# Everything the image is made from: the recipe below (as bash prints it), the packages, the node binary and the
# base tree's stamp. The same inputs reuse the cached image.
inputs_hash() {
  {
    declare -f build_tree configure_tree
    echo "$BASE_PACKAGES $VM_PACKAGES $POLKIT_PACKAGES"
    sha256sum <"$NODE_BIN"
    [ -f "$BASE/.whydied-ready" ] && stat -c %Y "$BASE/.whydied-ready"
  } | sha256sum | cut -d' ' -f1
}

image_fresh() {
  [ -f "$CACHE/root.img" ] && [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.img" ] && [ -f "$CACHE/id_ed25519" ] &&
    [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$(inputs_hash)" ]
}

mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

save_sysctls() {
  : >"$STATE/build-sysctls"
  for k in "${SYSCTLS[@]}"; do printf '%s\t%s\n' "$k" "$(cat /proc/sys/$k)" >>"$STATE/build-sysctls"; done
}

# Package scripts in a chroot (systemd-coredump's runs systemd-sysctl) rewrite the host's core sysctls.
restore_sysctls() {
  [ -f "$STATE/build-sysctls" ] || return 0
  while IFS=$'\t' read -r k v; do
    [ "$(cat /proc/sys/$k)" = "$v" ] || printf '%s\n' "$v" >"/proc/sys/$k" || log "could not restore $k"
  done <"$STATE/build-sysctls"
  rm -f "$STATE/build-sysctls"
}

unmount_tree() {
  local t=$1 m
  for m in proc dev/pts dev; do mountpoint -q "$t/$m" 2>/dev/null && umount -l "$t/$m" || true; done
}

build_tree() {
  local t=$1
  if [ -f "$BASE/.whydied-ready" ]; then
    cp -a "$BASE/." "$t/"
  else
    log "no base tree at $BASE: debootstrapping bookworm (about 90 s)"
    debootstrap --variant=minbase --include=$BASE_PACKAGES bookworm "$t" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap.log" >&2; return 1; }
  fi
  rm -f "$t/.whydied-ready"
  mount -t proc proc "$t/proc"
  mount --bind /dev "$t/dev"
  mount -t devpts devpts "$t/dev/pts" 2>/dev/null || true
  # No service starts inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$t/usr/sbin/policy-rc.d"
  chmod 755 "$t/usr/sbin/policy-rc.d"
  echo "deb $(mirror) bookworm main" >"$t/etc/apt/sources.list"
  chroot "$t" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$t" apt-get install -y -qq --no-install-recommends $VM_PACKAGES >/dev/null
  DEBIAN_FRONTEND=noninteractive chroot "$t" apt-get install -y -qq --no-install-recommends $POLKIT_PACKAGES >/dev/null
  mkdir -p "$t/opt/whydied-polkit"
  mv "$t$POLKIT_SERVICE" "$t/opt/whydied-polkit/"
  chroot "$t" apt-get clean
  rm -rf "$t"/var/lib/apt/lists/* "$t/usr/sbin/policy-rc.d"
  unmount_tree "$t"
}

configure_tree() {
  local t=$1 u
  echo whydied-v2vm >"$t/etc/hostname"
  tr -d - </proc/sys/kernel/random/uuid >"$t/etc/machine-id"
  printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$t/etc/fstab"
  # Static address on slirp's network (no DHCP wait); sshd is reached through qemu's hostfwd.
  printf '[Match]\nName=en* eth*\n[Network]\nAddress=10.0.2.15/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    >"$t/etc/systemd/network/10-whydied.network"
  ln -sf /lib/systemd/system/systemd-networkd.service "$t/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  mkdir -p "$t/etc/systemd/logind.conf.d" "$t/etc/systemd/journald.conf.d"
  printf '[Login]\nKillUserProcesses=yes\n' >"$t/etc/systemd/logind.conf.d/50-whydied-test.conf"
  printf '[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\n' >"$t/etc/systemd/journald.conf.d/50-whydied-test.conf"
  for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    man-db.timer logrotate.timer systemd-networkd-wait-online.service; do
    ln -sf /dev/null "$t/etc/systemd/system/$u"
  done
  # A swap file made at boot (fallocate: no holes, which mkfs -d would make of a file of zeros).
  cat >"$t/etc/systemd/system/whydied-swap.service" <<'EOF'
[Unit]
Description=whydied test swap file
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'fallocate -l 768M /swapfile && chmod 600 /swapfile && mkswap -q /swapfile && swapon /swapfile'
[Install]
WantedBy=multi-user.target
EOF
  ln -sf /etc/systemd/system/whydied-swap.service "$t/etc/systemd/system/multi-user.target.wants/whydied-swap.service"
  for u in alice bob; do grep -q "^$u:" "$t/etc/passwd" || chroot "$t" useradd --create-home --shell /bin/bash "$u"; done
  install -m 755 "$NODE_BIN" "$t/usr/local/bin/node"
  for u in root alice bob; do
    local home=/root
    [ "$u" = root ] || home=/home/$u
    mkdir -p "$t$home/.ssh"
    cp "$CACHE/id_ed25519.pub" "$t$home/.ssh/authorized_keys"
    chmod 700 "$t$home/.ssh"
    chmod 600 "$t$home/.ssh/authorized_keys"
    chroot "$t" chown -R "$u:$u" "$home/.ssh"
  done
  rm -f "$t"/var/lib/systemd/linger/*
}

build() {
  local why
  why=$(check) || die "cannot build: $why"
  mkdir -p "$STATE" "$CACHE"
  # One build at a time (a second caller waits, then finds the image fresh).
  exec 9>"$CACHE/.build.lock"
  flock 9
  if image_fresh; then
    log "image up to date ($CACHE)"
    return 0
  fi
  local t0=$SECONDS tree="$CACHE/tree"
  [ -f "$CACHE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C whydied-v2vm -f "$CACHE/id_ed25519"
  unmount_tree "$tree"
  rm -rf "$tree" "$CACHE/root.img" "$CACHE/stamp"
  mkdir -p "$tree"
  save_sysctls
  trap 'unmount_tree "'"$tree"'"; restore_sysctls' EXIT
  log "building the image in $CACHE (kernel, initramfs, oomd: a few minutes)"
  build_tree "$tree"
  restore_sysctls
  configure_tree "$tree"
  cp "$(ls "$tree"/boot/vmlinuz-* | sort -V | tail -1)" "$CACHE/vmlinuz"
  cp "$(ls "$tree"/boot/initrd.img-* | sort -V | tail -1)" "$CACHE/initrd.img"
  mkfs.ext4 -q -F -d "$tree" -L root "$CACHE/root.img.partial" 4G
  mv "$CACHE/root.img.partial" "$CACHE/root.img"
  rm -rf "$tree"
  trap - EXIT
  inputs_hash >"$CACHE/stamp"
  log "image built in $((SECONDS - t0)) s"
}

# ---- lifecycle ----------------------------------------------------------------------------------------------
qemu_pid() {
  local pid
  pid=$(cat "$STATE/qemu.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ] || return 1
  echo "$pid"
}

port() { cat "$STATE/port"; }

vssh() {
  ssh "${SSH_OPTS[@]}" -i "$CACHE/id_ed25519" -p "$(port)" \
    -o ControlMaster=auto -o "ControlPath=$STATE/cm-%r" -o ControlPersist=900 root@127.0.0.1 "$@"
}

inside() { vssh "$1"; }

push() {
  # What the bin needs at run time: the loader, the bundle and its code cache, the native helper.
  (cd "$CHECKOUT" && tar -c package.json dist/whydied.js dist/whydied.bundle.js dist/whydied.bundle.cache \
    $(ls build/Release/*.node 2>/dev/null)) |
    vssh 'rm -rf /opt/whydied && mkdir -p /opt/whydied && tar -x -C /opt/whydied --no-same-owner && chmod -R go-w /opt/whydied'
}

up() {
  if qemu_pid >/dev/null && [ -f "$STATE/ready" ]; then
    push # this checkout's build may be newer than the one copied at boot
    echo "running $(port)"
    return 0
  fi
  down >/dev/null 2>&1 || true
  build
  local t0=$SECONDS
  trap '[ -f "$STATE/ready" ] || { log "boot failed; tearing down"; tail -20 "$STATE/console.log" >&2 || true; down >&2 || true; }' EXIT
  local p="" try
  for try in 1 2 3 4 5; do
    p=$((20000 + RANDOM % 20000))
    rm -f "$STATE/qemu.pid"
    if qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 -display none \
      -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.img" \
      -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 psi=1 quiet" \
      -drive "file=$CACHE/root.img,format=raw,if=virtio" -snapshot \
      -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$p-:22" -device virtio-net-pci,netdev=n0 \
      -daemonize -pidfile "$STATE/qemu.pid" -serial "file:$STATE/console.log" 2>"$STATE/qemu.err"; then
      break
    fi
    grep -qi 'could not set up host forwarding' "$STATE/qemu.err" || { cat "$STATE/qemu.err" >&2; die "qemu failed"; }
    p=""
  done
  [ -n "$p" ] || die "no free port for ssh"
  echo "$p" >"$STATE/port"
  local i
  for i in $(seq 1 90); do
    qemu_pid >/dev/null || die "qemu exited"
    timeout 15 ssh "${SSH_OPTS[@]}" -o ConnectTimeout=5 -i "$CACHE/id_ed25519" -p "$p" root@127.0.0.1 true 2>/dev/null && break
    sleep 2
  done
  inside true || die "no ssh into the VM after $((SECONDS - t0)) s"
  local state
  state=$(inside 'timeout 120 systemctl is-system-running --wait 2>/dev/null' || true)
  case "$state" in running | degraded) ;; *) die "VM did not finish booting (state: ${state:-none})" ;; esac
  push
  touch "$STATE/ready"
  trap - EXIT
  log "booted in $((SECONDS - t0)) s (state: $state)"
  echo "running $p"
}

down() {
  local pid
  if pid=$(qemu_pid); then
    inside 'systemctl poweroff --no-block' >/dev/null 2>&1 || true
    for _ in $(seq 1 300); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    if [ -d "/proc/$pid" ]; then
      log "VM did not power off in 60 s; killing qemu $pid"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # The multiplexing master ends with the connection; close it explicitly in case the VM is gone without it.
  if [ -f "$STATE/port" ]; then
    ssh "${SSH_OPTS[@]}" -o "ControlPath=$STATE/cm-root" -O exit root@127.0.0.1 >/dev/null 2>&1 || true
  fi
  rm -f "$STATE/qemu.pid" "$STATE/ready" "$STATE/port" "$STATE"/cm-*
  echo stopped
}

cmd=${1:-}
shift || true
mkdir -p "$STATE"
case "$cmd" in
  build) build ;;
  up) up ;;
  down) down ;;
  status) if qemu_pid >/dev/null && [ -f "$STATE/ready" ]; then echo "running $(port)"; else echo stopped; fi ;;
  exec) inside "$*" ;;
  push) push ;;
  ssh-config) echo "$CACHE/id_ed25519 $(port)" ;;
  check) check ;;
  *) echo "usage: $0 build|up|down|status|exec CMD|push|ssh-config|check" >&2; exit 2 ;;
esac
