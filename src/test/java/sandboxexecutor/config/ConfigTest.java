package sandboxexecutor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @TempDir Path dir;

  @Test
  void defaults_match_the_documented_ones() {
    var c = Config.from(Map.of());
    assertEquals(8787, c.port());
    assertEquals("127.0.0.1", c.host());
    assertTrue(c.apiKey().isEmpty());
    assertEquals(Duration.ofMillis(300_000), c.maxExecutionTime());
    assertFalse(c.allowPrivateNetworks());
    assertEquals(1 << 20, c.maxBodyBytes());
    assertEquals("sonnet", c.defaultModel());
    assertEquals("claude-sonnet-5-5", c.models().resolve("sonnet"));
    assertEquals("claude-opus-5-5", c.models().resolve("opus"));
    assertEquals("claude-haiku-5-5", c.models().resolve("haiku"));
    assertFalse(c.sandbox().network());
    assertEquals(2048L << 20, c.sandbox().memoryBytes());
  }

  @Test
  void a_bad_value_fails_naming_the_variable() {
    assertEquals("PORT: expected a whole number, got 'eighty'",
        assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("PORT", "eighty"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("ALLOW_PRIVATE_NETWORKS", "maybe")))
        .getMessage().startsWith("ALLOW_PRIVATE_NETWORKS"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("SANDBOX_NETWORK", "sometimes")))
        .getMessage().startsWith("SANDBOX_NETWORK"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("MODEL_ALIASES", "sonnet=claude-unpriced-9")))
        .getMessage().startsWith("MODEL_ALIASES"));
  }

  @Test
  void the_api_key_never_prints() {
    var c = Config.from(Map.of("ANTHROPIC_API_KEY", "sk-ant-secret-value"));
    assertFalse(c.toString().contains("sk-ant-secret-value"));
    assertEquals("sk-ant-secret-value", c.apiKey().orElseThrow().reveal());
  }

  @Test
  void an_operator_price_file_overrides_and_adds_models_and_aliases_can_point_at_them() throws Exception {
    Path prices = Files.writeString(dir.resolve("prices.tsv"),
        "claude-sonnet-5-5\tsonnet\t1\t2\t3\t4\t5\t1000\nclaude-custom-1\tcustom\t7\t8\t9\t10\t11\t2000\n");
    var c = Config.from(Map.of("MODEL_PRICES_FILE", prices.toString(), "MODEL_ALIASES", "sonnet=claude-custom-1"));
    assertEquals("claude-custom-1", c.models().resolve("sonnet"));
    assertEquals(1.0, c.models().price("claude-sonnet-5-5").input());
    assertEquals(8.0, c.models().price("claude-custom-1").output());
    assertEquals(0.5, Config.from(Map.of()).models().price("claude-haiku-5-5").longContext().input(), "the long-context tier is data too");
  }

  @Test
  void dot_env_fills_in_what_the_environment_does_not_set() throws Exception {
    Path env = Files.writeString(dir.resolve(".env"), "# local\nPORT=9000\nexport HOST=0.0.0.0\nANTHROPIC_API_KEY=\"from-file\"\n");
    var merged = DotEnv.merge(env, Map.of("PORT", "9100"));
    assertEquals("9100", merged.get("PORT"));
    assertEquals("0.0.0.0", merged.get("HOST"));
    assertEquals("from-file", merged.get("ANTHROPIC_API_KEY"));
  }
}
