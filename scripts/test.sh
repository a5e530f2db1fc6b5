#!/usr/bin/env bash
# Second command: install, lint, and run the whole test suite (SQLite by default;
# DATABASE_URL=postgres://… runs it on PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev

# Browser tests need Debian's chromium; install it when we can, else they skip with a reason.
if ! [ -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== Installing chromium and CJK fonts for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
EDUBUREAU_TESTING=1 .venv/bin/mypy
echo "== import-linter (layers, [tool.importlinter] in pyproject.toml)"
.venv/bin/lint-imports --no-cache --no-logo
db=${DATABASE_URL:+PostgreSQL}
echo "== pytest (${db:-SQLite})"
exec .venv/bin/pytest "$@"
