package sandboxexecutor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObservabilityConfigTest {
  @Test
  void logging_and_instance_config_default_to_text_info_and_no_sources() {
    var c = Config.from(Map.of());
    assertEquals(new Config.Logging("text", "INFO"), c.logging());
    assertEquals(new Config.InstanceConfig(Optional.empty(), Optional.empty(), Duration.ofSeconds(60), Duration.ofMillis(2000), Optional.empty()),
        c.instanceConfig());
  }

  @Test
  void the_variables_are_parsed_and_checked() {
    var c = Config.from(Map.of("LOG_FORMAT", "JSON", "LOG_LEVEL", "debug", "CONFIG_SERVICE_URL", "https://config.internal/v1/",
        "CONFIG_CACHE_TTL_SECONDS", "5", "CONFIG_SERVICE_TIMEOUT_MS", "250", "INSTANCE_CONFIG_FILE", "/etc/se/instances.yaml"));
    assertEquals(new Config.Logging("json", "DEBUG"), c.logging());
    assertEquals(new Config.InstanceConfig(Optional.of(URI.create("https://config.internal/v1")), Optional.empty(), Duration.ofSeconds(5),
        Duration.ofMillis(250), Optional.of(Path.of("/etc/se/instances.yaml"))), c.instanceConfig());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("LOG_FORMAT", "xml"))).getMessage()
        .startsWith("LOG_FORMAT"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("CONFIG_SERVICE_URL", "ftp://x")))
        .getMessage().startsWith("CONFIG_SERVICE_URL"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("CONFIG_SERVICE_URL", "https://u:p@x")))
        .getMessage().startsWith("CONFIG_SERVICE_URL"));
  }
}
