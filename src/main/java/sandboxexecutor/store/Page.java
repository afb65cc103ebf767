package sandboxexecutor.store;

import java.util.List;
import java.util.Optional;

/** One page of a listing; {@code next} is the opaque cursor for the following page, empty on the last one. */
public record Page<T>(List<T> items, Optional<String> next) {
  public Page {
    items = List.copyOf(items);
  }
}
