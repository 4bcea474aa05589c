#!/bin/sh
# The browser tests drive Debian's Chromium; install it when this machine does not have it.
# apt's own progress is shown, so a first run on a fresh machine does not look like a hang.
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "Installing Chromium for the browser tests (Debian package chromium); this takes a minute or two on a fresh machine..." >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium >&2; then
  echo "Updating the package lists first..." >&2
  $SUDO apt-get update >&2
  $SUDO apt-get install -y --no-install-recommends chromium >&2
fi
command -v chromium >/dev/null
echo "Chromium installed: $(command -v chromium)" >&2
