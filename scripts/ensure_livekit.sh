#!/bin/sh
# The call tests run the real LiveKit server, the one schools run. Build the pinned release from its
# Go module when this machine does not have it yet (about three minutes the first time, with the
# Go module proxy; cached afterwards), and print the binary's path on the last line.
#
# LiveKit's own releases after v1.13.5 replace pion modules with LiveKit forks that `go install`
# refuses (and the proxy does not serve), so v1.13.5 is the newest release that builds here.
set -e
VERSION=v1.13.5
CACHE="${PARTA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parta}"
BIN="$CACHE/livekit-server-$VERSION"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "The call tests need Go to build the LiveKit server $VERSION (go install); go is not on PATH." >&2
  exit 1
fi
echo "Building the LiveKit server $VERSION from its Go module (first run only, a few minutes)..." >&2
mkdir -p "$CACHE"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
GOBIN="$WORK" GOFLAGS=-trimpath go install "github.com/livekit/livekit-server/cmd/server@$VERSION" >&2
mv "$WORK/server" "$BIN"
"$BIN" --version >&2
echo "$BIN"
