package sandboxexecutor.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Slots by name, held as leases: at most {@code limit} unexpired leases per name. Acquiring is atomic per name,
 * also across nodes when the leases live in a shared database. Each node renews its own leases, so the slots of
 * a node that died without releasing them come free when its leases expire.
 */
public interface ConcurrencySlots {

  /** One held slot. */
  record Lease(String name, String id) {}

  /**
   * A lease on a slot of {@code name} for {@code holder} until {@code expiresAt}, or empty when {@code limit}
   * leases unexpired at {@code now} hold the name already. {@code limit} must be positive.
   */
  Optional<Lease> acquire(String name, int limit, String holder, Instant now, Instant expiresAt);

  /** Frees the lease's slot; a lease already gone (released or expired) is ignored. */
  void release(Lease lease);

  /**
   * Extends {@code holder}'s leases still unexpired at {@code now} to {@code expiresAt}. An expired lease stays
   * gone: its slot may have been given to someone else.
   */
  void renew(String holder, Instant now, Instant expiresAt);
}
