package sandboxexecutor.instances;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.protocol.Json;

/**
 * INSTANCE_CONFIG_FILE: {@code {"instances": {"<id>": {...}, "default": {...}}}} in JSON or YAML (by extension:
 * {@code .yaml}/{@code .yml} is YAML). Read once at start-up; a bad file stops start-up with its path and field.
 */
public final class InstanceFile {
  private InstanceFile() {}

  public static Map<String, InstanceSettings> load(Path file, ModelCatalog models, Set<String> knownTools) {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : Json.MAPPER;
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("INSTANCE_CONFIG_FILE " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.path("instances").isObject() || root.size() != 1) {
      throw new IllegalArgumentException("INSTANCE_CONFIG_FILE " + file + ": expected {\"instances\": {\"<id>\": {...}}}");
    }
    var out = new LinkedHashMap<String, InstanceSettings>();
    root.get("instances").properties().forEach(e ->
        out.put(e.getKey(), InstanceSettings.parse(e.getValue(), "INSTANCE_CONFIG_FILE instances." + e.getKey(), models, knownTools)));
    return Map.copyOf(out);
  }

  /** The instance's entry, else the "default" entry, else none. */
  static Optional<InstanceSettings> lookup(Map<String, InstanceSettings> entries, String instanceId) {
    return Optional.ofNullable(entries.getOrDefault(instanceId, entries.get("default")));
  }
}
