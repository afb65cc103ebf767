package sandboxexecutor.execution;

import java.util.Map;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.RunControl;
import sandboxexecutor.protocol.SdkRequest;

/** SDK mode: the agent loop in-process with the light tools, no sandbox. */
public final class SdkMode {
  private final RunSetup setup;
  private final AgentLoop loop;
  private final RunSetup.Mode mode;

  public SdkMode(RunSetup setup, AgentLoop loop, RunSetup.Mode mode) {
    this.setup = setup;
    this.loop = loop;
    this.mode = mode;
  }

  public Map<String, Object> run(String id, SdkRequest request, RunSetup.Caller caller, RunControl control,
                                 AgentLoop.Listener listener) {
    long started = System.nanoTime();
    var run = setup.plan(id, request.prompt(), request.options(), mode, "default", "/", caller);
    var outcome = loop.run(run, control, listener);
    String model = setup.requestedModel(request.options(), caller.instance());
    return ResultBody.of(id, outcome, null, Map.of(), ResultBody.metadata(started, outcome, run, model));
  }
}
