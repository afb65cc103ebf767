package sandboxexecutor.agent;

import com.anthropic.models.messages.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.protocol.Json;

/**
 * Tokens and cost of one execution, per model, from every model call it made (its own turns and the calls its
 * tools made). Thread-safe: tools of one turn may call the model concurrently.
 */
public final class UsageLedger {
  private static final double PER_TOKEN = 1e-6;

  private static final class Totals {
    long input, output, cacheRead, cacheCreation, cache5m, cache1h, webSearches;
    double costUsd;
  }

  private final ModelCatalog catalog;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Totals> byModel = new LinkedHashMap<>();

  public UsageLedger(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  /** Records one call's usage and returns its cost in USD. */
  public double add(String modelId, Usage usage) {
    long cacheRead = usage.cacheReadInputTokens().orElse(0L);
    long cacheCreation = usage.cacheCreationInputTokens().orElse(0L);
    long cache1h = usage.cacheCreation().map(c -> c.ephemeral1hInputTokens()).orElse(0L);
    long cache5m = usage.cacheCreation().map(c -> c.ephemeral5mInputTokens()).orElse(cacheCreation - cache1h);
    long webSearches = usage.serverToolUse().map(s -> s.webSearchRequests()).orElse(0L);
    var price = catalog.price(modelId);
    long prompt = usage.inputTokens() + cacheRead + cacheCreation;
    if (price.longContext() != null && prompt > price.longContextAbove()) price = price.longContext();
    // Writes whose lifetime the API did not report are priced at the 5-minute rate, as the Agent SDK does.
    long unattributedWrites = Math.max(0, cacheCreation - cache5m - cache1h);
    double cost = PER_TOKEN * (usage.inputTokens() * price.input() + usage.outputTokens() * price.output()
        + cacheRead * price.cacheRead() + (cache5m + unattributedWrites) * price.cacheWrite5m()
        + cache1h * price.cacheWrite1h())
        + webSearches * catalog.webSearchUsdPerRequest();
    lock.lock();
    try {
      Totals t = byModel.computeIfAbsent(modelId, k -> new Totals());
      t.input += usage.inputTokens();
      t.output += usage.outputTokens();
      t.cacheRead += cacheRead;
      t.cacheCreation += cacheCreation;
      t.cache5m += cache5m;
      t.cache1h += cache1h;
      t.webSearches += webSearches;
      t.costUsd += cost;
    } finally {
      lock.unlock();
    }
    return cost;
  }

  public double totalCostUsd() {
    lock.lock();
    try {
      return byModel.values().stream().mapToDouble(t -> t.costUsd).sum();
    } finally {
      lock.unlock();
    }
  }

  /** Summed usage in the Messages API's snake_case shape (the Agent SDK's NonNullableUsage). */
  public JsonNode usageJson() {
    lock.lock();
    try {
      var sum = new Totals();
      byModel.values().forEach(t -> {
        sum.input += t.input; sum.output += t.output; sum.cacheRead += t.cacheRead;
        sum.cacheCreation += t.cacheCreation; sum.cache5m += t.cache5m; sum.cache1h += t.cache1h;
        sum.webSearches += t.webSearches;
      });
      ObjectNode u = Json.MAPPER.createObjectNode();
      u.put("input_tokens", sum.input);
      u.put("output_tokens", sum.output);
      u.put("cache_creation_input_tokens", sum.cacheCreation);
      u.put("cache_read_input_tokens", sum.cacheRead);
      u.putObject("cache_creation").put("ephemeral_5m_input_tokens", sum.cache5m).put("ephemeral_1h_input_tokens", sum.cache1h);
      u.putObject("server_tool_use").put("web_search_requests", sum.webSearches).put("web_fetch_requests", 0);
      u.put("service_tier", "standard");
      return u;
    } finally {
      lock.unlock();
    }
  }

  /** Per-model usage in the Agent SDK's camelCase {@code ModelUsage} shape. */
  public Map<String, JsonNode> modelUsageJson() {
    lock.lock();
    try {
      var out = new LinkedHashMap<String, JsonNode>();
      byModel.forEach((model, t) -> {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("inputTokens", t.input);
        m.put("outputTokens", t.output);
        m.put("cacheReadInputTokens", t.cacheRead);
        m.put("cacheCreationInputTokens", t.cacheCreation);
        m.put("cacheCreationEphemeral5mInputTokens", t.cache5m);
        m.put("cacheCreationEphemeral1hInputTokens", t.cache1h);
        m.put("webSearchRequests", t.webSearches);
        m.put("costUSD", t.costUsd);
        m.put("contextWindow", 200_000);
        m.put("maxOutputTokens", catalog.price(model).maxOutputTokens());
        m.put("canonicalModel", model);
        out.put(model, m);
      });
      return out;
    } finally {
      lock.unlock();
    }
  }
}
