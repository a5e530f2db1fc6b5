#!/usr/bin/env bash
# First command: install, migrate SQLite under var/, load the demo county (示例县教育局
# under its city and province), serve it on 127.0.0.1:8000 and print the demo logins of
# every level. Extra arguments go to `edubureau demo` (e.g. --no-serve, --port 8001,
# --scale city: one city of 8 counties and ~2,000 schools, about half a minute on SQLite;
# --scale province: 14 cities, 100 counties, 30,000 schools, needs PostgreSQL, i.e.
# DATABASE_URL=postgres://…).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh base
exec .venv/bin/edubureau demo "$@"
