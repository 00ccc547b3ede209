#!/usr/bin/env bash
# rasa test on the test stories with the model for the current data (trained if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log var/results
MODEL=$(.venv/bin/python -m bot train | tail -n 1)
LOG=var/log/test-stories.log
# endpoints.yml reads these; rasa test predicts actions without calling them.
export ACTION_ENDPOINT_URL=http://127.0.0.1:9/webhook TRACKER_DB=var/results/tracker.db
export ACTION_SECRET=unused-by-rasa-test
rm -rf var/results/*
if .venv/bin/rasa test core --model "$MODEL" --stories tests/test_stories.yml \
    --endpoints endpoints.yml --e2e --fail-on-prediction-errors --out var/results >"$LOG" 2>&1; then
    echo "rasa test: all test stories passed (report in var/results, log $LOG)"
else
    tail -n 40 "$LOG" >&2
    [ -f var/results/failed_test_stories.yml ] && cat var/results/failed_test_stories.yml >&2
    echo "rasa test: some test stories failed; full output in $LOG" >&2
    exit 1
fi
