package sandboxexecutor.sandbox.bwrap;

import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands each live sandbox its own host uid (and the same number as gid) from a range, because RLIMIT_NPROC and
 * the kernel's process accounting are per host uid: with one shared uid, one sandbox's fork bomb would use up
 * every other sandbox's process budget. When the range is used up, uids are shared (round-robin) rather than
 * refusing work; sandboxes still cannot see each other, only their process budgets mix.
 */
final class UidPool {
  private final int first;
  private final int count;
  private final int[] leases;
  private final BitSet inUse;
  private final ReentrantLock lock = new ReentrantLock();
  private int next;

  UidPool(int first, int count) {
    if (first <= 0 || count <= 0 || (long) first + count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bad sandbox uid range: first=" + first + " count=" + count);
    }
    this.first = first;
    this.count = count;
    this.leases = new int[count];
    this.inUse = new BitSet(count);
  }

  HostIdentity lease() {
    lock.lock();
    try {
      int slot = inUse.nextClearBit(0);
      if (slot >= count) slot = next++ % count;
      inUse.set(slot);
      leases[slot]++;
      return new HostIdentity(first + slot, first + slot);
    } finally {
      lock.unlock();
    }
  }

  void release(HostIdentity identity) {
    lock.lock();
    try {
      int slot = identity.uid() - first;
      if (slot < 0 || slot >= count || leases[slot] == 0) return;
      if (--leases[slot] == 0) inUse.clear(slot);
    } finally {
      lock.unlock();
    }
  }
}
