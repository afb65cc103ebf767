package sandboxexecutor.instances;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.protocol.SandboxRequest.LimitOverrides;

/**
 * What one instance (tenant) may do, as the operator configured it. Every field is optional (null: no instance
 * rule, the service's defaults apply). Requests can narrow these, never widen them.
 *
 * @param allowedModels      model aliases or ids the instance may use, compared as resolved ids; null: any
 * @param defaultModel       the model when the request names none; must be allowed
 * @param allowedTools       tool names the instance may use (of either mode); null: all the mode offers
 * @param defaultTools       the tools when the request names none (filtered by mode); null: the mode's defaults
 * @param maxTurns           a cap on options.max_turns, and the default when it is lower than the mode's
 * @param maxBudgetUsd       a cap on options.max_budget_usd, and its default
 * @param systemPromptAppend appended to every system prompt of the instance, after the request's own addition
 * @param sandboxLimits      caps below the operator's sandbox limits; null fields: the operator's
 */
public record InstanceSettings(
    List<String> allowedModels,
    String defaultModel,
    List<String> allowedTools,
    List<String> defaultTools,
    Integer maxTurns,
    Double maxBudgetUsd,
    String systemPromptAppend,
    LimitOverrides sandboxLimits) {

  /** No instance rules: the service's defaults. */
  public static final InstanceSettings NONE = new InstanceSettings(null, null, null, null, null, null, null, LimitOverrides.NONE);

  public InstanceSettings {
    allowedModels = allowedModels == null ? null : List.copyOf(allowedModels);
    allowedTools = allowedTools == null ? null : List.copyOf(allowedTools);
    defaultTools = defaultTools == null ? null : List.copyOf(defaultTools);
    sandboxLimits = sandboxLimits == null ? LimitOverrides.NONE : sandboxLimits;
  }

  private static final Set<String> FIELDS = Set.of("allowed_models", "default_model", "allowed_tools", "default_tools",
      "max_turns", "max_budget_usd", "system_prompt_append", "sandbox_limits");
  private static final Set<String> LIMIT_FIELDS =
      LimitOverrides.FIELDS.stream().map(LimitOverrides.Field::name).collect(Collectors.toUnmodifiableSet());

  /**
   * Reads one instance's settings strictly: an unknown field, a wrong type, an unknown model or tool is an
   * {@link IllegalArgumentException} naming {@code where}, so garbage from a config source is never half-applied.
   */
  public static InstanceSettings parse(JsonNode node, String where, ModelCatalog models, Set<String> knownTools) {
    if (node == null || !node.isObject()) throw new IllegalArgumentException(where + ": expected an object");
    unknown(node, FIELDS, where);
    List<String> allowedModels = strings(node, "allowed_models", where);
    if (allowedModels != null) for (String m : allowedModels) model(models, m, where + ".allowed_models");
    String defaultModel = text(node, "default_model", where);
    if (defaultModel != null) {
      model(models, defaultModel, where + ".default_model");
      if (allowedModels != null && allowedModels.stream().noneMatch(m -> models.resolve(m).equals(models.resolve(defaultModel)))) {
        throw new IllegalArgumentException(where + ".default_model: '" + defaultModel + "' is not in allowed_models");
      }
    }
    List<String> allowedTools = strings(node, "allowed_tools", where);
    List<String> defaultTools = strings(node, "default_tools", where);
    for (var list : List.of(allowedTools == null ? List.<String>of() : allowedTools, defaultTools == null ? List.<String>of() : defaultTools)) {
      for (String t : list) {
        if (!knownTools.contains(t)) throw new IllegalArgumentException(where + ": unknown tool '" + t + "'; known: " + knownTools);
      }
    }
    if (allowedTools != null && defaultTools != null && !allowedTools.containsAll(defaultTools)) {
      throw new IllegalArgumentException(where + ".default_tools: every default tool must be in allowed_tools");
    }
    Long maxTurns = number(node, "max_turns", where, 1, 1_000);
    JsonNode budget = node.get("max_budget_usd");
    Double maxBudget = null;
    if (budget != null && !budget.isNull()) {
      if (!budget.isNumber() || budget.asDouble() <= 0) throw new IllegalArgumentException(where + ".max_budget_usd: expected a number > 0");
      maxBudget = budget.asDouble();
    }
    String append = text(node, "system_prompt_append", where);
    LimitOverrides caps = LimitOverrides.NONE;
    JsonNode limits = node.get("sandbox_limits");
    if (limits != null && !limits.isNull()) {
      String w = where + ".sandbox_limits";
      if (!limits.isObject()) throw new IllegalArgumentException(w + ": expected an object");
      unknown(limits, LIMIT_FIELDS, w);
      caps = LimitOverrides.read(f -> number(limits, f.name(), w, f.min(), f.max()));
    }
    return new InstanceSettings(allowedModels, defaultModel, allowedTools, defaultTools,
        maxTurns == null ? null : maxTurns.intValue(), maxBudget, append, caps);
  }

  private static void model(ModelCatalog models, String m, String where) {
    if (!models.accepts(m)) throw new IllegalArgumentException(where + ": '" + m + "' is neither an alias nor a model id");
  }

  private static void unknown(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) throw new IllegalArgumentException(where + ": unknown field '" + name + "'");
    }
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw new IllegalArgumentException(where + "." + field + ": expected a string");
    return v.asText();
  }

  private static Long number(JsonNode node, String field, String where, long min, long max) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
      throw new IllegalArgumentException(where + "." + field + ": expected a whole number from " + min + " to " + max);
    }
    return v.asLong();
  }

  private static List<String> strings(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isArray()) throw new IllegalArgumentException(where + "." + field + ": expected an array of strings");
    var out = new ArrayList<String>();
    for (JsonNode item : v) {
      if (!item.isTextual()) throw new IllegalArgumentException(where + "." + field + ": expected an array of strings");
      out.add(item.asText());
    }
    return out;
  }
}
