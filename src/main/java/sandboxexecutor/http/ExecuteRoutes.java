package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.Runs;
import sandboxexecutor.config.Config;
import sandboxexecutor.execution.SandboxMode;
import sandboxexecutor.execution.SdkMode;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/** {@code POST /execute/sdk} and {@code POST /execute}: decode, run the mode, answer with the result body. */
public final class ExecuteRoutes {
  private final Config config;
  private final RequestReader reader;
  private final SdkMode sdk;
  private final SandboxMode sandbox;

  private final RunSetup setup;
  private final Runs runs;

  public ExecuteRoutes(Config config, RunSetup setup, Runs runs, SdkMode sdk, SandboxMode sandbox) {
    this.config = config;
    this.setup = setup;
    this.runs = runs;
    this.reader = new RequestReader(config.maxBodyBytes(), config.models());
    this.sdk = sdk;
    this.sandbox = sandbox;
  }

  public void register(RoutesConfig routes) {
    routes.post("/execute/sdk", this::sdk);
    routes.post("/execute", this::sandbox);
  }

  private void sdk(Context ctx) {
    var request = reader.sdk(reader.body(ctx));
    requireApiKey();
    var control = runs.start(setup.timeout(request.options()));
    try {
      Server.json(ctx, 200, sdk.run(Server.requestId(ctx), request, control, AgentLoop.Listener.NONE));
    } finally {
      runs.finish(control);
    }
  }

  private void sandbox(Context ctx) throws InterruptedException {
    var request = reader.sandbox(reader.body(ctx));
    requireApiKey();
    var control = runs.start(setup.timeout(request.options()));
    try {
      Server.json(ctx, 200, sandbox.run(Server.requestId(ctx), request, control, AgentLoop.Listener.NONE));
    } finally {
      runs.finish(control);
    }
  }

  private void requireApiKey() {
    if (config.apiKey().isEmpty()) {
      throw new ExecutorException(ErrorCode.MISSING_API_KEY, "No Anthropic API key is configured: set "
          + "ANTHROPIC_API_KEY in the environment or in a .env file in the server's working directory, then restart");
    }
  }
}
