package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** {@code GET /metrics}: every meter in the Prometheus text format (0.0.4), behind an API key like every route. */
public final class MetricsRoutes {
  private final PrometheusMeterRegistry registry;

  public MetricsRoutes(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  public void register(RoutesConfig routes) {
    routes.get("/metrics", ctx -> ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(registry.scrape()));
  }
}
