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

# Official documents (edubureau/core/officialdoc): LibreOffice converts .docx to PDF, with
# the free faces its fonts.conf maps the official fonts to; poppler renders the PDFs the
# tests check. Installed when we can; without them the PDF tests fail (they never skip).
need=()
families=$(fc-list : family 2>/dev/null || true)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
grep -q "Noto Serif CJK SC" <<<"$families" || need+=(fonts-noto-cjk)
grep -q "AR PL KaitiM GB" <<<"$families" || need+=(fonts-arphic-gkai00mp)
grep -q "Liberation Serif" <<<"$families" || need+=(fonts-liberation2)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== Installing ${need[*]} for the official-document tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
EDUBUREAU_TESTING=1 .venv/bin/mypy
echo "== import-linter (layers, [tool.importlinter] in pyproject.toml)"
.venv/bin/lint-imports --no-cache --no-logo
db=${DATABASE_URL:+PostgreSQL}
# One pytest worker per core (pytest-xdist; each worker has its own test database),
# tests handed to whichever worker is free. EDUBUREAU_TEST_WORKERS=0 runs them in one
# process; `-n 0` among the arguments does too.
workers=${EDUBUREAU_TEST_WORKERS:-auto}
echo "== pytest (${db:-SQLite}, workers: $workers)"
exec .venv/bin/pytest -n "$workers" --dist worksteal "$@"
