package sandboxexecutor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  @Test
  void trace_export_is_off_by_default_and_takes_the_standard_opentelemetry_variables() {
    assertEquals(new Config.TraceExport(Optional.empty(), Map.of(), "sandbox-executor", 1.0), Config.from(Map.of()).traceExport());
    var c = Config.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
        "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Basic%20dXNlcjpw+c3M=, x-tenant = acme",
        "OTEL_SERVICE_NAME", "executor-eu", "OTEL_TRACES_SAMPLER_ARG", "0.25"));
    var t = c.traceExport();
    assertEquals(Optional.of(URI.create("http://collector:4318/v1/traces")), t.endpoint());
    assertEquals("Basic dXNlcjpw+c3M=", t.headers().get("authorization").reveal());
    assertEquals("acme", t.headers().get("x-tenant").reveal());
    assertEquals(List.of("executor-eu", 0.25), List.of(t.serviceName(), t.sampleRatio()));
    assertFalse(c.toString().contains("dXNlcjpw"), "header values are secrets");
    // the traces endpoint is used as it is, and wins
    assertEquals(Optional.of(URI.create("https://otel.example.com/custom/traces")), Config.from(Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://otel.example.com/custom/traces")).traceExport().endpoint());
  }

  @Test
  void bad_trace_export_values_fail_naming_the_variable_without_echoing_header_values() {
    for (var bad : List.of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://user:pw@collector/v1/traces"),
        Map.of("OTEL_TRACES_SAMPLER_ARG", "1.5"), Map.of("OTEL_TRACES_SAMPLER_ARG", "-1"))) {
      String key = bad.keySet().iterator().next();
      assertTrue(assertThrows(IllegalArgumentException.class, () -> Config.from(bad)).getMessage().startsWith(key + ":"), key);
    }
    for (String headers : List.of("authorization", "authorization=Bearer%zzsecret-77", "=secret-77")) {
      String message = assertThrows(IllegalArgumentException.class,
          () -> Config.from(Map.of("OTEL_EXPORTER_OTLP_HEADERS", headers))).getMessage();
      assertTrue(message.startsWith("OTEL_EXPORTER_OTLP_HEADERS:") && !message.contains("secret-77"), message);
    }
  }
}
