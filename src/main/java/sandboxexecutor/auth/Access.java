package sandboxexecutor.auth;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import sandboxexecutor.config.Config.AccessSettings;

/**
 * Who may call the server and how much: API keys (from {@code API_KEYS} and {@code API_KEYS_FILE}), whether auth
 * is explicitly off, the default per-key limits, and the CORS allow-list. Built once at start-up from Config's
 * settings.
 *
 * <p>With no keys and auth not disabled the server is in protected mode: it must listen on loopback and serves
 * only loopback callers, as Redis does.
 */
public record Access(List<ApiKey> keys, boolean disabled, Path keysFile, int ratePerMinute, int maxConcurrentPerKey,
                     Optional<Double> dailyBudgetUsd, List<String> corsOrigins) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9._:-]{1,200}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Access {
    keys = List.copyOf(keys);
    corsOrigins = List.copyOf(corsOrigins);
  }

  /** Protected mode: no keys, auth not disabled. */
  public boolean protectedMode() {
    return keys.isEmpty() && !disabled;
  }

  /**
   * Reads the keys file and checks everything, including that a server without keys listens on loopback only; an
   * {@link IllegalArgumentException} names the variable (and line) but never echoes a key or a hash.
   */
  public static Access from(AccessSettings s) {
    var access = read(s);
    if (access.protectedMode() && !isLoopback(s.host())) {
      throw new IllegalArgumentException("HOST=" + s.host() + " would expose the server without authentication, and no"
          + " API key is configured. Create one with `bin/keys create <name> <instance_id>` (`java -jar sandbox-executor.jar keys create …` where only the jar is)"
          + " (it prints the key once and stores its hash in API_KEYS_FILE, default " + s.keysFile() + "), or set"
          + " API_KEYS=name:key:instance_id; set AUTH_DISABLED=true only if something in front of the server authenticates callers");
    }
    return access;
  }

  /**
   * Reads and checks the keys and CORS origins, as {@link #from} does, but accepts no keys on any host: a running
   * server whose last key was revoked falls back to serving loopback callers only.
   */
  public static Access read(AccessSettings s) {
    var keys = new ArrayList<ApiKey>();
    s.apiKeys().ifPresent(v -> keys.addAll(parseEnv(v, s)));
    if (Files.exists(s.keysFile())) keys.addAll(parseFile(s.keysFile(), s));
    else if (s.keysFileExplicit()) throw new IllegalArgumentException("API_KEYS_FILE: " + s.keysFile() + " does not exist");
    var names = new HashSet<String>();
    var hashes = new HashSet<String>();
    for (ApiKey k : keys) {
      if (!names.add(k.name())) throw new IllegalArgumentException("API keys: the name '" + k.name() + "' is used twice");
      if (!hashes.add(k.sha256Hex())) throw new IllegalArgumentException("API keys: key '" + k.name() + "' is the same key as another one");
    }
    var origins = s.corsOrigins().map(v -> List.of(v.split(","))).orElse(List.of()).stream().map(String::trim)
        .filter(o -> !o.isEmpty()).map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o).toList();
    for (String o : origins) {
      if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
        throw new IllegalArgumentException("CORS_ORIGINS: expected origins such as https://app.example.com, got '" + o + "'");
      }
    }
    return new Access(keys, s.disabled(), s.keysFile(), s.ratePerMinute(), s.maxConcurrentPerKey(),
        s.dailyBudgetUsd(), origins);
  }

  /** {@code name:key:instance_id}, comma-separated; the key is everything between the first and the last colon. */
  private static List<ApiKey> parseEnv(String value, AccessSettings s) {
    var out = new ArrayList<ApiKey>();
    int n = 0;
    for (String entry : value.split(",")) {
      n++;
      entry = entry.trim();
      if (entry.isEmpty()) continue;
      int first = entry.indexOf(':');
      int last = entry.lastIndexOf(':');
      if (first < 1 || last == first || last == entry.length() - 1) {
        throw new IllegalArgumentException("API_KEYS entry " + n + ": expected name:key:instance_id");
      }
      String key = entry.substring(first + 1, last);
      if (key.length() < 16) throw new IllegalArgumentException("API_KEYS entry " + n + ": the key must be at least 16 characters");
      out.add(key("API_KEYS entry " + n, entry.substring(0, first), ApiKey.sha256Hex(key), entry.substring(last + 1), "", s));
    }
    return out;
  }

  /** Lines {@code name<TAB>sha256-hex<TAB>instance_id[<TAB>rpm=N,concurrent=N,daily_usd=X]}; blank and # lines skipped. */
  private static List<ApiKey> parseFile(Path file, AccessSettings s) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("API_KEYS_FILE: cannot read " + file + ": " + e.getMessage());
    }
    var out = new ArrayList<ApiKey>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String where = "API_KEYS_FILE " + file + " line " + (i + 1);
      String[] f = line.split("\t");
      if (f.length < 3 || f.length > 4) throw new IllegalArgumentException(where + ": expected name<TAB>sha256<TAB>instance_id[<TAB>limits]");
      String hash = f[1].trim().toLowerCase(Locale.ROOT);
      if (!HEX.matcher(hash).matches()) throw new IllegalArgumentException(where + ": the second field must be 64 hex digits (SHA-256 of the key)");
      out.add(key(where, f[0].trim(), hash, f[2].trim(), f.length == 4 ? f[3].trim() : "", s));
    }
    return out;
  }

  private static ApiKey key(String where, String name, String hash, String instance, String limits, AccessSettings s) {
    invalidEntry(name, instance).ifPresent(problem -> {
      throw new IllegalArgumentException(where + ": " + problem);
    });
    int rpm = s.ratePerMinute();
    int concurrent = s.maxConcurrentPerKey();
    Optional<Double> budget = s.dailyBudgetUsd();
    for (String limit : limits.isEmpty() ? new String[0] : limits.split(",")) {
      String[] kv = limit.trim().split("=", 2);
      try {
        switch (kv.length == 2 ? kv[0].trim() : "") {
          case "rpm" -> rpm = nonNegative(Integer.parseInt(kv[1].trim()));
          case "concurrent" -> concurrent = nonNegative(Integer.parseInt(kv[1].trim()));
          case "daily_usd" -> budget = Optional.of((double) nonNegative(Double.parseDouble(kv[1].trim())));
          default -> throw new IllegalArgumentException(where + ": unknown limit '" + limit.trim() + "'; accepted: rpm=N, concurrent=N, daily_usd=X");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": '" + limit.trim() + "' needs a non-negative number");
      }
    }
    return new ApiKey(name, hash, instance, rpm, concurrent, budget);
  }

  /** Why {@code name} and {@code instance} cannot name a key and its instance, or empty when they can. */
  static Optional<String> invalidEntry(String name, String instance) {
    if (!NAME.matcher(name).matches()) return Optional.of("the name must be 1-100 of A-Z a-z 0-9 . _ -");
    if (!INSTANCE.matcher(instance).matches()) return Optional.of("the instance_id must be 1-200 of A-Z a-z 0-9 . _ : -");
    return Optional.empty();
  }

  private static <N extends Number> N nonNegative(N n) {
    if (n.doubleValue() < 0 || !Double.isFinite(n.doubleValue())) throw new NumberFormatException();
    return n;
  }

  /** True for localhost and loopback IP literals; a host name other than localhost counts as exposed. */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) return true;
    if (!h.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) return false; // only literals: no DNS lookups here
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
