package sandboxexecutor.store;

import org.junit.jupiter.api.Test;

class MemoryRateBucketsTest {
  @Test
  void a_rate_bucket_grants_its_capacity_then_refills_over_a_minute() {
    RateBucketsBehaviour.grantsCapacityThenRefills(new MemoryRateBuckets());
  }

  @Test
  void concurrent_takes_grant_exactly_the_capacity() throws Exception {
    RateBucketsBehaviour.concurrentTakesGrantExactlyCapacity(new MemoryRateBuckets());
  }
}
