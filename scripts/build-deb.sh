#!/usr/bin/env bash
# Builds the Debian package with dpkg-deb alone (no debhelper): dist/whydied_VERSION_ARCH.deb holding
#   /usr/bin/whydied                                   the single executable (scripts/build-sea.js)
#   /usr/lib/whydied/whydied_native.node               the native helper, when npm install built it (optional)
#   /usr/share/man/man1/whydied.1.gz                   the man page (scripts/postbuild.js, from the commands)
#   /usr/share/bash-completion/completions/whydied     where bash-completion loads it on demand
#   /usr/share/zsh/vendor-completions/_whydied         Debian's zsh $fpath for packages
#   /usr/share/fish/vendor_completions.d/whydied.fish  fish's directory for packages
#   /lib/systemd/system/whydied-record.service         the hardened recorder unit: the text of
#                                                      `/usr/bin/whydied record --print-unit` (src/record/unit.ts)
#   /var/lib/whydied                                   the default state dir (root, 0700)
# The recorder is not enabled on install (it traces every process: the admin opts in with
# `systemctl enable --now whydied-record`); removing the package stops and disables it.
#
#   npm run build && bash scripts/build-deb.sh       (or: npm run build:deb; builds dist/sea first if missing)
# SOURCE_DATE_EPOCH (default: the last commit's time) makes the man page and file times reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(node -p "require('./package.json').version")
ARCH=$(dpkg --print-architecture)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

[ -x dist/sea/whydied ] || node scripts/build-sea.js
EXE=$ROOT/dist/sea/whydied
STAGE=$ROOT/dist/deb/whydied_${VERSION}_${ARCH}
OUT=$ROOT/dist/whydied_${VERSION}_${ARCH}.deb
rm -rf "$STAGE" "$OUT"
install -d -m 0755 "$STAGE/DEBIAN" "$STAGE/usr/bin" "$STAGE/usr/share/man/man1" \
  "$STAGE/usr/share/bash-completion/completions" "$STAGE/usr/share/zsh/vendor-completions" \
  "$STAGE/usr/share/fish/vendor_completions.d" "$STAGE/lib/systemd/system" "$STAGE/usr/share/doc/whydied"
install -d -m 0700 "$STAGE/var/lib/whydied"

install -m 0755 "$EXE" "$STAGE/usr/bin/whydied"
if [ -f dist/sea/whydied_native.node ]; then
  install -d -m 0755 "$STAGE/usr/lib/whydied"
  install -m 0644 dist/sea/whydied_native.node "$STAGE/usr/lib/whydied/whydied_native.node"
fi
# The man page made now (SOURCE_DATE_EPOCH dates it), from the same command definitions as --help.
node -e "
  const { manPage } = require('./dist/src/cli/docs.js');
  const { COMMANDS } = require('./dist/src/cli/commands/index.js');
  const when = new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString().slice(0, 10);
  process.stdout.write(manPage(COMMANDS, '$VERSION', when));
" | gzip -9n >"$STAGE/usr/share/man/man1/whydied.1.gz"
chmod 0644 "$STAGE/usr/share/man/man1/whydied.1.gz"
# Completions and the unit from the executable itself: what it prints is what is installed.
"$EXE" completion bash >"$STAGE/usr/share/bash-completion/completions/whydied"
"$EXE" completion zsh >"$STAGE/usr/share/zsh/vendor-completions/_whydied"
"$EXE" completion fish >"$STAGE/usr/share/fish/vendor_completions.d/whydied.fish"
node scripts/record-unit.js "$STAGE/lib/systemd/system/whydied-record.service"
cmp -s "$STAGE/lib/systemd/system/whydied-record.service" deploy/whydied-record.service ||
  { echo "build-deb: deploy/whydied-record.service is stale: node scripts/record-unit.js" >&2; exit 1; }
chmod 0644 "$STAGE"/usr/share/*/*/whydied* "$STAGE"/usr/share/zsh/vendor-completions/_whydied "$STAGE"/lib/systemd/system/*
{
  echo 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
  echo 'Upstream-Name: whydied'
  echo
  echo 'Files: *'
  echo 'License: MIT'
  sed 's/^$/./; s/^/ /' LICENSE
} >"$STAGE/usr/share/doc/whydied/copyright"
chmod 0644 "$STAGE/usr/share/doc/whydied/copyright"

# What the executable links (node's own libraries: ldd of the copy).
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: whydied
Version: $VERSION
Architecture: $ARCH
Maintainer: whydied maintainers <whydied@users.noreply.github.com>
Installed-Size: $(du -sk "$STAGE" | cut -f1)
Depends: libc6 (>= 2.28), libstdc++6 (>= 10), libgcc-s1
Recommends: man-db
Suggests: prometheus-node-exporter
Section: admin
Priority: optional
Homepage: https://github.com/whydied/whydied
Description: why did my background process die, or why is it about to?
 whydied diagnoses a Linux process started in the background: is it alive,
 what would kill it next (terminal hangup, its parent exiting, a kill of its
 process group, the login session ending, CI cleanup, memory pressure) and the
 command that makes it survive; or, when it is gone, what killed it, from the
 kernel log, the journal and its own records.
 .
 One executable with no Node.js needed. The flight recorder unit
 (whydied-record.service) is installed but not enabled.
CONTROL
# Maintainer scripts: the unit is opt-in; removal stops it so nothing of whydied keeps running.
cat >"$STAGE/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  # An upgrade restarts a recorder that was running, on the new executable.
  if systemctl is-active --quiet whydied-record.service; then systemctl restart whydied-record.service || true; fi
fi
exit 0
SCRIPT
cat >"$STAGE/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now whydied-record.service >/dev/null 2>&1 || true
fi
exit 0
SCRIPT
cat >"$STAGE/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
# purge: the records too (remove keeps them, as Debian policy asks).
if [ "$1" = purge ]; then rm -rf /var/lib/whydied; fi
exit 0
SCRIPT
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm" "$STAGE/DEBIAN/postrm"
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# gzip: the 95 MiB executable compresses in seconds (xz takes a minute for ~10% less).
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$OUT" >/dev/null
rm -rf "$ROOT/dist/deb"
echo "$OUT ($(du -h "$OUT" | cut -f1))"
