# Multi-stage build of sandbox-executor. Not built in this project's CI (no Docker engine there); kept simple.
#   docker build -t sandbox-executor .
#   docker run --rm -p 8787:8787 -e HOST=0.0.0.0 -e ANTHROPIC_API_KEY=... -e API_KEYS=... \
#     --security-opt seccomp=unconfined --security-opt apparmor=unconfined --cap-add SYS_ADMIN \
#     -v sandbox-data:/data sandbox-executor
# bubblewrap needs to create user, mount and pid namespaces inside the container: Docker's default seccomp and
# AppArmor profiles forbid that, hence the flags above (or a seccomp profile that allows clone/unshare/mount and
# setns). Without them /health reports the sandbox as unavailable and sandbox mode answers 503; SDK mode works.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src src
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:21-jre
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap git util-linux ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data sandbox-executor \
    && mkdir -p /data && chown sandbox-executor /data
COPY --from=build /src/target/sandbox-executor.jar /opt/sandbox-executor/sandbox-executor.jar
# As a non-root user every sandbox runs under this same uid (no per-sandbox uids, no process-count limit);
# run as root inside the container to get per-sandbox uids (see docs/sandbox.md).
USER sandbox-executor
ENV DATA_DIR=/data PORT=8787
EXPOSE 8787
VOLUME /data
ENTRYPOINT ["java", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=50", "-jar", "/opt/sandbox-executor/sandbox-executor.jar"]
