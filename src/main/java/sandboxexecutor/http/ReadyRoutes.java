package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** {@code GET /ready}: 200 while the server accepts executions, 503 once it is shutting down (for load balancers). */
public final class ReadyRoutes {
  private final BooleanSupplier accepting;

  public ReadyRoutes(BooleanSupplier accepting) {
    this.accepting = accepting;
  }

  public void register(RoutesConfig routes) {
    routes.get("/ready", ctx -> {
      boolean ready = accepting.getAsBoolean();
      Server.json(ctx, ready ? 200 : 503, Map.of("ready", ready, "status", ready ? "accepting" : "shutting_down"));
    });
  }
}
