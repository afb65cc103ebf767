package sandboxexecutor.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import sandboxexecutor.Main;
import sandboxexecutor.testing.FakeAnthropic;

/**
 * Time from the model's first token leaving the (fake) API to the first SSE byte of it reaching the client,
 * through the official SDK, the agent loop, the event log and the HTTP stream. Prints p50/p90/p99; not a test.
 * Usage: bench/stream.sh [iterations, default 300]
 */
public final class StreamBench {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    try (var claude = new FakeAnthropic()) {
      claude.respondWith(request -> FakeAnthropic.endTurn("The first token, then more text to stream along."));
      var env = new HashMap<String, String>();
      env.put("PORT", "0");
      env.put("ANTHROPIC_API_KEY", "sk-bench");
      env.put("ANTHROPIC_BASE_URL", claude.url());
      env.put("DATA_DIR", Files.createTempDirectory("stream-bench").toString());
      env.put("LOG_LEVEL", "WARN");
      var startup = Main.Startup.from(env);
      try (var app = Main.wire(startup, Main.anthropic(startup.config()))) {
        var http = HttpClient.newHttpClient();
        String body = "{\"prompt\":\"go\",\"stream\":true,\"options\":{\"include_partial_messages\":true,\"allowed_tools\":[]}}";
        double[] micros = new double[n];
        for (int i = -20; i < n; i++) {   // 20 warm-up rounds
          var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/execute/sdk"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
          var response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
          long received = 0;
          try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
              if (received == 0 && line.startsWith("data: ") && line.contains("\"content_block_delta\"")) received = System.nanoTime();
            }
          }
          if (i >= 0) micros[i] = (received - claude.firstDeltaNanos()) / 1_000.0;
        }
        Arrays.sort(micros);
        System.out.printf("first token -> first SSE byte at the client, %d runs: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (target p50 < 5 ms: %s)%n",
            n, micros[n / 2] / 1000, micros[(int) (n * 0.9)] / 1000, micros[(int) (n * 0.99)] / 1000, micros[n - 1] / 1000,
            micros[n / 2] / 1000 < 5 ? "PASS" : "MISS");
      }
    }
  }
}
