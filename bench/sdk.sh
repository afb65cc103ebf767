#!/usr/bin/env bash
# SDK-mode benchmark: bench/sdk.sh [N] [latency_ms] [turns]   (defaults 1000 1000 2)
# Starts a fake Anthropic API in the bench JVM and the service jar as a separate process, both on 127.0.0.1;
# see docs/benchmarks.md ("SDK mode") for what it prints.
BENCH_NEEDS_JAR=1 exec "$(dirname "$0")/run.sh" SdkBench target/sandbox-executor.jar "${1:-1000}" "${2:-1000}" "${3:-2}"
