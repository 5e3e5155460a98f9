#!/bin/bash
# Adds Debian's source packages (deb-src) and bookworm-backports to apt, which
# building QEMU from Debian's source and the 6.12 kernel need.  Idempotent.
set -euo pipefail

file=/etc/apt/sources.list.d/rowstat.sources
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

if [ -f "$file" ]; then
	exit 0
fi
$sudo tee "$file" >/dev/null <<'SOURCES'
# Added by rowstat's scripts/apt-sources.sh.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
$sudo apt-get update -qq
