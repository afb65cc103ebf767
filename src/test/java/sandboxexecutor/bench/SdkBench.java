package sandboxexecutor.bench;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import sandboxexecutor.testing.FakeAnthropic;

/**
 * SDK-mode benchmark: N concurrent {@code POST /execute/sdk} against the real jar (a separate process) and a
 * {@link FakeAnthropic} with a fixed per-turn latency, compared with the same conversation driven through the
 * official SDK alone. Prints added overhead, throughput, peak heap and RSS, and the cache-read share.
 * Usage: {@code SdkBench <jar> [N] [latency_ms] [turns]}; run it with {@code bench/sdk.sh}.
 */
public final class SdkBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Object> TODOS =
      Map.of("todos", List.of(Map.of("content", "x", "status", "completed", "activeForm", "doing x")));
  private static final String MODEL = "claude-sonnet-5-5";
  private static final int SEQUENTIAL = 5;
  private static final int WARMUP_ROUNDS = 3;

  /** One execution as observed: wall time at the client and, for the service, what it reported. */
  record Sample(long wallMs, long serverMs, boolean ok, JsonNode usage, String error) {}

  private final int n;
  private final long latencyMs;
  private final int turns;
  private final FakeAnthropic fake;
  private volatile int targetTurns;
  private final AtomicInteger toolIds = new AtomicInteger();

  private SdkBench(int n, long latencyMs, int turns) throws IOException {
    this.n = n;
    this.latencyMs = latencyMs;
    this.turns = turns;
    this.targetTurns = turns;
    this.fake = new FakeAnthropic();
    // A turn ends the conversation once the request holds targetTurns-1 assistant messages; otherwise a tool call.
    fake.respondWith(request -> {
      int assistants = 0;
      for (JsonNode m : request.body().path("messages")) if ("assistant".equals(m.path("role").asText())) assistants++;
      FakeAnthropic.Turn turn = assistants + 1 >= targetTurns
          ? FakeAnthropic.endTurn("done")
          : FakeAnthropic.toolUse("toolu_bench_" + toolIds.incrementAndGet(), "TodoWrite", TODOS);
      return turn.withLatency(Duration.ofMillis(latencyMs));
    });
  }

  public static void main(String[] args) throws Exception {
    // FakeAnthropic switches Nagle off and keeps idle connections, as the real API does (see its static block).
    Path jar = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    long latency = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    int turns = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    var bench = new SdkBench(n, latency, turns);
    try {
      bench.run(jar);
    } finally {
      bench.fake.close();
    }
    System.exit(0);
  }

  private void run(Path jar) throws Exception {
    System.out.printf("SDK-mode bench: N=%d turns=%d latency=%d ms, fake at %s%n", n, turns, latencyMs, fake.url());
    var sdk = AnthropicOkHttpClient.builder().apiKey("sk-bench").baseUrl(fake.url()).maxRetries(0)
        .timeout(Duration.ofMinutes(10)).build();
    try (var server = ServerProcess.start(jar, fake.url())) {
      var http = newClient();
      int warm = Math.min(100, n);
      System.out.printf("warm-up: %d x %d concurrent executions through the SDK and through the service%n", WARMUP_ROUNDS, warm);
      for (int round = 0; round < WARMUP_ROUNDS; round++) {
        concurrently(warm, i -> baseline(sdk, i));
        concurrently(warm, i -> execute(http, server, "warmup " + i, turns));
      }

      var baseSeq = sequentially(SEQUENTIAL, i -> baseline(sdk, i));
      var baseConc = timed(() -> concurrently(n, i -> baseline(sdk, i)));
      var svcSeq = sequentially(SEQUENTIAL, i -> execute(http, server, "seq " + i, turns));

      server.monitor.reset();
      var fresh = newClient(); // new connections: none left idle (and maybe closed by the server) by earlier phases
      long overflowsBefore = listenOverflows();
      long cpuBefore = server.cpuMs();
      long benchCpuBefore = benchCpuMs();
      var svc = timed(() -> concurrently(n, i -> execute(fresh, server, "bench " + i, turns)));
      long cpuMs = server.cpuMs() - cpuBefore;
      long benchCpu = benchCpuMs() - benchCpuBefore;
      long overflows = listenOverflows() - overflowsBefore;
      var peaks = server.monitor.snapshot();

      targetTurns = 5;
      var five = execute(fresh, server, "bench five turns", 5);
      targetTurns = turns;

      report(baseSeq, baseConc, svcSeq, svc, cpuMs, benchCpu, overflows, peaks, five);
    } finally {
      sdk.close();
    }
  }

  // ---- the two ways to run one execution ----

  private Sample baseline(AnthropicClient sdk, int i) {
    long t0 = System.nanoTime();
    var tool = Tool.builder().name("TodoWrite").description("Update the todo list")
        .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("todos", Map.of("type", "array")))).build())
        .build();
    var conversation = new ArrayList<MessageParam>();
    conversation.add(MessageParam.ofUser("bench " + i));
    try {
      for (int turn = 0; turn < turns + 1; turn++) {
        var params = MessageCreateParams.builder().model(MODEL).maxTokens(8192).system("You are a bench agent.")
            .addTool(tool).messages(conversation).build();
        var accumulator = MessageAccumulator.create();
        try (var stream = sdk.messages().createStreaming(params)) {
          stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        conversation.add(message.toParam());
        var uses = message.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).toList();
        if (uses.isEmpty()) return new Sample(ms(t0), -1, true, null, null);
        var results = new ArrayList<ContentBlockParam>();
        for (ToolUseBlock use : uses) {
          results.add(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(use.id()).content("ok").build()));
        }
        conversation.add(MessageParam.ofUserOfContentBlockParams(results));
      }
      return new Sample(ms(t0), -1, false, null, "no end_turn");
    } catch (Exception e) {
      return new Sample(ms(t0), -1, false, null, causes(e));
    }
  }

  private static String causes(Throwable e) {
    var sb = new StringBuilder(e.toString());
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) sb.append(" <- ").append(c);
    return sb.toString();
  }

  private Sample execute(HttpClient http, ServerProcess server, String prompt, int turns) {
    String body = "{\"prompt\":\"" + prompt + "\",\"options\":{\"max_turns\":" + (turns + 1) + "}}";
    var request = HttpRequest.newBuilder(URI.create(server.url + "/execute/sdk")).timeout(Duration.ofMinutes(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long t0 = System.nanoTime();
    try {
      var response = http.send(request, HttpResponse.BodyHandlers.ofString());
      long wall = ms(t0);
      JsonNode json = JSON.readTree(response.body());
      JsonNode meta = json.path("metadata");
      boolean ok = response.statusCode() == 200 && json.path("success").asBoolean(false)
          && meta.path("num_turns").asInt() == turns;
      return new Sample(wall, meta.path("execution_time_ms").asLong(-1), ok, meta.path("usage"),
          ok ? null : response.statusCode() + " " + abbreviate(response.body()));
    } catch (Exception e) {
      return new Sample(ms(t0), -1, false, null, e.toString());
    }
  }

  // ---- drivers ----

  interface Job {
    Sample run(int i);
  }

  record Timed(List<Sample> samples, long wallMs) {}

  interface Phase {
    List<Sample> run() throws InterruptedException;
  }

  private static Timed timed(Phase phase) throws InterruptedException {
    long t0 = System.nanoTime();
    var samples = phase.run();
    return new Timed(samples, ms(t0));
  }

  private static List<Sample> sequentially(int count, Job job) {
    var out = new ArrayList<Sample>();
    for (int i = 0; i < count; i++) out.add(job.run(i));
    return out;
  }

  /** Starts {@code count} virtual threads that all begin at once and waits for every one. */
  private static List<Sample> concurrently(int count, Job job) throws InterruptedException {
    var out = new Sample[count];
    var gate = new CountDownLatch(1);
    var threads = new ArrayList<Thread>();
    for (int i = 0; i < count; i++) {
      int k = i;
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          gate.await();
          out[k] = job.run(k);
        } catch (InterruptedException e) {
          out[k] = new Sample(0, -1, false, null, "interrupted");
        }
      }));
    }
    gate.countDown();
    for (Thread t : threads) t.join(Duration.ofMinutes(15).toMillis());
    return Arrays.asList(out);
  }

  // ---- report ----

  private void report(List<Sample> baseSeq, Timed baseConc, List<Sample> svcSeq, Timed svc, long cpuMs,
                      long benchCpuMs, long overflows, Monitor.Peaks peaks, Sample five) {
    long model = turns * latencyMs;
    var errors = svc.samples().stream().filter(s -> !s.ok()).toList();
    System.out.println();
    System.out.printf("N=%d turns=%d latency=%d ms (model time per execution %d ms)%n", n, turns, latencyMs, model);
    System.out.printf("errors: %d%n", errors.size());
    errors.stream().map(Sample::error).distinct().limit(5).forEach(e -> System.out.println("  e.g. " + e));
    if (!errors.isEmpty()) {
      System.out.println("  client-observed time of the failed ones, ms: "
          + stats(errors.stream().mapToLong(Sample::wallMs).sorted().toArray()));
    }
    System.out.printf("service wall time: %d ms, throughput %.1f executions/s%n", svc.wallMs(), n * 1000.0 / svc.wallMs());
    long[] added = svc.samples().stream().filter(Sample::ok).mapToLong(s -> s.serverMs() - model).sorted().toArray();
    long[] client = svc.samples().stream().filter(Sample::ok).mapToLong(s -> s.wallMs() - model).sorted().toArray();
    long[] seq = svcSeq.stream().filter(Sample::ok).mapToLong(s -> s.serverMs() - model).sorted().toArray();
    long[] base = baseConc.samples().stream().filter(Sample::ok).mapToLong(s -> s.wallMs() - model).sorted().toArray();
    long[] baseS = baseSeq.stream().filter(Sample::ok).mapToLong(s -> s.wallMs() - model).sorted().toArray();
    System.out.println("overhead above turns x latency, ms:");
    System.out.println("  service, execution_time_ms, N concurrent  " + stats(added));
    System.out.println("  service, client-observed,   N concurrent  " + stats(client));
    System.out.println("  service, execution_time_ms, " + SEQUENTIAL + " sequential  " + stats(seq));
    System.out.println("  SDK alone (baseline),       N concurrent  " + stats(base)
        + String.format("  errors %d, wall %d ms", baseConc.samples().stream().filter(s -> !s.ok()).count(), baseConc.wallMs()));
    System.out.println("  SDK alone (baseline),       " + SEQUENTIAL + " sequential  " + stats(baseS));
    baseConc.samples().stream().filter(s -> !s.ok()).map(Sample::error).distinct().limit(3)
        .forEach(e -> System.out.println("  baseline error e.g. " + e));
    System.out.printf("ratio service/baseline (mean wall per execution, N concurrent): %.3f (client-observed) %.3f (execution_time_ms)%n",
        mean(svc.samples().stream().filter(Sample::ok).mapToLong(Sample::wallMs).toArray())
            / mean(baseConc.samples().stream().filter(Sample::ok).mapToLong(Sample::wallMs).toArray()),
        mean(svc.samples().stream().filter(Sample::ok).mapToLong(Sample::serverMs).toArray())
            / mean(baseConc.samples().stream().filter(Sample::ok).mapToLong(Sample::wallMs).toArray()));
    System.out.printf("CPU during the N run: server %d ms (%.2f ms per execution), bench JVM (fake + client) %d ms;"
        + " %d cores, %.0f%% busy%n", cpuMs, cpuMs / (double) n, benchCpuMs, Runtime.getRuntime().availableProcessors(),
        100.0 * (cpuMs + benchCpuMs) / svc.wallMs() / Runtime.getRuntime().availableProcessors());
    System.out.printf("TCP listen-queue overflows during the N run (TcpExt ListenOverflows, whole host): %d%n", overflows);
    System.out.printf("server peak heap used: %.0f MiB (old gen peak %.0f MiB, %d samples, young GCs %d, full GCs %d); peak RSS (VmHWM): %.0f MiB%n",
        peaks.heapMiB(), peaks.oldMiB(), peaks.samples(), peaks.youngGcs(), peaks.fullGcs(), peaks.rssMiB());
    System.out.printf("cache-read share of input tokens: %.3f over the N executions; %.3f for one 5-turn execution%s%n",
        cacheShare(svc.samples()), cacheShare(List.of(five)), five.ok() ? "" : " (5-turn run failed: " + five.error() + ")");
    System.out.println();
    System.out.printf("target: %d concurrent executions with no errors ... %s%n", n, errors.isEmpty() ? "PASS" : "MISS");
    System.out.printf("target: server heap under 512 MiB ............... %s%n", peaks.heapMiB() < 512 && peaks.samples() > 0 ? "PASS" : "MISS");
    System.out.printf("target: added overhead p50 under 5 ms ........... %s (p50 %d ms)%n",
        added.length > 0 && pct(added, 50) < 5 ? "PASS" : "MISS", added.length > 0 ? pct(added, 50) : -1);
    if (n != 1000 || turns != 2 || latencyMs != 1000) System.out.println("(targets are stated for N=1000, turns=2, latency=1000 ms)");
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(60))
        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  }

  /** TcpExt ListenOverflows from /proc/net/netstat: connections dropped because an accept queue was full. */
  private static long listenOverflows() {
    try {
      var lines = Files.readAllLines(Path.of("/proc/net/netstat"));
      for (int i = 0; i + 1 < lines.size(); i += 2) {
        var names = List.of(lines.get(i).split(" "));
        if (names.get(0).equals("TcpExt:")) return Long.parseLong(lines.get(i + 1).split(" ")[names.indexOf("ListenOverflows")]);
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return -1;
  }

  private static long benchCpuMs() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1_000_000;
  }

  private static double cacheShare(List<Sample> samples) {
    long read = 0, all = 0;
    for (Sample s : samples) {
      if (s.usage() == null) continue;
      long r = s.usage().path("cache_read_input_tokens").asLong();
      read += r;
      all += r + s.usage().path("input_tokens").asLong() + s.usage().path("cache_creation_input_tokens").asLong();
    }
    return all == 0 ? 0 : read / (double) all;
  }

  private static String stats(long[] sorted) {
    if (sorted.length == 0) return "(no successful samples)";
    return String.format("p50 %4d  p90 %4d  p99 %4d  max %4d  (n=%d)", pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
        sorted[sorted.length - 1], sorted.length);
  }

  private static long pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static double mean(long[] values) {
    return Arrays.stream(values).average().orElse(Double.NaN);
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  /** The service jar in its own JVM on a free loopback port; closing it kills the process. */
  static final class ServerProcess implements AutoCloseable {
    final Process process;
    final String url;
    final Path dataDir;
    final Path log;
    final Monitor monitor;

    private ServerProcess(Process process, String url, Path dataDir, Path log) {
      this.process = process;
      this.url = url;
      this.dataDir = dataDir;
      this.log = log;
      this.monitor = new Monitor(process.pid());
    }

    static ServerProcess start(Path jar, String fakeUrl) throws Exception {
      int port;
      try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      Path dataDir = Files.createTempDirectory("sdk-bench-");
      Path log = dataDir.resolve("server.log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      var pb = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseG1GC", "-jar", jar.toAbsolutePath().toString())
          .directory(dataDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
      var env = pb.environment();
      env.put("PORT", String.valueOf(port));
      env.put("ANTHROPIC_API_KEY", "sk-bench");
      env.put("ANTHROPIC_BASE_URL", fakeUrl);
      env.put("ANTHROPIC_MAX_RETRIES", "0");
      env.put("DATA_DIR", dataDir.resolve("data").toString());
      env.put("MAX_EXECUTION_TIME", "600000");
      env.put("LOG_LEVEL", "WARN");
      var process = pb.start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      var server = new ServerProcess(process, "http://127.0.0.1:" + port, dataDir, log);
      try {
        server.awaitHealth(Duration.ofSeconds(60));
      } catch (Exception e) {
        server.close();
        throw e;
      }
      server.monitor.start();
      System.out.printf("server pid %d on %s (log %s)%n", process.pid(), server.url, log);
      return server;
    }

    private void awaitHealth(Duration within) throws Exception {
      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      long until = System.nanoTime() + within.toNanos();
      while (System.nanoTime() < until) {
        if (!process.isAlive()) throw new IllegalStateException("server exited: " + Files.readString(log));
        try {
          var r = http.send(HttpRequest.newBuilder(URI.create(url + "/health")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() < 500) return;
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("server did not answer /health within " + within);
    }

    /** User plus system CPU time of the server process, from /proc/pid/stat (clock ticks of 10 ms). */
    long cpuMs() throws IOException {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    @Override
    public void close() {
      monitor.stop();
      process.destroy();
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      try {
        Files.copy(log, Path.of("target", "sdk-bench-server.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var lines = Files.readAllLines(log).stream().filter(l -> !l.startsWith("\tat ")).toList();
        if (!lines.isEmpty()) System.out.printf("server log (LOG_LEVEL=WARN; io.javalin still logs INFO): %d lines, the first:%n", lines.size());
        lines.stream().limit(8).forEach(l -> System.out.println("  | " + abbreviate(l)));
      } catch (IOException ignored) {
        // no log
      }
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // temp files only
      }
    }
  }

  /** Samples the server's heap with {@code jstat -gc pid 100} (one long-lived jstat) and its RSS from /proc. */
  static final class Monitor {
    record Peaks(double heapMiB, double oldMiB, double rssMiB, int samples, long youngGcs, long fullGcs) {}

    private final long pid;
    private final AtomicLong heapKb = new AtomicLong();
    private final AtomicLong oldKb = new AtomicLong();
    private final AtomicInteger samples = new AtomicInteger();
    private volatile long ygcAtReset, fgcAtReset, ygc, fgc;
    private Process jstat;

    Monitor(long pid) {
      this.pid = pid;
    }

    void start() throws IOException {
      String exe = Path.of(System.getProperty("java.home"), "bin", "jstat").toString();
      jstat = new ProcessBuilder(exe, "-gc", String.valueOf(pid), "100").redirectErrorStream(true).start();
      Thread.ofPlatform().daemon().name("jstat-reader").start(this::read);
    }

    private void read() {
      try (var in = new BufferedReader(new InputStreamReader(jstat.getInputStream()))) {
        List<String> header = null;
        for (String line; (line = in.readLine()) != null; ) {
          var cols = List.of(line.trim().split("\\s+"));
          if (cols.contains("EU")) {
            header = cols;
            continue;
          }
          if (header == null || cols.size() != header.size()) continue;
          var h = header;
          java.util.function.ToDoubleFunction<String> v = name -> Double.parseDouble(cols.get(h.indexOf(name)));
          double used = v.applyAsDouble("S0U") + v.applyAsDouble("S1U") + v.applyAsDouble("EU") + v.applyAsDouble("OU");
          heapKb.accumulateAndGet((long) used, Math::max);
          oldKb.accumulateAndGet((long) v.applyAsDouble("OU"), Math::max);
          ygc = (long) v.applyAsDouble("YGC");
          fgc = (long) v.applyAsDouble("FGC");
          samples.incrementAndGet();
        }
      } catch (IOException | RuntimeException ignored) {
        // jstat ended with the server
      }
    }

    void reset() {
      heapKb.set(0);
      oldKb.set(0);
      samples.set(0);
      ygcAtReset = ygc;
      fgcAtReset = fgc;
    }

    Peaks snapshot() throws IOException {
      double rssKb = 0;
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmHWM:")) rssKb = Double.parseDouble(line.replaceAll("[^0-9]", ""));
      }
      return new Peaks(heapKb.get() / 1024.0, oldKb.get() / 1024.0, rssKb / 1024.0, samples.get(),
          ygc - ygcAtReset, fgc - fgcAtReset);
    }

    void stop() {
      if (jstat != null) jstat.destroy();
    }
  }
}
