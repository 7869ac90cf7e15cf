#!/bin/sh
# Prepare a Debian 12 (bookworm) machine to run Tripod's container tests:
# the test fleet (tests/fleet) and the molecule scenarios (roles/*/molecule).
#
# Usage (as root):   scripts/setup-host.sh
#
# Idempotent: installs only what is missing and runs `apt-get update` only when it has
# something to install. Run as a normal user it installs nothing: it reports what is
# missing and exits 1, or exits 0 when everything is already there.
#
# What and why:
#   podman runc      containers (no Docker engine needed); runc because crun fails on
#                    hosts with hybrid cgroups (see tests/fleet/containers.conf)
#   iptables         podman's network backend publishes container ports with it
#   debootstrap      builds the Debian 12/13 test images locally (no registry needed)
#   debian-archive-keyring  must know the trixie (13) keys to bootstrap Debian 13
#   openssh-client   the tests reach the containers over real SSH on 127.0.0.1
#   ca-certificates  for an https Debian mirror
#   chromium         headless check of the HTML report (no console error, no request)
#   poppler-utils    pdftotext reads the PDF report back in the tests
#   libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core   WeasyPrint renders the PDF report
#   openssl          test certificates (expired, expiring) for the facts and health tests
#   postgresql       the evidence store's PostgreSQL tests start their own unprivileged
#                    cluster with its initdb/pg_ctl (tests/postgres.py); the packaged
#                    cluster is not used
# And the kernel's inotify limits (/etc/sysctl.d/60-tripod-fleet.conf, raised only): every
# container's systemd takes several inotify instances, and with the default 128 per user the
# 26th or so of a fleet never finishes booting ("Failed to create inotify object: Too many
# open files"); the fleet benchmarks start 50.
set -eu

PACKAGES="podman runc iptables debootstrap openssh-client ca-certificates debian-archive-keyring chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core openssl postgresql"
# debian-archive-keyring releases older than 2023.3+deb12u1 lack the Debian 13 keys.
TRIXIE_KEY=/usr/share/keyrings/debian-archive-trixie-automatic.gpg

say() { printf 'setup-host: %s\n' "$*"; }

SYSCTL_FILE=/etc/sysctl.d/60-tripod-fleet.conf
INOTIFY_LIMITS="fs.inotify.max_user_instances=1024 fs.inotify.max_user_watches=524288"

# Raise each inotify limit that is below Tripod's (never lower one), now and at boot.
raise_inotify_limits() {
    low=""
    for setting in $INOTIFY_LIMITS; do
        key=${setting%%=*}
        wanted=${setting#*=}
        if [ "$(sysctl -n "$key")" -lt "$wanted" ]; then
            low="$low $setting"
        fi
    done
    [ -n "$low" ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "inotify limits too low for a container fleet:$low (run this script as root)" >&2
        return 1
    fi
    for setting in $low; do
        sysctl -q -w "$setting"
        grep -qs "^${setting%%=*} *=" "$SYSCTL_FILE" || printf '%s = %s\n' "${setting%%=*}" "${setting#*=}" >> "$SYSCTL_FILE"
    done
    say "raised inotify limits:$low ($SYSCTL_FILE)"
}

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
    say "this script supports Debian (12 or later) only; install the packages by hand: $PACKAGES" >&2
    exit 1
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing="$missing $pkg"
    fi
done
upgrade_keyring=""
if [ ! -e "$TRIXIE_KEY" ] && ! printf '%s' "$missing" | grep -q debian-archive-keyring; then
    upgrade_keyring="debian-archive-keyring"
fi

limits_ok=0
raise_inotify_limits || limits_ok=1

if [ -z "$missing" ] && [ -z "$upgrade_keyring" ]; then
    say "all needed packages are installed ($PACKAGES)"
    exit "$limits_ok"
fi

if [ "$(id -u)" -ne 0 ]; then
    say "missing:${missing} ${upgrade_keyring}" >&2
    say "run this script as root (e.g. sudo $0) to install them; the container tests also run as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing:${missing} ${upgrade_keyring}"
apt-get update
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y $missing $upgrade_keyring

if [ ! -e "$TRIXIE_KEY" ]; then
    say "warning: $TRIXIE_KEY is still missing; building the Debian 13 image will fail." >&2
    say "enable bookworm-updates in apt's sources and run this script again" >&2
fi
say "done: $(podman --version), $(runc --version | head -n 1)"
