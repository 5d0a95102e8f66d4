#!/usr/bin/env bash
# Check the project's checklists and spec reviews, e.g. in CI.
#
#   scripts/spec-guard.sh [--json]
#
# Prints one line per offence (file:line: why). Exit code: 0 when there is none, 1 when there
# are offences, 2 when tasks/index.json is malformed. Run it from inside the project's repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/dist/orchestrator/src/cli/main.js" ]; then
  (cd "$here" && npm run --silent build)
fi
exec node "$here/bin/codex-orchestrator.js" spec-guard "$@"
