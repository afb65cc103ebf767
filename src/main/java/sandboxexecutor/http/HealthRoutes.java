package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import sandboxexecutor.config.Config;
import sandboxexecutor.sandbox.SandboxBackend;

/** {@code GET /health}: healthy, or degraded with the check that failed and how to fix it. */
public final class HealthRoutes {
  private final Config config;
  private final Supplier<SandboxBackend.Availability> sandbox;

  public HealthRoutes(Config config, Supplier<SandboxBackend.Availability> sandbox) {
    this.config = config;
    this.sandbox = sandbox;
  }

  public void register(RoutesConfig routes) {
    routes.get("/health", this::health);
  }

  private void health(Context ctx) {
    var checks = new LinkedHashMap<String, Object>();
    boolean key = config.apiKey().isPresent();
    checks.put("api_key", check(key, key ? "configured" : "ANTHROPIC_API_KEY is not set; executions answer 503 MISSING_API_KEY"));
    var availability = sandbox.get();
    var sandboxCheck = check(availability.usable(), availability.detail());
    sandboxCheck.put("backend", config.sandbox().backend());
    checks.put("sandbox", sandboxCheck);
    boolean storage = Files.isDirectory(config.dataDir()) && Files.isWritable(config.dataDir());
    checks.put("storage", check(storage, storage ? "data directory writable" : "DATA_DIR " + config.dataDir() + " is not a writable directory"));
    boolean healthy = checks.values().stream().allMatch(c -> Boolean.TRUE.equals(((Map<?, ?>) c).get("ok")));
    var body = new LinkedHashMap<String, Object>();
    body.put("status", healthy ? "healthy" : "degraded");
    body.put("service", "sandbox-executor");
    body.put("timestamp", Instant.now().toString());
    body.put("version", Config.VERSION);
    body.put("checks", checks);
    Server.json(ctx, 200, body);
  }

  private static Map<String, Object> check(boolean ok, String detail) {
    var m = new LinkedHashMap<String, Object>();
    m.put("ok", ok);
    m.put("detail", detail);
    return m;
  }
}
