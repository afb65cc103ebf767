package sandboxexecutor;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.ClaudeTurns;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.RunControl;
import sandboxexecutor.agent.Runs;
import sandboxexecutor.config.Config;
import sandboxexecutor.config.DotEnv;
import sandboxexecutor.http.ExecuteRoutes;
import sandboxexecutor.http.HealthRoutes;
import sandboxexecutor.http.Server;
import sandboxexecutor.execution.SandboxMode;
import sandboxexecutor.execution.SdkMode;
import sandboxexecutor.git.GitClone;
import sandboxexecutor.git.GitToken;
import sandboxexecutor.sandbox.SandboxBackend;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;
import sandboxexecutor.tools.coding.BashTool;
import sandboxexecutor.tools.coding.EditTool;
import sandboxexecutor.tools.coding.GlobTool;
import sandboxexecutor.tools.coding.GrepTool;
import sandboxexecutor.tools.coding.ReadTool;
import sandboxexecutor.tools.coding.WriteTool;
import sandboxexecutor.tools.TodoWriteTool;
import sandboxexecutor.tools.ToolRegistry;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.net.WebPageFetcher;
import sandboxexecutor.tools.web.WebFetchTool;
import sandboxexecutor.tools.web.WebSearchTool;

/** The composition root: reads the configuration and wires every component by constructor. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** The running service; closing it stops in the reverse order of construction, every wait bounded. */
  public record App(Config config, Javalin http, Runs runs, AnthropicClient claude, WebPageFetcher fetcher)
      implements AutoCloseable {
    public int port() {
      return http.port();
    }

    @Override
    public void close() {
      runs.stopAll(RunControl.Cause.SHUTDOWN, Duration.ofSeconds(10));
      http.stop();
      runs.close();
      fetcher.close();
      claude.close();
    }
  }

  public static void main(String[] args) throws Exception {
    Config config;
    try {
      config = Config.from(DotEnv.merge(Path.of(".env"), System.getenv()));
    } catch (IllegalArgumentException e) {
      System.err.println("Configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    var app = start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    log.info("sandbox-executor {} listening on http://{}:{}", Config.VERSION, config.host(), app.port());
  }

  public static App start(Config config) throws Exception {
    return wire(config, anthropic(config));
  }

  public static AnthropicClient anthropic(Config config) {
    var builder = AnthropicOkHttpClient.builder()
        .apiKey(config.apiKey().map(s -> s.reveal()).orElse("not-configured"))
        .maxRetries(config.anthropicMaxRetries())
        .timeout(config.maxExecutionTime());
    config.anthropicBaseUrl().ifPresent(builder::baseUrl);
    return builder.build();
  }

  public static App wire(Config config, AnthropicClient claude) throws Exception {
    Files.createDirectories(config.dataDir());
    var loop = new AgentLoop(new ClaudeTurns(claude, 2, Duration.ofMillis(500)), config.models());
    var runs = new Runs();
    var setup = new RunSetup(config);
    var todo = new TodoWriteTool();
    var guard = new UrlGuard(config.allowPrivateNetworks());
    var fetcher = new WebPageFetcher(guard);
    var webFetch = new WebFetchTool(fetcher, config.smallModel());
    var webSearch = new WebSearchTool();
    var sdkTools = new ToolRegistry(List.of(webFetch, webSearch, todo), List.of("WebFetch", "WebSearch", "TodoWrite"));
    var sdk = new SdkMode(setup, loop, new RunSetup.Mode("sdk", sdkTools, 10, RunSetup.prompt("agent.md")),
        config.defaultModel());
    var sandboxTools = new ToolRegistry(List.of(new BashTool(), new ReadTool(), new WriteTool(), new EditTool(),
        new GlobTool(), new GrepTool(), todo, webFetch, webSearch),
        List.of("Bash", "Read", "Write", "Edit", "Glob", "Grep", "TodoWrite", "WebFetch", "WebSearch"));
    var sandboxPrompt = RunSetup.prompt("sandbox.md").replace("{{workdir}}", BwrapBackend.WORKDIR)
        .replace("{{network}}", config.sandbox().network()
            ? "Commands may reach the network (the operator allowed egress)."
            : "Commands have no network: nothing outside the sandbox is reachable from the shell. WebFetch and WebSearch still work when offered.");
    var backend = sandboxBackend(config);
    var sandbox = new SandboxMode(config, backend, new GitClone(guard, config.gitToken()
        .map(t -> new GitToken(t.reveal(), java.util.Set.copyOf(config.gitTokenHosts()))).orElse(null)),
        guard, setup, loop, new RunSetup.Mode("sandbox", sandboxTools, 30, sandboxPrompt));
    var execute = new ExecuteRoutes(config, setup, runs, sdk, sandbox);
    var health = new HealthRoutes(config, backend::availability);
    var http = Server.create(config.maxBodyBytes(), routes -> {
      health.register(routes);
      execute.register(routes);
    });
    http.start(config.host(), config.port());
    return new App(config, http, runs, claude, fetcher);
  }

  /** The backend SANDBOX_BACKEND names (Config accepts only bwrap so far; docker and kubernetes go here). */
  static SandboxBackend sandboxBackend(Config config) {
    var s = config.sandbox();
    return new BwrapBackend(new BwrapSettings(config.dataDir().resolve("workspaces"), s.firstUid(), s.uidCount(),
        s.keepWorkspaces(), s.network(), s.bwrap()));
  }

  private Main() {}
}
