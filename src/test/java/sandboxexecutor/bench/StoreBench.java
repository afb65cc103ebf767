package sandboxexecutor.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import sandboxexecutor.store.Completion;
import sandboxexecutor.store.DatabaseUrl;
import sandboxexecutor.store.ExecutionMode;
import sandboxexecutor.store.ExecutionRecord;
import sandboxexecutor.store.ExecutionStatus;
import sandboxexecutor.store.ExecutionStores;
import sandboxexecutor.store.StoreOptions;
import sandboxexecutor.store.TestPostgres;

/**
 * Executions written per second (create + markRunning + finish, each its own statement and commit) with 1, 8
 * and 64 concurrent virtual-thread writers, on SQLite (WAL, synchronous=NORMAL) and PostgreSQL (default
 * durability: fsync on, synchronous_commit on). Prints a table and writes it to docs/benchmarks.md under
 * "Execution store". Usage: bench/store.sh [seconds per run, default 5].
 */
public final class StoreBench {
  private static final String BEGIN = "<!-- store-bench:begin -->";
  private static final String END = "<!-- store-bench:end -->";

  record Result(String database, int writers, long records, double seconds) {
    double perSecond() { return records / seconds; }
  }

  public static void main(String[] args) throws Exception {
    Duration run = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
    Path tmp = Files.createTempDirectory("store-bench-");
    var results = new ArrayList<Result>();
    int[] writers = {1, 8, 64};
    // warm-up (JIT, driver classes), not reported
    measure("warm-up", 8, Duration.ofSeconds(3), () -> DatabaseUrl.sqlite(tmp.resolve("warm-up.db")), StoreOptions.defaults());
    for (int w : writers) {
      Path file = tmp.resolve("sqlite-" + w + ".db");
      results.add(measure("SQLite (4 pooled connections, writer lock)", w, run, () -> DatabaseUrl.sqlite(file),
          StoreOptions.defaults()));
    }
    for (int w : writers) {
      Path file = tmp.resolve("sqlite1-" + w + ".db");
      results.add(measure("SQLite (1 connection)", w, run, () -> DatabaseUrl.sqlite(file),
          new StoreOptions(Duration.ofSeconds(10), 10, 1)));
    }
    try {
      TestPostgres.assumeAvailable();
      for (int w : writers) {
        results.add(measure("PostgreSQL (pool of 10)", w, run, TestPostgres::freshSchema, StoreOptions.defaults()));
      }
    } catch (RuntimeException | AssertionError e) {
      System.err.println("PostgreSQL skipped: " + e.getMessage());
    }
    String table = table(results, run);
    System.out.println(table);
    write(Path.of("docs/benchmarks.md"), table);
  }

  static Result measure(String name, int writers, Duration run, Supplier<DatabaseUrl> url, StoreOptions options)
      throws InterruptedException {
    try (var store = ExecutionStores.open(url.get(), options)) {
      var count = new AtomicLong();
      var start = new CountDownLatch(1);
      long[] window = new long[2];
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < writers; i++) {
          pool.submit(() -> {
            start.await();
            long deadline = window[1];
            while (System.nanoTime() < deadline) {
              Instant now = Instant.now();
              var r = ExecutionRecord.queued(UUID.randomUUID().toString(), ExecutionMode.SDK, "bench", "p", null,
                  "{\"prompt\":\"benchmark\"}", "sonnet", "claude-sonnet-5-5", null, null, now);
              store.create(r);
              store.markRunning(r.id(), now);
              store.finish(r.id(), new Completion(ExecutionStatus.SUCCEEDED, Instant.now(), null, 1, "{\"output_tokens\":5}",
                  0.001, null, null, "ok", "success", null, Map.of("result", "executions/" + r.id() + "/result.json"), null));
              count.incrementAndGet();
            }
            return null;
          });
        }
        window[0] = System.nanoTime();
        window[1] = window[0] + run.toNanos();
        start.countDown();
      }
      double seconds = (System.nanoTime() - window[0]) / 1e9;
      var result = new Result(name, writers, count.get(), seconds);
      System.err.printf("%-45s %3d writers: %8.0f records/s%n", name, writers, result.perSecond());
      return result;
    }
  }

  static String table(List<Result> results, Duration run) throws IOException {
    var out = new StringBuilder();
    out.append(BEGIN).append('\n').append("## Execution store\n\n")
        .append("Executions written per second; one execution = `create` + `markRunning` + `finish` (three statements, ")
        .append("three commits). Each run lasts ").append(run.toSeconds()).append(" s on a fresh database. SQLite: WAL, ")
        .append("synchronous=NORMAL, file in a temp dir. PostgreSQL: local server on 127.0.0.1 with default durability ")
        .append("(fsync on), started by `TestPostgres`. Reproduce with `bench/store.sh`. ")
        .append("Numbers come from one run after a warm-up; on small VMs repeated runs vary by tens of percent.\n\n")
        .append("- Date: ").append(LocalDate.now()).append('\n')
        .append("- Machine: ").append(machine()).append('\n')
        .append("- Java: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
        .append("\n\n| Database | 1 writer | 8 writers | 64 writers |\n|---|---:|---:|---:|\n");
    results.stream().map(Result::database).distinct().forEach(db -> {
      out.append("| ").append(db);
      for (int w : new int[] {1, 8, 64}) {
        out.append(" | ").append(results.stream().filter(r -> r.database().equals(db) && r.writers() == w)
            .map(r -> String.format("%,.0f", r.perSecond())).findFirst().orElse("–"));
      }
      out.append(" |\n");
    });
    return out.append(END).append('\n').toString();
  }

  static String machine() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    long memGb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
        .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 / 1024).orElse(0L);
    return InetAddress.getLocalHost().getHostName() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs ("
        + cpu + "), " + memGb + " GB RAM, " + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }

  /** Replaces our section (between the markers) or appends it; other sections of the file are left alone. */
  static void write(Path file, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    String updated = b >= 0 && e > b
        ? text.substring(0, b) + section + text.substring(e + END.length() + (text.startsWith("\n", e + END.length()) ? 1 : 0))
        : text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, updated);
  }
}
