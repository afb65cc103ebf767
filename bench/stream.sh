#!/usr/bin/env bash
# Streaming latency benchmark (prints numbers; not a test). Usage: bench/stream.sh [iterations, default 300]
exec "$(dirname "$0")/run.sh" StreamBench "$@"
