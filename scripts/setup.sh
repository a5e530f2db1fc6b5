#!/usr/bin/env bash
# Create .venv and install the locked dependencies (idempotent, fast when nothing changed).
# Usage: scripts/setup.sh [base|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-dev}
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== Installing python3 and python3-venv from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    python=python3
  else
    echo "请先安装 Python 3.11 及 venv:sudo apt-get install python3 python3-venv" >&2
    exit 1
  fi
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "需要 Python 3.11 或更高版本" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
lock="requirements/$profile.lock"
stamp=".venv/.installed-$profile"
if ! [ -f "$stamp" ] || ! cmp -s <(cat requirements/*.lock pyproject.toml) "$stamp"; then
  echo "== Installing dependencies ($lock)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$lock"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  cat requirements/*.lock pyproject.toml > "$stamp"
fi
