package sandboxexecutor.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Reads the fields of one JSON object, checking type and range and naming the field in every error
 * ({@code options.max_turns must be ...}). Unknown fields are refused, so a typo never passes silently.
 */
final class JsonFields {
  static final int MAX_TEXT = 500_000;
  private final JsonNode node;
  private final String path;
  private final Set<String> read = new HashSet<>();

  JsonFields(JsonNode node, String path) {
    if (node == null || !node.isObject()) throw invalid(path.isEmpty() ? "The body must be a JSON object" : path + " must be a JSON object");
    this.node = node;
    this.path = path;
  }

  private String name(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private JsonNode get(String field) {
    read.add(field);
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  String requiredText(String field) {
    String value = text(field, MAX_TEXT);
    if (value == null || value.isBlank()) throw invalid(name(field) + " is required and must be a non-blank string");
    return value;
  }

  String text(String field, int maxLength) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isTextual()) throw invalid(name(field) + " must be a string");
    if (value.asText().length() > maxLength) throw invalid(name(field) + " is longer than " + maxLength + " characters");
    if (value.asText().indexOf('\0') >= 0) throw invalid(name(field) + " must not contain NUL characters");
    return value.asText();
  }

  Long integer(String field, long min, long max) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isIntegralNumber() || !value.canConvertToLong()) throw invalid(name(field) + " must be a whole number");
    long n = value.asLong();
    if (n < min || n > max) throw invalid(name(field) + " must be between " + min + " and " + max + ", got " + n);
    return n;
  }

  Double number(String field, double minExclusive, double max) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isNumber()) throw invalid(name(field) + " must be a number");
    double d = value.asDouble();
    if (!(d > minExclusive) || d > max) throw invalid(name(field) + " must be greater than " + minExclusive + " and at most " + max);
    return d;
  }

  Boolean bool(String field) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isBoolean()) throw invalid(name(field) + " must be true or false");
    return value.asBoolean();
  }

  List<String> strings(String field, int maxItems, int maxLength) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isArray()) throw invalid(name(field) + " must be an array of strings");
    if (value.size() > maxItems) throw invalid(name(field) + " has more than " + maxItems + " items");
    var out = new ArrayList<String>();
    for (JsonNode item : value) {
      if (!item.isTextual()) throw invalid(name(field) + " must contain only strings");
      if (item.asText().length() > maxLength) throw invalid(name(field) + " has an item longer than " + maxLength + " characters");
      out.add(item.asText());
    }
    return out;
  }

  Map<String, String> stringMap(String field, int maxItems, int maxLength) {
    JsonNode value = get(field);
    if (value == null) return null;
    if (!value.isObject()) throw invalid(name(field) + " must be an object of string values");
    if (value.size() > maxItems) throw invalid(name(field) + " has more than " + maxItems + " entries");
    var out = new LinkedHashMap<String, String>();
    for (var entry : value.properties()) {
      if (!entry.getValue().isTextual()) throw invalid(name(field) + "." + entry.getKey() + " must be a string");
      if (entry.getValue().asText().length() > maxLength) throw invalid(name(field) + "." + entry.getKey() + " is too long");
      out.put(entry.getKey(), entry.getValue().asText());
    }
    return out;
  }

  JsonFields object(String field) {
    JsonNode value = get(field);
    return value == null ? null : new JsonFields(value, name(field));
  }

  /** Refuses fields this reader did not ask for. Call after reading every known field. */
  void rejectUnknown() {
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!read.contains(field)) {
        throw invalid("Unknown field " + name(field) + "; accepted fields" + (path.isEmpty() ? "" : " of " + path)
            + ": " + String.join(", ", read.stream().sorted().toList()));
      }
    }
  }

  static ExecutorException invalid(String message) {
    return ExecutorException.invalid(message);
  }
}
