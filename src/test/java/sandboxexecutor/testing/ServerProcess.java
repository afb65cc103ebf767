package sandboxexecutor.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service as a separate JVM (see {@link #command}) on a free port, run in its data directory. Its environment
 * is only PATH, PORT, DATA_DIR, a dummy ANTHROPIC_API_KEY, LOG_LEVEL=WARN and what the test passes; its output
 * goes to {@code server-<port>.log} in the data directory, shown if it fails to start.
 */
public final class ServerProcess implements AutoCloseable {
  public final int port;
  private final Process process;

  private ServerProcess(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  /** Starts the server and waits until {@code /health} answers 200. */
  public static ServerProcess start(Path dataDir, Map<String, String> env) throws Exception {
    int port = freePort();
    Path log = dataDir.resolve("server-" + port + ".log");
    Files.createDirectories(dataDir);
    var all = new HashMap<>(Map.of("PORT", Integer.toString(port), "DATA_DIR", dataDir.toString(),
        "ANTHROPIC_API_KEY", "sk-test", "LOG_LEVEL", "WARN"));
    all.putAll(env);
    var builder = command(dataDir, all).redirectErrorStream(true).redirectOutput(log.toFile());
    var server = new ServerProcess(port, builder.start());
    var health = server.client();
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until && server.process.isAlive()) {
      try {
        if (health.get("/health").status() == 200) return server;
      } catch (AssertionError notListeningYet) {
        Thread.sleep(100);
      }
    }
    server.kill();
    throw new AssertionError("server did not start; its log:\n" + Files.readString(log));
  }

  /**
   * {@code java -cp <test class path> sandboxexecutor.Main} in {@code dir} (so it reads no stray {@code .env}), with
   * PATH and {@code env} as its whole environment.
   */
  public static ProcessBuilder command(Path dir, Map<String, String> env) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "sandboxexecutor.Main"))
        .directory(dir.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv("PATH"));
    builder.environment().putAll(env);
    return builder;
  }

  public TestClient client() {
    return new TestClient("http://127.0.0.1:" + port);
  }

  /** A client that sends {@code Authorization: Bearer <key>}. */
  public TestClient bearer(String key) {
    return client().bearer(key);
  }

  /** SIGKILL: the process dies at once, no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, for an orderly shutdown; SIGKILL if that takes over 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
