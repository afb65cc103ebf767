package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests: {@code TEST_DATABASE_URL} when set, else a throwaway server started once per JVM
 * from {@code /usr/lib/postgresql/<v>/bin} on a free 127.0.0.1 port (as the {@code postgres} user when running
 * as root, since PostgreSQL refuses to run as root) and stopped at JVM exit. Each test gets its own schema.
 * Without either, tests are skipped, or fail when {@code CI=true}.
 */
public final class TestPostgres {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private TestPostgres() {}

  /** Skips (or, on CI, fails) the calling test when no PostgreSQL is available. */
  public static void assumeAvailable() {
    if (System.getenv("TEST_DATABASE_URL") != null || binDir().isPresent()) return;
    String why = "no PostgreSQL: set TEST_DATABASE_URL or install the postgresql server package (initdb, pg_ctl)";
    if ("true".equals(System.getenv("CI"))) fail(why);
    assumeTrue(false, why);
  }

  /** A URL whose connections default to a new, empty schema. */
  public static DatabaseUrl freshSchema() {
    assumeAvailable();
    DatabaseUrl base = DatabaseUrl.parse(Server.BASE_URL);
    String schema = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    try (var c = DriverManager.getConnection(base.jdbcUrl(), base.user().orElse(null), base.password().orElse(null));
         var s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test schema on " + base, e);
    }
    String sep = base.jdbcUrl().contains("?") ? "&" : "?";
    return new DatabaseUrl(base.dialect(), base.jdbcUrl() + sep + "currentSchema=" + schema, base.user(), base.password());
  }

  /** The same, as a DATABASE_URL value for the service (credentials as JDBC URL parameters). */
  public static String freshDatabaseUrl() {
    DatabaseUrl url = freshSchema();
    String jdbc = url.jdbcUrl();
    if (url.user().isPresent()) jdbc += "&user=" + url.user().get();
    if (url.password().isPresent()) jdbc += "&password=" + url.password().get();
    return jdbc;
  }

  private static Optional<Path> binDir() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> versionOf(b.getParent())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString().split("\\.")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Started on first use (class initialisation is thread-safe and happens once). */
  private static final class Server {
    static final String BASE_URL = Optional.ofNullable(System.getenv("TEST_DATABASE_URL")).orElseGet(Server::start);

    private static String start() {
      Path bin = binDir().orElseThrow();
      try {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("store-test-pg-");
        Path data = dir.resolve("data");
        Path socket = Files.createDirectories(dir.resolve("sock"));
        if (root) {
          UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
          Files.setOwner(dir, postgres);
          Files.setOwner(socket, postgres);
        }
        int port = freePort();
        run(root, dir, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--no-instructions");
        run(root, dir, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
            "-w", "-t", "60", "-o", "-p " + port + " -k " + socket + " -c listen_addresses=127.0.0.1 -c max_connections=300",
            "start");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(root, dir, bin, data)));
        return "postgres://postgres@127.0.0.1:" + port + "/postgres";
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException("cannot start a test PostgreSQL from " + bin, e);
      }
    }

    private static void stop(boolean root, Path dir, Path bin, Path data) {
      try {
        run(root, dir, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
      } catch (IOException | InterruptedException e) {
        System.err.println("could not stop the test PostgreSQL: " + e.getMessage());
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        System.err.println("could not delete " + dir + ": " + e.getMessage());
      }
    }

    private static void run(boolean root, Path dir, String... argv) throws IOException, InterruptedException {
      var command = new ArrayList<String>();
      if (root) command.addAll(List.of("setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups"));
      command.addAll(List.of(argv));
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", argv) + " did not finish");
      }
      if (process.exitValue() != 0) {
        throw new IOException(String.join(" ", argv) + " failed (" + process.exitValue() + "): " + new String(output));
      }
    }

    private static int freePort() throws IOException {
      try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }
  }
}
