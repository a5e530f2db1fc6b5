#!/usr/bin/env bash
# First command: install, migrate SQLite under var/, load the demo county, serve it on
# 127.0.0.1:8000 and print the demo logins. Extra arguments go to `edubureau demo`
# (e.g. --no-serve, --scale city, --port 8001).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh base
exec .venv/bin/edubureau demo "$@"
