package sandboxexecutor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import sandboxexecutor.protocol.Json;

/**
 * Checks real responses against {@code openapi.json}: the status must be documented for the operation, and a JSON
 * body must match the documented schema. So the document cannot drift from what the server does.
 */
public final class OpenApiContract {
  private final JsonNode document;
  private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  public OpenApiContract() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
      document = Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  public JsonNode document() {
    return document;
  }

  /** Fails unless {@code response} is a documented answer of {@code method pathTemplate}. */
  public void check(String method, String pathTemplate, TestApp.Response response) {
    JsonNode operation = document.path("paths").path(pathTemplate).path(method.toLowerCase(Locale.ROOT));
    if (operation.isMissingNode()) throw new AssertionError("undocumented operation " + method + " " + pathTemplate);
    JsonNode documented = operation.path("responses").path(Integer.toString(response.status()));
    if (documented.isMissingNode()) {
      throw new AssertionError("undocumented status " + response.status() + " for " + method + " " + pathTemplate + ": " + response.raw());
    }
    String contentType = response.header("Content-Type") == null ? "" : response.header("Content-Type");
    if (!contentType.startsWith("application/json")) return;
    JsonNode schema = documented.path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) throw new AssertionError("no JSON schema documented for " + response.status() + " of " + method + " " + pathTemplate);
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("components", document.get("components"));
    root.setAll((ObjectNode) schema);
    var errors = factory.getSchema(root).validate(response.json());
    if (!errors.isEmpty()) {
      throw new AssertionError(method + " " + pathTemplate + " " + response.status() + " does not match openapi.json: " + errors + "\n" + response.raw());
    }
  }
}
