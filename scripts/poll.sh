#!/usr/bin/env bash
# Poll a run from a shell script.
#
#   scripts/poll.sh <run-id|latest> [--watch] [--json]
#
# Exit code: 0 while the run is running or when it succeeded (or awaits approval),
# 1 when it failed, was stopped or died, 2 for a bad run id.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/dist/orchestrator/src/cli/main.js" ]; then
  (cd "$here" && npm run --silent build)
fi
exec node "$here/bin/codex-orchestrator.js" poll "${@:-latest}"
