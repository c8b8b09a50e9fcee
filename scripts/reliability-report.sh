#!/usr/bin/env bash
# Runs the fault suite (tests/faults) with RELIABILITY_REPORT set and prints
# the figures as the Markdown table of docs/reliability.md. Needs jq.
#   scripts/reliability-report.sh > /tmp/table.md
set -euo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
RELIABILITY_REPORT="$report" go test -count=1 -timeout 10m ./tests/faults/ >&2
echo '| test | fault injected | sent (2xx) | expected reactions | processed | duplicated | lost | dead-lettered | SMTP delivered (extra copies) | stock drift | s | notes |'
echo '|---|---|---|---|---|---|---|---|---|---|---|---|'
jq -r '"| `\(.test)` | \(.fault) | \(.sent) | \(.expected) | \(.processed) | \(.duplicated) | \(.lost) | \(.dead_lettered) | \(.delivered // 0) (\(.delivered_twice // 0)) | \(.stock_drift) | \(.seconds) | \(.note // "") |"' "$report"
