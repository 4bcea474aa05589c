#!/bin/sh
# The browser tests drive Debian's Chromium; install it when this machine does not have it.
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "Installing Chromium for the browser tests (Debian package chromium)..." >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || {
  $SUDO apt-get update >/dev/null
  $SUDO apt-get install -y --no-install-recommends chromium >/dev/null
}
command -v chromium >/dev/null
