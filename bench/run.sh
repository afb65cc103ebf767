#!/usr/bin/env bash
# Runs one benchmark main class from src/test/java/sandboxexecutor/bench with the test classpath, building what
# is stale first (and the jar when BENCH_NEEDS_JAR=1). Usage: bench/run.sh ClassName [args...]
# The bench/*.sh scripts call this; extra JVM flags go in BENCH_JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/jdk.sh
main=$1
shift
newer_sources() { [ -n "$(find "$@" -newer "$stamp" -type f 2>/dev/null | head -1)" ]; }
stamp=target/sandbox-executor.jar
if [ "${BENCH_NEEDS_JAR:-0}" = 1 ] && { [ ! -f "$stamp" ] || newer_sources src/main pom.xml; }; then
  echo "building $stamp" >&2
  mvn -o -q -B -DskipTests package
fi
stamp=target/test-classes/sandboxexecutor/bench/$main.class
if [ ! -f "$stamp" ] || newer_sources src/test src/main pom.xml; then
  echo "compiling test classes" >&2
  mvn -o -q -B test-compile
fi
cp_file=target/bench-classpath.txt
if [ ! -f "$cp_file" ] || [ pom.xml -nt "$cp_file" ]; then
  mvn -o -q -B dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
fi
exec timeout --kill-after=10 900 java ${BENCH_JAVA_OPTS:-} -Xmx2g -XX:+UseG1GC \
  -cp "target/test-classes:target/classes:$(cat "$cp_file")" "sandboxexecutor.bench.$main" "$@"
