package sandboxexecutor.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.config.Config;

/** Parsing API_KEYS, API_KEYS_FILE, the limits and CORS_ORIGINS as start-up does: Config.from, then Access.from. */
class AccessTest {
  @TempDir Path dir;

  Access access(Map<String, String> env) {
    var all = new java.util.HashMap<>(env);
    all.putIfAbsent("DATA_DIR", dir.toString());
    return Access.from(Config.from(all).access());
  }

  @Test
  void api_keys_and_the_keys_file_become_hashed_keys_with_their_limits() throws Exception {
    Path file = dir.resolve("keys.tsv");
    Files.writeString(file, "# comment\n\nci\t" + ApiKey.sha256Hex("sk-se-file-key-0123456789") + "\tprod\trpm=10,concurrent=2,daily_usd=5.5\n");
    var access = access(Map.of("API_KEYS", "dev:sk-se:with:colons-0123456789:default", "API_KEYS_FILE", file.toString(),
        "RATE_LIMIT_PER_MINUTE", "100", "MAX_CONCURRENT_PER_KEY", "7", "DAILY_BUDGET_USD", "2"));
    assertEquals(List.of(
        new ApiKey("dev", ApiKey.sha256Hex("sk-se:with:colons-0123456789"), "default", 100, 7, Optional.of(2.0)),
        new ApiKey("ci", ApiKey.sha256Hex("sk-se-file-key-0123456789"), "prod", 10, 2, Optional.of(5.5))), access.keys());
    assertFalse(access.protectedMode());
    assertFalse(access.keys().toString().contains(ApiKey.sha256Hex("sk-se-file-key-0123456789")), "toString leaves hashes out");
  }

  @Test
  void the_defaults_are_600_per_minute_50_concurrent_no_budget_no_cors_protected_mode() {
    var access = access(Map.of());
    assertEquals(new Access(List.of(), false, dir.resolve("api-keys.tsv"), 600, 50, Optional.empty(), List.of()), access);
    assertTrue(access.protectedMode());
  }

  @Test
  void the_default_keys_file_in_the_data_directory_is_read_when_it_exists() throws Exception {
    Files.writeString(dir.resolve("api-keys.tsv"), "ci\t" + ApiKey.sha256Hex("sk-se-0123456789abcdef") + "\tdefault\n");
    assertEquals(1, access(Map.of()).keys().size());
  }

  @Test
  void bad_entries_fail_naming_the_variable_without_echoing_the_key() throws Exception {
    for (var bad : List.of("nokey", "a:b", "a:short:inst", "bad name:sk-se-0123456789abcdef:inst", "x:sk-se-0123456789abcdef:bad/inst")) {
      var e = assertThrows(IllegalArgumentException.class, () -> access(Map.of("API_KEYS", bad)));
      assertTrue(e.getMessage().startsWith("API_KEYS"), e.getMessage());
      assertFalse(e.getMessage().contains("0123456789abcdef"), e.getMessage());
    }
    var dup = assertThrows(IllegalArgumentException.class,
        () -> access(Map.of("API_KEYS", "a:sk-se-0123456789abcdef:i,a:sk-se-0123456789abcdeX:i")));
    assertTrue(dup.getMessage().contains("used twice"));
    Path file = dir.resolve("bad.tsv");
    Files.writeString(file, "ci\tnot-a-hash\tdefault\n");
    var e = assertThrows(IllegalArgumentException.class, () -> access(Map.of("API_KEYS_FILE", file.toString())));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    Files.writeString(file, "ci\t" + ApiKey.sha256Hex("k") + "\tdefault\tburst=3\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> access(Map.of("API_KEYS_FILE", file.toString())))
        .getMessage().contains("unknown limit 'burst=3'"));
    assertThrows(IllegalArgumentException.class, () -> access(Map.of("API_KEYS_FILE", dir.resolve("missing.tsv").toString())));
    assertThrows(IllegalArgumentException.class, () -> access(Map.of("CORS_ORIGINS", "app.example.com")));
  }

  @Test
  void only_loopback_hosts_may_run_without_keys() {
    for (String host : List.of("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2")) {
      assertTrue(access(Map.of("HOST", host)).protectedMode(), host);
    }
    for (String host : List.of("0.0.0.0", "::", "10.0.0.1", "example.com")) {
      assertThrows(IllegalArgumentException.class, () -> access(Map.of("HOST", host)), host);
      assertTrue(access(Map.of("HOST", host, "AUTH_DISABLED", "true")).disabled());
    }
  }

  @Test
  void cors_origins_are_a_trimmed_allow_list() {
    assertEquals(List.of("https://a.example.com", "http://localhost:3000"),
        access(Map.of("CORS_ORIGINS", " https://a.example.com/ ,http://localhost:3000")).corsOrigins());
  }
}
