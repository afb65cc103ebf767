#!/usr/bin/env bash
# SDK-mode benchmark: bench/sdk.sh [N] [latency_ms] [turns]   (defaults 1000 1000 2)
# Starts a fake Anthropic API in the bench JVM and the service jar as a separate process, both on 127.0.0.1;
# see docs/benchmarks.md ("SDK mode") for what it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/jdk.sh
N=${1:-1000}
LATENCY_MS=${2:-1000}
TURNS=${3:-2}

newer_sources() { [ -n "$(find "$@" -newer "$STAMP" -type f 2>/dev/null | head -1)" ]; }

JAR=target/sandbox-executor.jar
STAMP=$JAR
if [ ! -f "$JAR" ] || newer_sources src/main pom.xml; then
  echo "building $JAR" >&2
  mvn -o -q -B -DskipTests package
fi
STAMP=target/test-classes/sandboxexecutor/bench/SdkBench.class
if [ ! -f "$STAMP" ] || newer_sources src/test src/main pom.xml; then
  echo "compiling test classes" >&2
  mvn -o -q -B test-compile
fi
CP_FILE=target/bench-classpath.txt
if [ ! -f "$CP_FILE" ] || [ pom.xml -nt "$CP_FILE" ]; then
  mvn -o -q -B dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
fi
CP="target/test-classes:target/classes:$(cat "$CP_FILE")"

exec timeout --kill-after=10 900 java ${BENCH_JAVA_OPTS:-} -Xmx2g -XX:+UseG1GC -cp "$CP" sandboxexecutor.bench.SdkBench "$JAR" "$N" "$LATENCY_MS" "$TURNS"
