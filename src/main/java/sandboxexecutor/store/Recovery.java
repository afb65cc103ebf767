package sandboxexecutor.store;

import java.util.List;

/**
 * Result of start-up recovery ({@link ExecutionStore#interruptUnfinished}). The {@code interrupted} ids were
 * RUNNING and are now INTERRUPTED (their callbacks, if any, are still owed). The {@code queued} records were
 * never started and are left QUEUED: the caller decides whether to run them now or finish them as INTERRUPTED.
 */
public record Recovery(List<String> interrupted, List<ExecutionRecord> queued) {
  public Recovery {
    interrupted = List.copyOf(interrupted);
    queued = List.copyOf(queued);
  }
}
