package sandboxexecutor.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted instance config service: {@code GET /instances/<id>} answers what the test set for that id. */
public final class FakeConfigService implements AutoCloseable {
  public record Answer(int status, String body, Duration delay) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile String requiredAuthorization;

  public FakeConfigService() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/instances/", exchange -> {
      try (exchange) {
        requests.incrementAndGet();
        String id = exchange.getRequestURI().getPath().substring("/instances/".length());
        Answer answer = answers.getOrDefault(id, new Answer(404, "{\"error\":\"no such instance\"}", Duration.ZERO));
        if (requiredAuthorization != null
            && !requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
          answer = new Answer(401, "{\"error\":\"unauthorized\"}", Duration.ZERO);
        }
        try {
          Thread.sleep(answer.delay().toMillis());
        } catch (InterruptedException e) {
          return;
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), body.length);
        exchange.getResponseBody().write(body);
      } catch (IOException e) {
        // the client gave up (timeout test)
      }
    });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public void answer(String instanceId, int status, String body) {
    answers.put(instanceId, new Answer(status, body, Duration.ZERO));
  }

  public void answer(String instanceId, Answer answer) {
    answers.put(instanceId, answer);
  }

  /** From now on, answers 401 to requests without {@code Authorization: Bearer <token>}. */
  public void requireToken(String token) {
    requiredAuthorization = "Bearer " + token;
  }

  public int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
