#!/usr/bin/env bash
# The browser the console's browser tests drive (tests/browser/): Debian's
# Chromium and its chromedriver (and a font with Vietnamese letters for the
# screenshots). Installs them from Debian's packages when either binary is
# missing; does nothing when both are there. `make unit` (and so
# `make test`) runs this first. Selenium is told to use /usr/bin/chromedriver,
# so it never downloads a driver or a browser of its own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

if [ -x "$CHROMIUM" ] && [ -x "$DRIVER" ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "error: the browser tests need Debian's chromium and chromium-driver packages;" \
        "install them with 'sudo apt-get install chromium chromium-driver'" \
        "(or run this as root), then run the command again." >&2
    exit 1
fi

echo "==> installing Chromium and chromedriver from Debian's packages (for tests/browser)" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core >&2  # a font with Vietnamese letters
for bin in "$CHROMIUM" "$DRIVER"; do
    [ -x "$bin" ] || { echo "error: $bin is still missing after apt-get" >&2; exit 1; }
done
"$DRIVER" --version >&2
