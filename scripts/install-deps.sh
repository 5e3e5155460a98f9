#!/bin/bash
# Installs the Debian 12 packages the build and the tests need; a no-op when
# they are all there.  Root, or sudo.
set -euo pipefail

packages=(build-essential pkg-config check libsubunit-dev busybox-static cpio xz-utils kmod
	libdrm-dev libpci-dev libnl-3-dev libnl-genl-3-dev iproute2 sparse)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
