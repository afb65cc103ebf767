package sandboxexecutor.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** {@link ConcurrencySlots} in this process's memory: one node's limits. */
public final class MemoryConcurrencySlots implements ConcurrencySlots {
  private record Held(String holder, long expiresAtMs) {}

  private final Map<String, Map<String, Held>> byName = new ConcurrentHashMap<>(); // name -> lease id -> lease

  @Override
  public Optional<Lease> acquire(String name, int limit, String holder, Instant now, Instant expiresAt) {
    if (limit < 1) throw new IllegalArgumentException("limit must be positive");
    String id = UUID.randomUUID().toString();
    var granted = new boolean[1];
    byName.compute(name, (k, old) -> { // atomic per name
      var leases = old == null ? new HashMap<String, Held>() : old;
      leases.values().removeIf(l -> l.expiresAtMs() <= now.toEpochMilli());
      granted[0] = leases.size() < limit;
      if (granted[0]) leases.put(id, new Held(holder, expiresAt.toEpochMilli()));
      return leases.isEmpty() ? null : leases;
    });
    return granted[0] ? Optional.of(new Lease(name, id)) : Optional.empty();
  }

  @Override
  public void release(Lease lease) {
    byName.computeIfPresent(lease.name(), (k, leases) -> {
      leases.remove(lease.id());
      return leases.isEmpty() ? null : leases;
    });
  }

  @Override
  public void renew(String holder, Instant now, Instant expiresAt) {
    for (String name : byName.keySet()) {
      byName.computeIfPresent(name, (k, leases) -> {
        leases.replaceAll((id, l) -> l.holder().equals(holder) && l.expiresAtMs() > now.toEpochMilli()
            ? new Held(holder, expiresAt.toEpochMilli()) : l);
        return leases;
      });
    }
  }
}
