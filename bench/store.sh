#!/usr/bin/env bash
# Execution store throughput on SQLite and PostgreSQL (1, 8, 64 writers); updates docs/benchmarks.md.
# PostgreSQL: TEST_DATABASE_URL, else a throwaway server from /usr/lib/postgresql/*/bin (see TestPostgres).
# Usage: bench/store.sh [seconds per run, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/jdk.sh
mvn -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" sandboxexecutor.bench.StoreBench "$@"
