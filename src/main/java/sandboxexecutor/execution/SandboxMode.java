package sandboxexecutor.execution;

import io.opentelemetry.context.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.RunControl;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.config.Config;
import sandboxexecutor.git.CloneResult;
import sandboxexecutor.git.GitClone;
import sandboxexecutor.git.GitDiff;
import sandboxexecutor.git.RepoUrl;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.SandboxRequest;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.sandbox.SandboxBackend;
import sandboxexecutor.sandbox.SandboxLimits;
import sandboxexecutor.sandbox.SandboxSpec;

/**
 * Sandbox mode: a fresh sandbox holding a clone of the caller's repository (or an empty one), optional setup
 * commands, the agent loop with the coding tools acting inside the sandbox, an optional verify command, and
 * the diff of what changed. The sandbox and its workspace are gone when this returns, whatever happened.
 */
public final class SandboxMode {
  private static final int MAX_DIFF_BYTES = 5 << 20;
  private static final Duration DIFF_TIMEOUT = Duration.ofSeconds(60);
  /** Characters of a setup or verify command's output kept in the result. */
  private static final int MAX_COMMAND_OUTPUT = 20_000;

  private final Config config;
  private final SandboxBackend backend;
  private final GitClone git;
  private final UrlGuard guard;
  private final RunSetup setup;
  private final AgentLoop loop;
  private final RunSetup.Mode mode;
  private final Metrics metrics;
  private final Tracing tracing;

