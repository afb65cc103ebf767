#!/usr/bin/env bash
# Streaming latency benchmark (prints numbers; not a test). Usage: bench/stream.sh [iterations, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/jdk.sh
mkdir -p target
if [ ! -s target/bench.classpath ] || [ pom.xml -nt target/bench.classpath ]; then
  mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test \
    || mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
fi
if [ ! -f target/test-classes/sandboxexecutor/bench/StreamBench.class ] \
   || [ -n "$(find src -newer target/test-classes/sandboxexecutor/bench/StreamBench.class -name '*.java' | head -1)" ]; then
  mvn -o -q -B test-compile
fi
exec java -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" sandboxexecutor.bench.StreamBench "$@"
