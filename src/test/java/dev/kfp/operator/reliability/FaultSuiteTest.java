package dev.kfp.operator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.Outage;
import dev.kfp.operator.simulator.Timing;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Faults cost nothing: under injected KFP errors, lost answers, operator restarts, a leader failover and a KFP
 * outage, every Run ends with exactly one KFP run, its status shows KFP's state, no status went backwards, and
 * Synced recovers. Sized for the test command; {@code -Dfaults.runs=1000 -Dfaults.outage=60s} makes it longer
 * (see README, Reliability).
 */
class FaultSuiteTest {

  private static final int RUNS = Integer.getInteger("faults.runs", 200);
  private static final Duration OUTAGE = Duration.parse("PT" + System.getProperty("faults.outage", "30s"));

  @Test
  void faultsRestartsAndALeaderFailoverNeverDuplicateLoseOrReverseAState() {
    Random random = new Random(20261129);
    try (FaultBench bench = new FaultBench(new Timing(Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(1)), Duration.ofSeconds(5))) {
      bench.startInstance("operator-a");
      bench.startInstance("operator-b");
      await().atMost(Duration.ofSeconds(20)).until(() -> bench.leader() != null);
      bench.kfp.faults().seed(random.nextLong())
          .inject(Fault.status(503).fraction(0.15))
          .inject(Fault.status(500).on(Endpoint.GET_RUN, Endpoint.LIST_RUNS).fraction(0.05))
          .inject(Fault.tooManyRequests(Duration.ofSeconds(1)).fraction(0.05))
          .inject(Fault.latency(Duration.ZERO, Duration.ofMillis(300)).fraction(0.2))
          .inject(Fault.connectionDrop().fraction(0.05))
          .inject(Fault.commitThenDrop().on(Endpoint.CREATE_RUN).fraction(0.25));

      bench.applyRuns("first", RUNS / 2);
      awaitSubmitted(bench, random.nextInt(RUNS / 4) + 1);
      String firstLeader = bench.leader();
      stopInstance(bench, firstLeader);
      bench.startInstance("operator-c");

      bench.kfp.faults().inject(Fault.status(503).times(40));
      bench.applyRuns("second", RUNS - RUNS / 2);
      awaitSubmitted(bench, RUNS / 2 + random.nextInt(RUNS / 4) + 1);
      String secondLeader = bench.leader();
      stopInstance(bench, secondLeader);
      bench.startInstance("operator-d");
      await().atMost(Duration.ofSeconds(20)).until(() -> bench.leader() != null
          && !bench.leader().equals(secondLeader));

      awaitSubmitted(bench, RUNS);
      bench.kfp.faults().clear();
      bench.awaitConverged(Duration.ofSeconds(120), true);

      System.out.printf("fault suite: %d Runs, leaders %s -> %s -> %s, %d KFP calls served (%s), %d state "
              + "changes seen in statuses%n", RUNS, firstLeader, secondLeader, bench.leader(),
          bench.kfp.calls().total(), bench.kfp.calls().snapshot(), bench.transitionsSeen());
      assertThat(bench.duplicatesOrLosses()).as("Runs without exactly one KFP run").isEmpty();
      assertThat(bench.reversals()).as("statuses that went backwards").isEmpty();
    }
  }

  @Test
  void aKfpOutageKeepsCallsBoundedAndEveryRunConvergesWithinOneResyncInterval() {
    Duration resync = Duration.ofSeconds(10);
    // Runs finish during the outage, so the operator has real news to catch up on when KFP is back.
    try (FaultBench bench = new FaultBench(new Timing(Duration.ofSeconds(1), OUTAGE.dividedBy(2),
        Duration.ofSeconds(1)), resync)) {
      bench.startInstance("operator-a");
      bench.applyRuns("active", RUNS);
      bench.awaitConverged(Duration.ofSeconds(60), false);

      long before = bench.kfp.calls().total();
      bench.kfp.faults().startOutage(Outage.UNAVAILABLE);
      letPass(OUTAGE);
      long during = bench.kfp.calls().total() - before;
      bench.kfp.faults().endOutage();
      Instant back = Instant.now();
      bench.awaitConverged(resync.plusSeconds(30), true);
      Duration converged = Duration.between(back, Instant.now());

      System.out.printf("outage: %d active Runs, KFP down %d s: %d calls during the outage (%.1f per second, "
              + "%.2f per Run); all Runs converged %.1f s after KFP returned (resync interval %d s)%n",
          RUNS, OUTAGE.toSeconds(), during, during / (double) OUTAGE.toSeconds(), during / (double) RUNS,
          converged.toMillis() / 1000.0, resync.toSeconds());
      assertThat(during).as("calls during the outage").isLessThanOrEqualTo(RUNS);
      assertThat(converged).as("time to converge after KFP returned").isLessThanOrEqualTo(resync);
      assertThat(bench.duplicatesOrLosses()).isEmpty();
      assertThat(bench.reversals()).isEmpty();
    }
  }

  private static void awaitSubmitted(FaultBench bench, int count) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> bench.runs().stream()
        .filter(r -> r.getStatus() != null && r.getStatus().getRunId() != null).count() >= count);
  }

  private static void stopInstance(FaultBench bench, String identity) {
    bench.instances().stream().filter(i -> i.identity.equals(identity)).findFirst().orElseThrow().stop();
  }

  /** The outage itself is the scenario: nothing to wait for but time. */
  private static void letPass(Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      LockSupport.parkNanos(end - System.nanoTime());
    }
  }
}
