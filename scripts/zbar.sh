#!/usr/bin/env bash
# zbarimg (Debian's zbar-tools): the tests decode the VietQR images the bot
# makes back to their payload with it. Installs it from Debian's packages when
# missing; does nothing when it is there. `make unit` (and so `make test`)
# runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v zbarimg >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: the VietQR tests need zbarimg; install it with" \
        "'sudo apt-get install zbar-tools', then run the command again." >&2
    exit 1
fi
echo "==> installing zbar-tools from Debian's packages (decodes QR images in tests)" >&2
mkdir -p var/log
apt-get update -qq >var/log/apt-zbar.log 2>&1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zbar-tools >>var/log/apt-zbar.log 2>&1
command -v zbarimg >/dev/null 2>&1 || { echo "error: zbarimg is still missing after apt-get" >&2; exit 1; }
