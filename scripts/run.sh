#!/usr/bin/env bash
# Start an orchestrated run from a shell script.
#
#   scripts/run.sh <graph> [run options]     e.g. scripts/run.sh tasks/demo.yaml --detach
#
# Prints the run's progress on stderr and exits with the run's exit code
# (0 ok, 1 a task failed, 2 bad input, 3 internal error, 130/143 stopped).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/dist/orchestrator/src/cli/main.js" ]; then
  (cd "$here" && npm run --silent build)
fi
exec node "$here/bin/codex-orchestrator.js" run "$@"
