package sandboxexecutor;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.ClaudeTurns;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.Runs;
import sandboxexecutor.auth.Access;
import sandboxexecutor.auth.Authenticator;
import sandboxexecutor.auth.KeysCommand;
import sandboxexecutor.auth.KeysReloader;
import sandboxexecutor.auth.Quotas;
import sandboxexecutor.auth.RateLimiter;
import sandboxexecutor.config.Config;
import sandboxexecutor.config.DotEnv;
import sandboxexecutor.config.Secret;
import sandboxexecutor.execution.Callbacks;
import sandboxexecutor.execution.Executions;
import sandboxexecutor.execution.SandboxMode;
import sandboxexecutor.execution.SdkMode;
import sandboxexecutor.git.GitClone;
import sandboxexecutor.git.GitToken;
import sandboxexecutor.http.AccessFilter;
import sandboxexecutor.http.ExecuteRoutes;
import sandboxexecutor.http.ExecutionRoutes;
import sandboxexecutor.http.HealthRoutes;
import sandboxexecutor.http.OpenApiRoutes;
import sandboxexecutor.http.ReadyRoutes;
import sandboxexecutor.http.MetricsRoutes;
import sandboxexecutor.http.RequestReader;
import sandboxexecutor.http.Server;
import sandboxexecutor.instances.InstanceFile;
import sandboxexecutor.instances.InstanceSettings;
import sandboxexecutor.instances.Instances;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.observability.LogSetup;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.net.WebPageFetcher;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.sandbox.SandboxBackend;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;
import sandboxexecutor.store.ExecutionStore;
import sandboxexecutor.store.ExecutionStores;
import sandboxexecutor.store.LocalObjectStore;
import sandboxexecutor.store.MemoryConcurrencySlots;
import sandboxexecutor.store.MemoryRateBuckets;
import sandboxexecutor.store.ObjectStore;
import sandboxexecutor.store.RetentionSweeper;
import sandboxexecutor.store.S3ObjectStore;
import sandboxexecutor.store.S3Settings;
import sandboxexecutor.tools.TodoWriteTool;
import sandboxexecutor.tools.ToolRegistry;
import sandboxexecutor.tools.coding.BashTool;
import sandboxexecutor.tools.coding.EditTool;
import sandboxexecutor.tools.coding.GlobTool;
import sandboxexecutor.tools.coding.GrepTool;
import sandboxexecutor.tools.coding.ReadTool;
import sandboxexecutor.tools.coding.WriteTool;
import sandboxexecutor.tools.web.WebFetchTool;
import sandboxexecutor.tools.web.WebSearchTool;

