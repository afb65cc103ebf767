package sandboxexecutor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.sandbox.SandboxLimits;
import sandboxexecutor.sandbox.SandboxSpec;
import sandboxexecutor.sandbox.bwrap.BwrapArgs;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSandbox;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;

/**
 * Prints latency percentiles of the bubblewrap backend next to its baselines, all in one run:
 * a bare /bin/true spawn, a bare bwrap with the same argv as a sandbox command, sandbox create + first
 * command, and a repeated command in an existing sandbox. Usage: bench/sandbox.sh [iterations].
 */
public final class SandboxBench {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path parent = Files.createTempDirectory("sandbox-bench");
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
    var backend = new BwrapBackend(BwrapSettings.defaults(parent.resolve("workspaces")));
    var availability = backend.availability();
    if (!availability.usable()) throw new IllegalStateException(availability.detail());
    System.out.printf("sandbox bench: %d iterations, %d cpus, %s%n", n, Runtime.getRuntime().availableProcessors(),
        availability.detail());

    try (Sandbox warm = backend.create(spec("warm"))) {
      List<String> bareArgv = BwrapArgs.of(((BwrapSandbox) warm).policy(), Command.of(TIMEOUT, "true"), false);
      report("bare /bin/true spawn", n, i -> spawn(List.of("/bin/true")));
      report("bare bwrap ... true (same argv)", n, i -> spawn(bareArgv));
      var created = new ArrayList<Sandbox>();
      report("create + first `true`", n, i -> {
        Sandbox sandbox = backend.create(spec("c" + i));
        created.add(sandbox);   // closed after the measurement
        check(sandbox.run(Command.of(TIMEOUT, "true")));
      });
      created.forEach(Sandbox::close);
      report("create + first `true` + close", n, i -> {
        try (Sandbox sandbox = backend.create(spec("d" + i))) {
          check(sandbox.run(Command.of(TIMEOUT, "true")));
        }
      });
      report("`bash -c true` in existing sandbox", n, i -> check(warm.run(Command.of(TIMEOUT, "bash", "-c", "true"))));
      // the same command as a Bash tool call: input decoding, deadline, output rendering on top of the run
      var bash = new sandboxexecutor.tools.coding.BashTool();
      var input = sandboxexecutor.protocol.Json.parse("{\"command\":\"true\"}");
      var context = new sandboxexecutor.tools.ToolContext(java.time.Instant.now().plusSeconds(3600),
          java.util.Optional.of(warm), new sandboxexecutor.tools.TodoList(), null, sandboxexecutor.sandbox.OutputListener.NONE);
      report("Bash tool call `true` (round trip)", n, i -> {
        if (bash.call(input, context).isError()) throw new IllegalStateException("Bash tool failed");
      });
    }
    Files.walk(parent).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
  }

  private static SandboxSpec spec(String id) {
    return new SandboxSpec(id, SandboxLimits.DEFAULTS, false, Map.of());
  }

  private static void report(String name, int n, Step step) throws Exception {
    for (int i = 0; i < Math.min(20, n); i++) step.run(-1 - i);   // warm-up: JIT, page cache
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      step.run(i);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    System.out.printf("%-38s p50 %6.1f ms   p99 %6.1f ms   max %6.1f ms%n", name,
        ms(nanos[n / 2]), ms(nanos[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]), ms(nanos[n - 1]));
  }

  private static void spawn(List<String> argv) throws IOException, InterruptedException {
    var builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().clear();
    Process process = builder.start();
    process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    if (process.waitFor() != 0) throw new IllegalStateException("exit " + process.exitValue() + ": " + argv);
  }

  private static void check(CommandResult result) {
    if (!result.ok()) throw new IllegalStateException(result.toString());
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  @FunctionalInterface
  private interface Step {
    void run(int i) throws Exception;
  }
}
