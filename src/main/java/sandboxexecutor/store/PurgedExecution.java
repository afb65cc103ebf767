package sandboxexecutor.store;

import java.util.Map;

/** An execution deleted by retention; its artifacts' object keys are returned so they can be deleted too. */
public record PurgedExecution(String id, Map<String, String> artifacts) {
  public PurgedExecution {
    artifacts = Map.copyOf(artifacts);
  }
}