/** The composition root: reads the configuration and wires every component by constructor. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  // each mode's tools, all on by default; named here, not read from the registries, so that the instance file is
  // checked before anything is wired
  private static final List<String> SDK_TOOLS = List.of("WebFetch", "WebSearch", "TodoWrite");
  private static final List<String> SANDBOX_TOOLS = List.of("Bash", "Read", "Write", "Edit", "Glob", "Grep", "TodoWrite",
      "WebFetch", "WebSearch");
  private static final Set<String> TOOLS = java.util.stream.Stream.concat(SDK_TOOLS.stream(), SANDBOX_TOOLS.stream())
      .collect(java.util.stream.Collectors.toUnmodifiableSet());

  /**
   * The configuration checked in full before anything is wired: the environment, the API keys and the instance
   * file. Every mistake is an {@link IllegalArgumentException} naming its variable, which {@link #main} prints as
   * one line.
   */
  public record Startup(Config config, Access access, Map<String, InstanceSettings> instanceFile) {
    public static Startup from(Map<String, String> env) {
      var config = Config.from(env);
      return new Startup(config, Access.from(config.access()), config.instanceConfig().file()
          .map(f -> InstanceFile.load(f, config.models(), TOOLS)).orElse(Map.of()));
    }
  }

  /** The running service; closing it stops in the reverse order of construction, every wait bounded. */
  public static final class App implements AutoCloseable {
    private final List<AutoCloseable> parts; // in construction order
    private final Javalin http;
    private final Tracing tracing;
    public final Config config;

    App(Config config, Javalin http, Tracing tracing, List<AutoCloseable> parts) {
      this.config = config;
      this.http = http;
      this.tracing = tracing;
      this.parts = parts;
    }

    public int port() {
      return http.port();
    }

    /** Exports the spans of what has ended so far, without waiting for the next batch. */
    public void flushSpans() {
      tracing.flush();
    }

    @Override
    public void close() {
      for (int i = parts.size() - 1; i >= 0; i--) {
        try {
          parts.get(i).close();
        } catch (Exception e) {
          log.warn("closing {} failed: {}", parts.get(i).getClass().getSimpleName(), e.toString());
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("keys")) { // java -jar sandbox-executor.jar keys create|list|revoke …
      var env = DotEnv.merge(Path.of(".env"), System.getenv());
      System.exit(new KeysCommand(Config.keysFile(env), new SecureRandom())
          .run(List.of(args).subList(1, args.length), System.out, System.err));
      return;
    }
    Startup startup;
    try {
      startup = Startup.from(DotEnv.merge(Path.of(".env"), System.getenv()));
    } catch (IllegalArgumentException e) {
      System.err.println("Configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    var config = startup.config();
    LogSetup.apply(config.logging().format(), config.logging().level());
    var app = start(startup);
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    log.info("sandbox-executor {} listening on http://{}:{}", Config.VERSION, config.host(), app.port());
  }

  public static App start(Startup startup) throws Exception {
    return wire(startup, anthropic(startup.config()));
  }

  public static AnthropicClient anthropic(Config config) {
    var builder = AnthropicOkHttpClient.builder()
        .apiKey(config.apiKey().map(Secret::reveal).orElse("not-configured"))
        .maxRetries(config.anthropicMaxRetries())
        .timeout(config.maxExecutionTime());
    config.anthropicBaseUrl().ifPresent(builder::baseUrl);
    return builder.build();
  }

  public static App wire(Startup startup, AnthropicClient claude) throws Exception {
    var config = startup.config();
    var parts = new ArrayList<AutoCloseable>();
    parts.add(claude::close);
    Files.createDirectories(config.dataDir());
    var clock = Clock.systemUTC();
    var prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var metrics = new Metrics(prometheus);
    var tracing = tracing(config);
    parts.add(tracing); // closed after the executions, so their last spans are exported
    ExecutionStore store = ExecutionStores.open(config.storage().databaseUrl().map(Secret::reveal), config.dataDir());
    parts.add(store);
    ObjectStore objects = objectStore(config);
    parts.add(objects);
    var sweeper = new RetentionSweeper(store, objects, Duration.ofDays(config.storage().resultsTtlDays()),
        Duration.ofHours(1), 1_000, clock);
    parts.add(sweeper);

    var guard = new UrlGuard(config.allowPrivateNetworks());
    var fetcher = new WebPageFetcher(guard);
    parts.add(fetcher);
    var loop = new AgentLoop(new ClaudeTurns(claude, 2, Duration.ofMillis(500), metrics, tracing), config.models(), metrics,
        tracing);
    var runs = new Runs();
    parts.add(runs);
    var setup = new RunSetup(config);
    var todo = new TodoWriteTool();
    var webFetch = new WebFetchTool(fetcher, config.smallModel());
    var webSearch = new WebSearchTool();
    var sdkTools = new ToolRegistry(List.of(webFetch, webSearch, todo), SDK_TOOLS);
    var sdk = new SdkMode(setup, loop, new RunSetup.Mode(sdkTools, 10, RunSetup.prompt("agent.md")));
    var sandboxTools = new ToolRegistry(List.of(new BashTool(), new ReadTool(), new WriteTool(), new EditTool(),
        new GlobTool(), new GrepTool(), todo, webFetch, webSearch), SANDBOX_TOOLS);
    var sandboxPrompt = RunSetup.prompt("sandbox.md").replace("{{workdir}}", BwrapBackend.WORKDIR)
        .replace("{{network}}", config.sandbox().network()
            ? "Commands may reach the network (the operator allowed egress)."
            : "Commands have no network: nothing outside the sandbox is reachable from the shell. WebFetch and WebSearch still work when offered.");
    var backend = sandboxBackend(config);
    var gitToken = config.gitToken().map(t -> new GitToken(t.reveal(), Set.copyOf(config.gitTokenHosts()))).orElse(null);
    var sandbox = new SandboxMode(config, backend, new GitClone(guard, gitToken), guard, setup, loop,
        new RunSetup.Mode(sandboxTools, 30, sandboxPrompt), metrics, tracing);
    var instances = instances(startup, metrics, clock);
    parts.add(instances);

    var callbacks = new Callbacks(guard, config.dispatch().callbackSecret().map(Secret::reveal).orElse(null),
        config.dispatch().callbackMaxAttempts(), config.dispatch().callbackBackoff(), store, clock);
    parts.add(callbacks);
    var executions = new Executions(config, store, objects, runs, setup, sdk, sandbox, callbacks, clock, instances, metrics,
        tracing);
    metrics.executionGauges(executions::queued, executions::liveCount);
    executions.recover();
    sweeper.start();

    var reader = new RequestReader(config.maxBodyBytes(), config.models());
    var views = new ExecutionRoutes(store, objects, executions, config.dispatch().heartbeat());
    var authenticator = new Authenticator(startup.access());
    parts.add(new KeysReloader(config.access(), authenticator, Duration.ofSeconds(2)));
    var access = new AccessFilter(startup.access(), authenticator,
        new RateLimiter(store.sharedRateBuckets().orElseGet(MemoryRateBuckets::new), clock));
    // leases outlive a renewal missed to a slow or briefly unreachable database, yet free a dead node's slots soon
    var quotas = new Quotas(store, store.sharedConcurrencySlots().orElseGet(MemoryConcurrencySlots::new), clock,
        Duration.ofMinutes(2), Duration.ofSeconds(30));
    parts.add(quotas);
    var execute = new ExecuteRoutes(config, reader, executions, views, quotas);
    var health = new HealthRoutes(config, backend::availability);
    var openApi = new OpenApiRoutes();
    var ready = new ReadyRoutes(executions::accepting);
    java.util.function.Consumer<sandboxexecutor.protocol.ExecutorException> refused = e -> {
      boolean ours = !e.details().containsKey("upstream_status"); // Anthropic's 429s are counted as upstream failures
      if (ours && (e.code() == ErrorCode.RATE_LIMITED || e.code() == ErrorCode.BUDGET_EXCEEDED)) metrics.rateLimitRejected();
    };
    var http = Server.create(config.maxBodyBytes(), refused, routes -> {
      access.register(routes); // first: every route below is behind it
      health.register(routes);
      openApi.register(routes);
      ready.register(routes);
      execute.register(routes);
      views.register(routes);
      new MetricsRoutes(prometheus).register(routes);
    });
    http.start(config.host(), config.port());
    parts.add(http::stop);
    parts.add(executions); // closed first: running executions finish or are cancelled while HTTP still answers
    return new App(config, http, tracing, parts);
  }

  private static Instances instances(Startup startup, Metrics metrics, Clock clock) {
    return new Instances(startup.config().instanceConfig(), startup.instanceFile(),
        startup.config().models(), TOOLS, metrics, clock);
  }

  /** OTLP export when an endpoint is configured; otherwise no spans, and callers' traceparent passes through. */
  private static Tracing tracing(Config config) {
    var t = config.traceExport();
    Map<String, String> headers = t.headers().entrySet().stream()
        .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().reveal()));
    return t.endpoint().map(endpoint -> Tracing.otlp(endpoint, headers, t.serviceName(), Config.VERSION, t.sampleRatio()))
        .orElseGet(Tracing::off);
  }

  private static ObjectStore objectStore(Config config) {
    var s = config.storage();
    if (s.resultsBucket().isEmpty()) return new LocalObjectStore(config.dataDir().resolve("results"));
    Optional<URI> endpoint = s.resultsEndpoint().map(URI::create);
    return new S3ObjectStore(new S3Settings(s.resultsBucket().get(), endpoint,
        s.resultsRegion().orElse(S3Settings.defaultRegion(endpoint)), s.resultsAccessKeyId(),
        s.resultsSecretAccessKey().map(Secret::reveal), s.resultsPrefix()));
  }

  /** The backend SANDBOX_BACKEND names (Config accepts only bwrap so far; docker and kubernetes go here). */
  static SandboxBackend sandboxBackend(Config config) {
    var s = config.sandbox();
    return new BwrapBackend(new BwrapSettings(config.dataDir().resolve("workspaces"), s.firstUid(), s.uidCount(),
        s.keepWorkspaces(), s.network(), s.bwrap()));
  }

  private Main() {}
}
