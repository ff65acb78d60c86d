#!/usr/bin/env bash
# Make sure Debian's Chromium is installed: the browser tests drive it with
# Playwright (tests/browser). Does nothing when /usr/bin/chromium exists.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "Chromium (/usr/bin/chromium) is missing and this is not root: run 'apt-get install -y chromium' as root." >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing Chromium for the browser tests (apt-get install chromium)..." >&2
if ! "${as_root[@]}" apt-get install -y chromium; then
    # The package lists may be missing or stale: refresh them and try again.
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y chromium
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "apt-get installed chromium, but /usr/bin/chromium is still missing." >&2
    exit 1
fi
