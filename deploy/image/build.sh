#!/usr/bin/env bash
# Build the whydied OCI image with buildah, from scratch, without a registry: the node runtime this machine
# runs (the binary and exactly the shared libraries ldd names), the built bundle, its loader and V8 code
# cache, and the native helper. Nothing else: no shell, no package manager, no perl (the journal output is
# not available inside the image; the DaemonSet ships JSON lines through the container log instead).
#
#   deploy/image/build.sh [TAG]          (root; run `npm run build` first)
#   env WHYDIED_IMAGE_ARCHIVE=FILE ...   also write an OCI archive a node can load with `podman load`/`ctr import`
#
# Prints the image id on its last line. The working container is removed on every exit path.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:-localhost/whydied:$(node -p 'require("./package.json").version')}"
for f in dist/whydied.js dist/whydied.bundle.js package.json; do
  [ -f "$f" ] || { echo "build.sh: $f is missing: run npm run build first" >&2; exit 2; }
done
command -v buildah >/dev/null || { echo "build.sh: needs buildah (apt-get install buildah)" >&2; exit 2; }
node_bin="$(readlink -f "$(command -v node)")"

ctr=""
cleanup() {
  if [ -n "$ctr" ]; then
    buildah umount "$ctr" >/dev/null 2>&1 || true
    buildah rm "$ctr" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctr="$(buildah from --quiet scratch)"
root="$(buildah mount "$ctr")"

# The runtime: node and the libraries the dynamic loader will ask for (ldd's absolute paths), kept at the
# same paths so the binary's interpreter (/lib64/ld-linux-x86-64.so.2) resolves.
install -D -m 0755 "$node_bin" "$root/usr/bin/node"
ldd "$node_bin" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | sort -u | while read -r lib; do
  real="$(readlink -f "$lib")"
  install -D -m 0755 "$real" "$root$real"
  [ "$lib" = "$real" ] || { mkdir -p "$root$(dirname "$lib")"; ln -sf "$real" "$root$lib"; }
done

# The package as npm would install it, reduced to what the bundle runs.
app="$root/opt/whydied"
install -D -m 0644 package.json "$app/package.json"
install -D -m 0644 dist/whydied.js "$app/dist/whydied.js"
install -D -m 0644 dist/whydied.bundle.js "$app/dist/whydied.bundle.js"
[ -f dist/whydied.bundle.cache ] && install -D -m 0644 dist/whydied.bundle.cache "$app/dist/whydied.bundle.cache"
[ -f build/Release/whydied_native.node ] &&
  install -D -m 0644 build/Release/whydied_native.node "$app/build/Release/whydied_native.node"
install -D -m 0644 schema/death.schema.json "$app/schema/death.schema.json"
# The node-problem-detector check (deploy/npd): NPD runs it with this node (see its config).
install -D -m 0755 deploy/npd/whydied-npd-check.js "$app/npd/whydied-npd-check.js"
install -D -m 0644 deploy/npd/whydied-plugin-monitor.json "$app/npd/whydied-plugin-monitor.json"

# What a process expects of a root filesystem: root's identity, a writable /tmp, mount points.
mkdir -p "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/var/lib/whydied" "$root/textfile"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

buildah config \
  --entrypoint '["/usr/bin/node", "/opt/whydied/dist/whydied.js"]' \
  --cmd 'record --output store,jsonl' \
  --env WHYDIED_STATE_DIR=/var/lib/whydied \
  --workingdir / \
  --label org.opencontainers.image.title=whydied \
  --label "org.opencontainers.image.version=$(node -p 'require("./package.json").version')" \
  --label org.opencontainers.image.description="whydied flight recorder: every process death on the node" \
  "$ctr"
buildah umount "$ctr" >/dev/null
id="$(buildah commit --quiet --rm "$ctr" "$tag")"
ctr=""
if [ -n "${WHYDIED_IMAGE_ARCHIVE:-}" ]; then
  buildah push --quiet "$tag" "oci-archive:${WHYDIED_IMAGE_ARCHIVE}:${tag#localhost/}" >/dev/null
fi
echo "$id"