  public SandboxMode(Config config, SandboxBackend backend, GitClone git, UrlGuard guard, RunSetup setup,
                     AgentLoop loop, RunSetup.Mode mode, Metrics metrics, Tracing tracing) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.config = config;
    this.backend = backend;
    this.git = git;
    this.guard = guard;
    this.setup = setup;
    this.loop = loop;
    this.mode = mode;
  }

  public Map<String, Object> run(String id, SandboxRequest request, RunSetup.Caller caller, RunControl control,
                                 AgentLoop.Listener listener) throws InterruptedException {
    long started = System.nanoTime();
    RepoUrl repo = request.repo() == null ? null : RepoUrl.parse("repo", request.repo(), guard, config.githubUrl());
    if (repo == null && request.branch() != null) throw ExecutorException.invalid("branch needs repo");
    SandboxLimits limits = limits(request.limits(), caller.instance().sandboxLimits());
    var run = setup.plan(id, request.task(), request.options(), mode, request.permissionMode().wireName, "/workspace",
        caller);
    var availability = backend.availability();
    if (!availability.usable()) {
      throw new ExecutorException(ErrorCode.SANDBOX_UNAVAILABLE, "Sandbox mode is unavailable on this server: "
          + availability.detail() + ". It never runs commands unisolated; SDK mode (POST /execute/sdk) still works.");
    }
    String sandboxId = id.replace("-", "").substring(0, 12);
    var spec = new SandboxSpec(sandboxId, limits, config.sandbox().network(), request.env());
    var metadata = new LinkedHashMap<String, Object>();
    var extra = new LinkedHashMap<String, Object>();
    Context trace = caller.trace();
    try (Sandbox sandbox = create(spec, trace); var enlisted = control.enlist()) {
      CloneResult clone = new CloneResult(null, null);
      String failure = null;
      AgentLoop.Outcome outcome = null;
      try {
        clone = prepareWorkspace(repo, request.branch(), sandbox, control, trace);
        failure = runSetup(request.setup(), sandbox, limits, control, extra, trace);
        if (failure == null) {
          run = run.withSandbox(sandbox);
          outcome = loop.run(run, control, listener);
          if (request.verify() != null && control.stopped() == null) {
            failure = verify(request.verify(), sandbox, limits, control, extra, trace);
          }
        }
      } catch (InterruptedException e) {
        failure = "Stopped before the agent finished: " + control.stopped();
      }
      Thread.interrupted(); // a stop must not keep the diff of what was done so far from being taken
      GitDiff.Diff diff = GitDiff.collect(sandbox, DIFF_TIMEOUT, MAX_DIFF_BYTES);
      extra.put("logs", outcome == null ? "" : TranscriptLog.render(outcome.messages()));
      if (request.includeDiff()) extra.put("diff", diff.patch());
      metadata.putAll(ResultBody.metadata(started, outcome, run, setup.requestedModel(request.options(), caller.instance())));
      metadata.put("sandbox_id", sandboxId);
      metadata.put("repo", repo == null ? null : repo.url());
      metadata.put("branch", clone.branch());
      metadata.put("base_commit", clone.baseCommit());
      metadata.put("files_changed", diff.files().size());
      metadata.put("files", diff.files());
      if (diff.truncated()) metadata.put("diff_truncated", true);
      if (diff.error() != null) metadata.put("diff_error", diff.error());
      metadata.put("permission_mode", request.permissionMode().wireName);
      if (outcome == null && control.stopped() == RunControl.Cause.DEADLINE) {
        throw new ExecutorException(ErrorCode.EXECUTION_TIMEOUT, "The execution did not finish within "
            + setup.timeout(request.options()).toMillis() + " ms (it was still cloning or running setup)",
            ResultBody.partial(ResultBody.of(id, null, failure, extra, metadata)), null, null);
      }
      return ResultBody.of(id, outcome, failure, extra, metadata);
    } catch (IOException e) {
      throw new ExecutorException(ErrorCode.SANDBOX_UNAVAILABLE, "The sandbox failed: " + e.getMessage(), e);
    }
  }

  /** Runs the verify command; returns why verification failed, or null. */
  private String verify(String script, Sandbox sandbox, SandboxLimits limits, RunControl control,
                        Map<String, Object> extra, Context trace) throws IOException, InterruptedException {
    try (var span = tracing.step(trace, "verify")) {
      var result = command(sandbox, script, limits, control);
      extra.put("verification", Map.of("command", script, "exit_code", result.exitCode(), "passed", result.ok(),
          "output", output(result), "duration_ms", result.elapsed().toMillis()));
      if (result.ok()) span.succeeded(); else span.failed(result.termination().name().toLowerCase());
      return result.ok() ? null : "Verification failed: `" + script + "` exited with " + result.exitCode();
    }
  }

  private Sandbox create(SandboxSpec spec, Context trace) throws IOException {
    try (var span = tracing.step(trace, "create sandbox")) {
      long started = System.nanoTime();
      Sandbox sandbox = backend.create(spec);
      metrics.sandboxStarted(Duration.ofNanos(System.nanoTime() - started));
      span.succeeded();
      return sandbox;
    }
  }

  private CloneResult prepareWorkspace(RepoUrl repo, String branch, Sandbox sandbox, RunControl control, Context trace)
      throws IOException, InterruptedException {
    if (repo == null) {
      git.init(sandbox.hostWorkspace());
      return new CloneResult("main", null);
    }
    try (var span = tracing.step(trace, "git clone")) {
      Duration timeout = min(control.remaining(), Duration.ofMinutes(5));
      var clone = git.clone(repo, branch, sandbox.hostWorkspace(), timeout);
      span.succeeded();
      return clone;
    }
  }

  /** Runs the setup commands in order; returns why setup failed, or null. */
  private String runSetup(List<String> commands, Sandbox sandbox, SandboxLimits limits, RunControl control,
                          Map<String, Object> extra, Context trace) throws IOException, InterruptedException {
    if (commands.isEmpty()) return null;
    var results = new ArrayList<Map<String, Object>>();
    extra.put("setup", results);
    try (var span = tracing.step(trace, "setup")) {
      for (String cmd : commands) {
        CommandResult result = command(sandbox, cmd, limits, control);
        results.add(Map.of("command", cmd, "exit_code", result.exitCode(), "output", output(result),
            "duration_ms", result.elapsed().toMillis()));
        if (!result.ok()) {
          span.failed(result.termination().name().toLowerCase()); // "exited" for an exit code other than 0
          return "Setup command `" + cmd + "` failed (exit code " + result.exitCode() + ", "
              + result.termination().name().toLowerCase() + "); the agent did not run";
        }
      }
      span.succeeded();
      return null;
    }
  }

  private static CommandResult command(Sandbox sandbox, String script, SandboxLimits limits, RunControl control)
      throws IOException, InterruptedException {
    Duration timeout = min(limits.commandTimeout(), control.remaining());
    if (timeout.isZero()) timeout = Duration.ofMillis(1);
    return sandbox.run(new Command(List.of("bash", "-c", script), null, Map.of(), null, timeout));
  }

  /** Stdout, then stderr; when long, the end is kept (where failures are reported) after a marker, as in OutputTail. */
  private static String output(CommandResult result) {
    String out = (result.stdout() + (result.stderr().isEmpty() ? "" : "\n[stderr]\n" + result.stderr())).strip();
    if (out.length() <= MAX_COMMAND_OUTPUT) return out;
    int cut = out.length() - MAX_COMMAND_OUTPUT;
    if (Character.isLowSurrogate(out.charAt(cut))) cut++;   // do not start in the middle of a character
    return "[... " + cut + " characters truncated ...]\n" + out.substring(cut);
  }

  /**
   * The operator's limits, lowered by the instance's caps, then where the request asks; a request can never
   * raise one.
   */
  SandboxLimits limits(SandboxRequest.LimitOverrides o, SandboxRequest.LimitOverrides instance) {
    var s = config.sandbox();
    return new SandboxLimits(
        Duration.ofMillis(cap("command_timeout_ms", o.commandTimeoutMs(), s.commandTimeout().toMillis(), instance.commandTimeoutMs())),
        cap("memory_mb", o.memoryMb(), s.memoryBytes() >> 20, instance.memoryMb()) << 20,
        (int) cap("max_processes", o.maxProcesses(), s.maxProcesses(), instance.maxProcesses()),
        Duration.ofSeconds(cap("cpu_seconds", o.cpuSeconds(), s.cpuTime().toSeconds(), instance.cpuSeconds())),
        cap("max_file_mb", o.maxFileMb(), s.maxFileBytes() >> 20, instance.maxFileMb()) << 20,
        (int) cap("max_output_bytes", o.maxOutputBytes(), s.maxOutputBytes(), instance.maxOutputBytes()));
  }

  private static long cap(String field, Long requested, long operatorCap, Long instanceCap) {
    long cap = instanceCap == null ? operatorCap : Math.min(operatorCap, instanceCap);
    if (requested == null) return cap;
    if (requested > cap) {
      throw ExecutorException.invalid("options.limits." + field + " must be at most " + cap
          + (cap < operatorCap ? " (the instance's cap)" : " (the operator's cap)"));
    }
    return requested;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
