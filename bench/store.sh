#!/usr/bin/env bash
# Execution store throughput on SQLite and PostgreSQL (1, 8, 64 writers); updates docs/benchmarks.md.
# PostgreSQL: TEST_DATABASE_URL, else a throwaway server from /usr/lib/postgresql/*/bin (see TestPostgres).
# Usage: bench/store.sh [seconds per run, default 5]
exec "$(dirname "$0")/run.sh" StoreBench "$@"
