package sandboxexecutor.tools;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** The execution's todo list, replaced whole by each TodoWrite call; the final list goes into the response. */
public final class TodoList {
  public record Todo(String content, String status, String activeForm) {}

  private final AtomicReference<List<Todo>> todos = new AtomicReference<>(List.of());

  public List<Todo> get() {
    return todos.get();
  }

  public void replace(List<Todo> next) {
    todos.set(List.copyOf(next));
  }
}
