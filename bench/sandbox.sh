#!/usr/bin/env bash
# Sandbox latency benchmark (prints numbers; not a test). Usage: bench/sandbox.sh [iterations, default 200]
exec "$(dirname "$0")/run.sh" SandboxBench "$@"
