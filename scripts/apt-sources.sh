#!/bin/bash
# Adds Debian's source packages (deb-src) and bookworm-backports to apt, which
# building QEMU from Debian's source and the 6.12 kernel need.  The archive
# URIs are the machine's own (the entries that serve bookworm and
# bookworm-security), so a machine with its own mirror keeps it; without
# such entries, deb.debian.org.  Idempotent: rewrites the file only when
# its content would change.
set -euo pipefail

file=/etc/apt/sources.list.d/rowstat.sources
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# The first URI of a binary ("deb") entry serving SUITE, in either format.
apt_uri() {
	local suite=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$file" ] || continue
		case "$f" in
		*.sources)
			awk -v want="$suite" 'BEGIN { RS = ""; FS = "\n" }
			{
				deb = 0; hit = 0; uri = ""
				for (i = 1; i <= NF; i++) {
					line = $i
					if (line ~ /^Types:/) {
						sub(/^Types:/, "", line)
						n = split(line, t, " ")
						for (j = 1; j <= n; j++) if (t[j] == "deb") deb = 1
					} else if (line ~ /^URIs:/) {
						sub(/^URIs:[ \t]*/, "", line)
						split(line, u, " ")
						uri = u[1]
					} else if (line ~ /^Suites:/) {
						sub(/^Suites:/, "", line)
						n = split(line, s, " ")
						for (j = 1; j <= n; j++) if (s[j] == want) hit = 1
					} else if (line ~ /^Enabled:[ \t]*no/) {
						deb = 0
					}
				}
				if (deb && hit && uri != "") { print uri; exit }
			}' "$f" ;;
		*)
			awk -v want="$suite" '$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) while ($i !~ /\]$/) i++
				if ($i ~ /^\[/ || $i ~ /\]$/) i++
				if ($(i + 1) == want) { print $i; exit }
			}' "$f" ;;
		esac
	done | head -n 1
}

main=$(apt_uri bookworm)
security=$(apt_uri bookworm-security)
main=${main:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}

want=$(cat <<SOURCES
# Added by rowstat's scripts/apt-sources.sh, from this machine's archive URIs.
Types: deb-src
URIs: $main
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: $main
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
)

if [ -f "$file" ] && [ "$(cat "$file")" = "$want" ]; then
	exit 0
fi
echo "apt-sources: deb-src and bookworm-backports from $main" >&2
printf '%s\n' "$want" | $sudo tee "$file" >/dev/null
$sudo apt-get update -qq
