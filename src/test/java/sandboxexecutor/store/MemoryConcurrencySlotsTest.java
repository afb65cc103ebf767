package sandboxexecutor.store;

import org.junit.jupiter.api.Test;

class MemoryConcurrencySlotsTest {
  @Test
  void slots_grant_the_limit_and_a_release_frees_one() {
    ConcurrencySlotsBehaviour.grantsTheLimitAndReleaseFreesASlot(new MemoryConcurrencySlots());
  }

  @Test
  void leases_expire_unless_their_holder_renews_them() {
    ConcurrencySlotsBehaviour.leasesExpireUnlessTheirHolderRenewsThem(new MemoryConcurrencySlots());
  }

  @Test
  void concurrent_acquisitions_grant_exactly_the_limit() throws Exception {
    ConcurrencySlotsBehaviour.concurrentAcquisitionsGrantExactlyTheLimit(new MemoryConcurrencySlots());
  }
}
