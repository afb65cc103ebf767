package sandboxexecutor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the service reads from its environment, parsed and checked once. {@link #from} takes a map so
 * tests never touch the process environment; a bad value fails start-up with the variable's name.
 */
public record Config(
    String host,
    int port,
    Optional<Secret> apiKey,
    Optional<String> anthropicBaseUrl,
    int anthropicMaxRetries,
    Duration maxExecutionTime,
    boolean allowPrivateNetworks,
    Path dataDir,
    long maxBodyBytes,
    ModelCatalog models,
    String defaultModel,
    String smallModel,
    long defaultMaxTokens,
    SandboxSettings sandbox,
    Optional<Secret> gitToken,
    java.util.List<String> gitTokenHosts,
    java.net.URI githubUrl,
    Storage storage,
    Dispatch dispatch,
    AccessSettings access,
    Logging logging,
    TraceExport traceExport,
    InstanceConfig instanceConfig) {

  /**
   * API keys, protected mode, per-key limits and CORS as written; auth/Access reads the keys file and checks them,
   * so every error there names its variable too.
   */
  public record AccessSettings(String host, Optional<String> apiKeys, Path keysFile, boolean keysFileExplicit,
                               boolean disabled, int ratePerMinute, int maxConcurrentPerKey,
                               Optional<Double> dailyBudgetUsd, Optional<String> corsOrigins) {}

  /** LOG_FORMAT (text or json lines) and LOG_LEVEL. */
  public record Logging(String format, String level) {}

  /**
   * Spans sent over OTLP/HTTP to {@code endpoint} (the full URL, {@code .../v1/traces}); none without it. Header
   * values are secrets: they usually carry the collector's credentials. {@code sampleRatio} samples root traces;
   * a caller's sampled flag decides for its own.
   */
  public record TraceExport(Optional<java.net.URI> endpoint, Map<String, Secret> headers, String serviceName,
                            double sampleRatio) {}

  /**
   * Where per-instance settings come from: the config service (cached for {@code cacheTtl}, each fetch bounded by
   * {@code serviceTimeout}), else, or while it never answered, the file; else built-in defaults.
   */
  public record InstanceConfig(Optional<java.net.URI> serviceUrl, Optional<Secret> serviceToken, Duration cacheTtl,
                               Duration serviceTimeout,
                               Optional<Path> file) {}

  /** Where records and artifacts live: SQLite in DATA_DIR unless DATABASE_URL; a local directory unless RESULTS_BUCKET. */
  public record Storage(Optional<Secret> databaseUrl, Optional<String> resultsBucket, Optional<String> resultsEndpoint,
                        Optional<String> resultsRegion, Optional<String> resultsAccessKeyId,
                        Optional<Secret> resultsSecretAccessKey, String resultsPrefix, int resultsTtlDays) {}

  /**
   * How executions are queued and delivered. Concurrency limits are per mode; callers past them wait in one
   * bounded queue.
   */
  public record Dispatch(int maxConcurrent, int maxConcurrentSandbox, int maxQueued, Optional<Secret> callbackSecret,
                         int callbackMaxAttempts, Duration callbackBackoff, Duration shutdownGrace,
                         Duration heartbeat) {}

  /** Sandbox mode settings; limits are defaults that requests may lower but never raise. */
  public record SandboxSettings(String backend, Path bwrap, boolean network, int firstUid, int uidCount, boolean keepWorkspaces,
                                Duration commandTimeout, long memoryBytes, int maxProcesses, Duration cpuTime,
                                long maxFileBytes, int maxOutputBytes) {}

  public static final String VERSION = Optional.ofNullable(Config.class.getPackage().getImplementationVersion())
      .orElse("dev");

  public static Config from(Map<String, String> env) {
    var p = new Parser(env);
    var aliases = new LinkedHashMap<>(Map.of("opus", "claude-opus-5-5", "sonnet", "claude-sonnet-5-5", "haiku", "claude-haiku-5-5"));
    for (String pair : p.optional("MODEL_ALIASES").map(v -> v.split(",")).orElse(new String[0])) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
        throw new IllegalArgumentException("MODEL_ALIASES: expected alias=model_id pairs separated by commas, got '" + pair + "'");
      }
      aliases.put(kv[0].trim(), kv[1].trim());
    }
    var models = ModelCatalog.load(aliases, p.optional("MODEL_PRICES_FILE").map(Path::of).orElse(null),
        p.decimal("WEB_SEARCH_USD_PER_REQUEST", 0.01));
    String defaultModel = p.string("DEFAULT_MODEL", "sonnet");
    String smallModel = p.string("SMALL_MODEL", "haiku");
    for (var entry : Map.of("DEFAULT_MODEL", defaultModel, "SMALL_MODEL", smallModel).entrySet()) {
      if (!models.accepts(entry.getValue())) {
        throw new IllegalArgumentException(entry.getKey() + ": '" + entry.getValue() + "' is neither an alias nor a model id");
      }
    }
    var sandbox = new SandboxSettings(
        p.choice("SANDBOX_BACKEND", "bwrap", "bwrap"),
        Path.of(p.string("SANDBOX_BWRAP", "/usr/bin/bwrap")),
        p.choice("SANDBOX_NETWORK", "deny", "deny", "allow").equals("allow"),
        (int) p.number("SANDBOX_FIRST_UID", 200_000, 1_000, 2_000_000_000),
        (int) p.number("SANDBOX_UID_COUNT", 1_000, 1, 100_000),
        p.bool("SANDBOX_KEEP_WORKSPACES", false),
        Duration.ofMillis(p.number("SANDBOX_COMMAND_TIMEOUT_MS", 120_000, 1_000, 3_600_000)),
        p.number("SANDBOX_MEMORY_MB", 2048, 16, 1 << 20) << 20,
        (int) p.number("SANDBOX_MAX_PROCESSES", 256, 8, 100_000),
        Duration.ofSeconds(p.number("SANDBOX_CPU_SECONDS", 600, 1, 86_400)),
        p.number("SANDBOX_MAX_FILE_MB", 256, 1, 1 << 20) << 20,
        (int) p.number("SANDBOX_MAX_OUTPUT_BYTES", 100_000, 1_000, 10_000_000));
    var githubUrl = httpUrl("GITHUB_URL", p.string("GITHUB_URL", "https://github.com"));
    return new Config(
        p.string("HOST", "127.0.0.1"),
        (int) p.number("PORT", 8787, 0, 65_535),
        p.optional("ANTHROPIC_API_KEY").map(Secret::new),
        p.optional("ANTHROPIC_BASE_URL"),
        (int) p.number("ANTHROPIC_MAX_RETRIES", 3, 0, 10),
        Duration.ofMillis(p.number("MAX_EXECUTION_TIME", 300_000, 1_000, 86_400_000)),
        p.bool("ALLOW_PRIVATE_NETWORKS", false),
        Path.of(p.string("DATA_DIR", "./data")).toAbsolutePath().normalize(),
        p.number("MAX_BODY_BYTES", 1 << 20, 1_024, 64L << 20),
        models,
        defaultModel,
        smallModel,
        p.number("MAX_TOKENS", 8_192, 1, 128_000),
        sandbox,
        p.optional("GIT_TOKEN").map(Secret::new),
        java.util.List.of(p.string("GIT_TOKEN_HOSTS", githubUrl.getHost()).split(",")).stream().map(String::trim)
            .filter(h -> !h.isEmpty()).toList(),
        githubUrl,
        new Storage(p.optional("DATABASE_URL").map(Secret::new), p.optional("RESULTS_BUCKET"),
            p.optional("RESULTS_ENDPOINT"), p.optional("RESULTS_REGION"), p.optional("RESULTS_ACCESS_KEY_ID"),
            p.optional("RESULTS_SECRET_ACCESS_KEY").map(Secret::new), p.string("RESULTS_PREFIX", ""),
            (int) p.number("RESULTS_TTL_DAYS", 30, 0, 36_500)),
        new Dispatch((int) p.number("MAX_CONCURRENT_EXECUTIONS", 1_000, 1, 100_000),
            (int) p.number("MAX_CONCURRENT_SANDBOX_EXECUTIONS", 8, 1, 10_000),
            (int) p.number("MAX_QUEUED_EXECUTIONS", 1_000, 0, 1_000_000),
            p.optional("CALLBACK_SECRET").map(Secret::new),
            (int) p.number("CALLBACK_MAX_ATTEMPTS", 5, 1, 50),
            Duration.ofMillis(p.number("CALLBACK_BACKOFF_MS", 2_000, 1, 3_600_000)),
            Duration.ofMillis(p.number("SHUTDOWN_GRACE_MS", 30_000, 0, 3_600_000)),
            Duration.ofMillis(p.number("SSE_HEARTBEAT_MS", 15_000, 10, 600_000))),
        access(p),
        new Logging(p.choice("LOG_FORMAT", "text", "text", "json"),
            p.choice("LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error", "off").toUpperCase(Locale.ROOT)),
        traceExport(p),
        new InstanceConfig(p.optional("CONFIG_SERVICE_URL").map(v -> httpUrl("CONFIG_SERVICE_URL", v)),
            p.optional("CONFIG_SERVICE_TOKEN").map(Secret::new),
            Duration.ofSeconds(p.number("CONFIG_CACHE_TTL_SECONDS", 60, 0, 86_400)),
            Duration.ofMillis(p.number("CONFIG_SERVICE_TIMEOUT_MS", 2_000, 50, 60_000)),
            p.optional("INSTANCE_CONFIG_FILE").map(Path::of)));
  }

  private static AccessSettings access(Parser p) {
    return new AccessSettings(p.string("HOST", "127.0.0.1"), p.optional("API_KEYS"), keysFile(p.env()),
        p.optional("API_KEYS_FILE").isPresent(), p.bool("AUTH_DISABLED", false),
        (int) p.number("RATE_LIMIT_PER_MINUTE", 600, 0, 1_000_000),
        (int) p.number("MAX_CONCURRENT_PER_KEY", 50, 0, 1_000_000),
        p.optional("DAILY_BUDGET_USD").map(v -> p.decimal("DAILY_BUDGET_USD", 0)), p.optional("CORS_ORIGINS"));
  }

  /** The standard OpenTelemetry variable names, so a collector's usual settings work as they are. */
  private static TraceExport traceExport(Parser p) {
    var endpoint = p.optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .map(v -> httpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", v))
        .or(() -> p.optional("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(v -> java.net.URI.create(httpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", v) + "/v1/traces")));
    var headers = new LinkedHashMap<String, Secret>();
    for (String pair : p.optional("OTEL_EXPORTER_OTLP_HEADERS").map(v -> v.split(",")).orElse(new String[0])) {
      String[] kv = pair.split("=", 2);
      try {
        if (kv.length != 2 || kv[0].isBlank()) throw new IllegalArgumentException();
        // percent-decoded, as the specification asks; a '+' stays one (base64 credentials)
        headers.put(kv[0].trim(), new Secret(java.net.URLDecoder.decode(kv[1].trim().replace("+", "%2B"),
            java.nio.charset.StandardCharsets.UTF_8)));
      } catch (IllegalArgumentException e) {
        // the value is not echoed: it holds credentials
        throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas, "
            + "values percent-encoded");
      }
    }
    double ratio = p.decimal("OTEL_TRACES_SAMPLER_ARG", 1.0);
    if (ratio > 1) throw new IllegalArgumentException("OTEL_TRACES_SAMPLER_ARG: must be between 0 and 1, got " + ratio);
    return new TraceExport(endpoint, Map.copyOf(headers), p.string("OTEL_SERVICE_NAME", "sandbox-executor"), ratio);
  }

  /** {@code API_KEYS_FILE}, else {@code <DATA_DIR>/api-keys.tsv}; also used by the {@code keys} command. */
  public static Path keysFile(Map<String, String> env) {
    var p = new Parser(env);
    return p.optional("API_KEYS_FILE").map(Path::of)
        .orElseGet(() -> Path.of(p.string("DATA_DIR", "./data")).resolve("api-keys.tsv")).toAbsolutePath().normalize();
  }

  private static java.net.URI httpUrl(String name, String value) {
    try {
      var uri = new java.net.URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + ": expected an http(s) URL without query or credentials, got '" + value + "'");
  }

  /** Reads typed values and names the variable in every error. Blank counts as unset. */
  private record Parser(Map<String, String> env) {
    Optional<String> optional(String key) {
      return Optional.ofNullable(env.get(key)).map(String::trim).filter(v -> !v.isEmpty());
    }

    String string(String key, String fallback) {
      return optional(key).orElse(fallback);
    }

    long number(String key, long fallback, long min, long max) {
      return optional(key).map(v -> (long) integer(key, v, min, max)).orElse(fallback);
    }

    int integer(String key, String value, long min, long max) {
      long n;
      try {
        n = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + ": expected a whole number, got '" + value + "'");
      }
      if (n < min || n > max) throw new IllegalArgumentException(key + ": must be between " + min + " and " + max + ", got " + n);
      return (int) Math.min(n, Integer.MAX_VALUE);
    }

    double decimal(String key, double fallback) {
      return optional(key).map(v -> {
        try {
          double d = Double.parseDouble(v);
          if (d < 0 || !Double.isFinite(d)) throw new NumberFormatException();
          return d;
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(key + ": expected a non-negative number, got '" + v + "'");
        }
      }).orElse(fallback);
    }

    boolean bool(String key, boolean fallback) {
      return optional(key).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new IllegalArgumentException(key + ": expected true or false, got '" + v + "'");
      }).orElse(fallback);
    }

    String choice(String key, String fallback, String... allowed) {
      String v = string(key, fallback).toLowerCase(Locale.ROOT);
      for (String a : allowed) if (a.equals(v)) return v;
      throw new IllegalArgumentException(key + ": expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }
  }
}
