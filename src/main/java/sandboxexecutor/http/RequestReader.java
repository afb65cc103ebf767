package sandboxexecutor.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecuteOptions;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import sandboxexecutor.protocol.ModeRequest;
import sandboxexecutor.protocol.SandboxRequest;
import sandboxexecutor.protocol.Submission;
import sandboxexecutor.protocol.SdkRequest;
import java.util.List;

/** Turns request bodies into protocol records: content type, size, JSON syntax, then every field. */
public final class RequestReader {
  private static final int MAX_NAME = 200;
  private static final String ID_PATTERN = "[A-Za-z0-9._:-]{1,200}";
  private final long maxBodyBytes;
  private final ModelCatalog models;
  private final ObjectReader reader;

  public RequestReader(long maxBodyBytes, ModelCatalog models) {
    this.maxBodyBytes = maxBodyBytes;
    this.models = models;
    // Request bodies are untrusted: duplicate keys are refused and nesting is capped far below Jackson's default.
    var factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.reader = JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build().reader();
  }

  /** The body as a JSON tree, after the content-type and size checks. */
  JsonNode body(Context ctx) {
    String type;
    try {
      type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) { // the servlet layer parses the charset parameter and may reject it
      throw new ExecutorException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Unsupported Content-Type: " + e.getMessage());
    }
    if (!type.startsWith("application/json")) {
      throw new ExecutorException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "Send the body as JSON with the header Content-Type: application/json (got '" + type + "')");
    }
    byte[] bytes;
    try (InputStream in = ctx.bodyInputStream()) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
    } catch (IOException e) {
      throw ExecutorException.invalid("The request body could not be read: " + e.getMessage());
    }
    if (bytes.length > maxBodyBytes) {
      throw new ExecutorException(ErrorCode.PAYLOAD_TOO_LARGE, "The body is larger than " + maxBodyBytes
          + " bytes (MAX_BODY_BYTES)", Map.of("max_bytes", maxBodyBytes), null, null);
    }
    try {
      JsonNode node = reader.readTree(bytes);
      if (node == null || node.isMissingNode()) throw ExecutorException.invalid("The body is empty; send a JSON object");
      return node;
    } catch (JsonProcessingException e) {
      throw ExecutorException.invalid("The body is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw ExecutorException.invalid("The body is not valid JSON: " + e.getMessage());
    }
  }

  Submission sdk(JsonNode body) {
    var fields = new JsonFields(body, "");
    String prompt = fields.requiredText("prompt");
    JsonFields o = fields.object("options");
    if (o == null) o = new JsonFields(Json.MAPPER.createObjectNode(), "options");
    boolean partial = Boolean.TRUE.equals(o.bool("include_partial_messages"));
    var options = options(o);
    o.rejectUnknown();
    return submission(fields, new SdkRequest(prompt, options), partial, body);
  }

  /** The fields that say how the caller wants the execution delivered; the same in both modes. */
  private Submission submission(JsonFields fields, ModeRequest request, boolean partial, JsonNode body) {
    Boolean stream = fields.bool("stream");
    Boolean async = fields.bool("async");
    Boolean cancelOnDisconnect = fields.bool("cancel_on_disconnect");
    String callbackUrl = fields.text("callback_url", 2_048);
    // callback_url is checked (address rules, a signing secret) by Executions.submit, through Callbacks.check
    String instanceId = id(fields, "instance_id");
    String projectId = id(fields, "project_id");
    fields.rejectUnknown();
    if (Boolean.TRUE.equals(stream) && Boolean.TRUE.equals(async)) {
      throw ExecutorException.invalid("stream and async exclude each other: stream answers as it runs, async answers at once");
    }
    return new Submission(request, Boolean.TRUE.equals(stream), Boolean.TRUE.equals(async), callbackUrl,
        instanceId == null ? "default" : instanceId, projectId, partial, Boolean.TRUE.equals(cancelOnDisconnect), null,
        redacted(body));
  }

  private static String id(JsonFields fields, String field) {
    String value = fields.text(field, 200);
    if (value != null && !value.matches(ID_PATTERN)) {
      throw ExecutorException.invalid(field + " may hold only letters, digits and . _ : - (1 to 200 characters)");
    }
    return value;
  }

  /** The body as stored: values of options.env may be secrets whatever the contract says, so they are not kept. */
  private static JsonNode redacted(JsonNode body) {
    JsonNode copy = body.deepCopy();
    JsonNode env = copy.path("options").path("env");
    if (env instanceof ObjectNode object) object.properties().forEach(e -> e.setValue(TextNode.valueOf("[redacted]")));
    return copy;
  }

  Submission sandbox(JsonNode body) {
    var fields = new JsonFields(body, "");
    String task = fields.requiredText("task");
    String repo = fields.text("repo", 2_048);
    String branch = fields.text("branch", 255);
    JsonFields o = fields.object("options");
    if (o == null) o = new JsonFields(Json.MAPPER.createObjectNode(), "options");
    boolean partial = Boolean.TRUE.equals(o.bool("include_partial_messages"));
    Boolean includeDiff = o.bool("include_diff");
    String mode = o.text("permission_mode", 64);
    var permissionMode = mode == null ? SandboxRequest.PermissionMode.ACCEPT_EDITS : SandboxRequest.PermissionMode.parse(mode);
    if (permissionMode == null) {
      throw ExecutorException.invalid("options.permission_mode must be acceptEdits, plan or bypassPermissions, got '" + mode + "'");
    }
    Map<String, String> env = o.stringMap("env", 64, 8_192);
    if (env != null) {
      for (String name : env.keySet()) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
          throw ExecutorException.invalid("options.env: '" + name + "' is not a valid environment variable name");
        }
      }
    }
    List<String> setup = o.strings("setup", 20, 10_000);
    String verify = o.text("verify", 10_000);
    JsonFields l = o.object("limits");
    var limits = SandboxRequest.LimitOverrides.NONE;
    if (l != null) {
      limits = SandboxRequest.LimitOverrides.read(f -> l.integer(f.name(), f.min(), f.max()));
      l.rejectUnknown();
    }
    var options = options(o);
    o.rejectUnknown();
    var request = new SandboxRequest(task, repo, branch, options, includeDiff == null || includeDiff, permissionMode,
        env == null ? Map.of() : env, setup == null ? List.of() : setup, verify, limits);
    return submission(fields, request, partial, body);
  }

  /** Reads the options both modes share; the caller reads its own, then calls {@code rejectUnknown}. */
  ExecuteOptions options(JsonFields o) {
    String model = o.text("model", MAX_NAME);
    if (model != null && !models.accepts(model)) {
      throw ExecutorException.invalid("options.model must be one of " + String.join(", ", models.aliases().keySet())
          + " or a full model id such as claude-sonnet-5-5, got '" + model + "'");
    }
    return new ExecuteOptions(
        model,
        intOrNull(o.integer("max_turns", 1, 1_000)),
        o.text("system_prompt", JsonFields.MAX_TEXT),
        o.text("append_system_prompt", JsonFields.MAX_TEXT),
        o.strings("allowed_tools", 64, MAX_NAME),
        o.strings("disallowed_tools", 64, MAX_NAME),
        o.number("max_budget_usd", 0, 10_000),
        o.integer("max_tokens", 1, 128_000),
        o.integer("timeout_ms", 1_000, 86_400_000));
  }

  private static Integer intOrNull(Long value) {
    return value == null ? null : value.intValue();
  }
}
