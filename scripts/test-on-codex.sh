#!/usr/bin/env bash
# Runs the test suite on another Codex release, e.g. `bash scripts/test-on-codex.sh 0.153.4`
# (the last one with `codex mcp-server`, which the codex-mcp backend needs). The release is
# swapped into node_modules without touching package.json or the lockfile, and the pinned one is
# put back afterwards, whether the tests passed or not. The tests pick the backends the installed
# Codex has (`orchestrator/test/helpers/codex-here.ts`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version="${1:?usage: test-on-codex.sh VERSION}"
pinned="$(node -p "require('./package.json').dependencies['@openai/codex']")"
restore() {
  echo "putting the pinned Codex ${pinned} back" >&2
  npm install --no-save --ignore-scripts --no-audit --no-fund "@openai/codex@${pinned}" >/dev/null
}
trap restore EXIT
echo "installing Codex ${version} in place of ${pinned}" >&2
npm install --no-save --ignore-scripts --no-audit --no-fund "@openai/codex@${version}" >/dev/null
installed="$(node -p "require('@openai/codex/package.json').version")"
if [ "$installed" != "$version" ]; then
  echo "error: asked for Codex ${version}, but ${installed} is installed" >&2
  exit 1
fi
echo "running the test suite on Codex ${version}" >&2
npx vitest run
