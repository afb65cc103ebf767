package sandboxexecutor.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Model aliases and list prices, as data: the bundled {@code models.tsv}, then an operator's file on top.
 * Unknown ids are priced like the newest model of their family (from the id), so a new model never costs zero.
 */
public final class ModelCatalog {
  private static final Pattern MODEL_ID = Pattern.compile("claude-[a-z0-9][a-z0-9.@-]{1,80}");

  /** USD per million tokens. {@code longContext} (nullable) prices prompts above {@code longContextAbove} tokens. */
  public record Price(String family, double input, double output, double cacheWrite5m, double cacheWrite1h,
                      double cacheRead, long maxOutputTokens, long longContextAbove, Price longContext) {}

  private final Map<String, String> aliases;
  private final Map<String, Price> prices;
  private final double webSearchUsdPerRequest;

  ModelCatalog(Map<String, String> aliases, Map<String, Price> prices, double webSearchUsdPerRequest) {
    this.aliases = Map.copyOf(aliases);
    this.prices = Map.copyOf(prices);
    this.webSearchUsdPerRequest = webSearchUsdPerRequest;
  }

  public static ModelCatalog load(Map<String, String> aliases, Path overrides, double webSearchUsdPerRequest) {
    var rows = new LinkedHashMap<String, String[]>();
    try (var in = ModelCatalog.class.getResourceAsStream("/models.tsv")) {
      readRows(new InputStreamReader(Objects.requireNonNull(in, "models.tsv"), StandardCharsets.UTF_8), rows);
      if (overrides != null) {
        try (Reader r = Files.newBufferedReader(overrides)) {
          readRows(r, rows);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("MODEL_PRICES_FILE: cannot read " + overrides + ": " + e.getMessage(), e);
    }
    var tiers = new HashMap<String, String[]>();
    var prices = new HashMap<String, Price>();
    rows.forEach((id, row) -> {
      if (id.contains("@")) tiers.put(id, row);
    });
    rows.forEach((id, row) -> {
      if (id.contains("@")) return;
      Price longContext = null;
      long above = Long.MAX_VALUE;
      for (var tier : tiers.entrySet()) {
        if (tier.getKey().startsWith(id + "@")) {
          above = Long.parseLong(tier.getKey().substring(id.length() + 1));
          longContext = price(tier.getValue(), Long.MAX_VALUE, null);
        }
      }
      prices.put(id, price(row, above, longContext));
    });
    for (var alias : aliases.entrySet()) {
      if (!prices.containsKey(alias.getValue())) {
        throw new IllegalArgumentException("MODEL_ALIASES: " + alias.getKey() + " points at " + alias.getValue()
            + ", which has no price row (add it with MODEL_PRICES_FILE)");
      }
    }
    return new ModelCatalog(aliases, prices, webSearchUsdPerRequest);
  }

  private static void readRows(Reader reader, Map<String, String[]> rows) throws IOException {
    var lines = new BufferedReader(reader);
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.isBlank() || line.startsWith("#") || line.startsWith("model_id")) continue;
      String[] cols = line.split("\t");
      if (cols.length < 8) throw new IOException("expected 8 tab-separated columns: " + line);
      rows.put(cols[0].trim(), cols);
    }
  }

  private static Price price(String[] c, long above, Price longContext) {
    return new Price(c[1], d(c[2]), d(c[3]), d(c[4]), d(c[5]), d(c[6]), Long.parseLong(c[7].trim()), above, longContext);
  }

  private static double d(String s) {
    return Double.parseDouble(s.trim());
  }

  /** True for an alias or a well-formed model id. */
  public boolean accepts(String aliasOrId) {
    return aliases.containsKey(aliasOrId) || MODEL_ID.matcher(aliasOrId).matches();
  }

  public String resolve(String aliasOrId) {
    return aliases.getOrDefault(aliasOrId, aliasOrId);
  }

  public Map<String, String> aliases() {
    return aliases;
  }

  public double webSearchUsdPerRequest() {
    return webSearchUsdPerRequest;
  }

  /** The price of {@code modelId}; an unknown id falls back to the newest known model of its family. */
  public Price price(String modelId) {
    Price known = prices.get(modelId);
    if (known != null) return known;
    String family = modelId.toLowerCase(Locale.ROOT).replaceFirst("^claude-(?:[0-9.-]+-)?([a-z]+).*$", "$1");
    String fallback = aliases.getOrDefault(family, aliases.get("sonnet"));
    return prices.get(fallback);
  }
}
