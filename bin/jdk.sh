# Sourced by the other scripts: finds a JDK 21+ and exports JAVA_HOME, whatever the caller's JAVA_HOME says.
# Order: $SANDBOX_EXECUTOR_JAVA_HOME, then every JDK under /usr/lib/jvm (newest first), then `java` on PATH.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk() {
  local candidates=()
  [ -n "${SANDBOX_EXECUTOR_JAVA_HOME:-}" ] && candidates+=("$SANDBOX_EXECUTOR_JAVA_HOME")
  for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done
  if command -v java >/dev/null 2>&1; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/javac" ] || continue
    local v; v=$(java_major "$home")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ]; then echo "$home"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk); then
  echo "No JDK 21+ found. Install one (for example: apt-get install -y openjdk-21-jdk-headless, or a Temurin JDK)" >&2
  echo "and/or set SANDBOX_EXECUTOR_JAVA_HOME to its directory." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
