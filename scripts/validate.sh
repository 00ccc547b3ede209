#!/usr/bin/env bash
# rasa data validate --fail-on-warnings, with Rasa's long output kept in a log.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
LOG=var/log/validate.log
if .venv/bin/rasa data validate --fail-on-warnings --config config.yml --domain domain.yml \
    --data data/nlu data/rules.yml data/stories.yml >"$LOG" 2>&1; then
    echo "rasa data validate: ok ($(grep -c 'UserWarning' "$LOG" || true) warnings, see $LOG)"
else
    grep -E "UserWarning|ERROR|error" "$LOG" | tail -n 40 >&2 || tail -n 40 "$LOG" >&2
    echo "rasa data validate failed; full output in $LOG" >&2
    exit 1
fi
