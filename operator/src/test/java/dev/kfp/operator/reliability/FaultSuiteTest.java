package dev.kfp.operator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.Outage;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Faults cost nothing: under injected KFP errors, lost answers, operator restarts, a leader failover and a KFP
 * outage, every Run ends with exactly one KFP run, its status shows KFP's state, no status went backwards, and
 * Synced recovers. Sized for the test command; {@code -Dfaults.runs=1000 -Dfaults.outage=60s} makes it longer,
 * and {@code -Dfaults.kubernetes=real} runs it against the real kube-apiserver instead of the Fabric8 mock (see
 * docs/operating/reliability.md).
 */
@MockApiTier
class FaultSuiteTest {

  private static final int RUNS = Integer.getInteger("faults.runs", 200);
  private static final Duration OUTAGE = Duration.parse("PT" + System.getProperty("faults.outage", "30s"));
  /** How many times the default size of 200 Runs this run of the suite is: its waits and allowances scale by it. */
  private static final int SCALE = Math.max(1, RUNS / 200);
  /**
   * Allowed for the looks themselves once they are due: 3 s per 200 Runs. After the outage every Run has
   * {@code Synced=False} (a failed list sets it on the Runs it covered), so each needs its own status write to
   * show it caught up, at whatever rate the Kubernetes API writes on this 2-core machine shared with other work:
   * measured at 1,000 Runs, about 65 status writes per second on the Fabric8 mock and 37 on the real
   * kube-apiserver at a load of 12. At the default size this is well below half the resync interval, so that a
   * Run left to the status sync's next resync instead of its own capped retry (which comes up to a resync and a
   * probe interval after KFP returned) can still fail the bound.
   */
  private static final Duration LOOK_ALLOWANCE = Duration.ofSeconds(3).multipliedBy(SCALE);

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
      Duration lookedAgain = lastLookAfter(bench, back);
      // Promised: a Run whose look failed looks again after at most half the resync interval (RetrySchedule),
      // and once KFP is back the circuit breaker lets calls through within one probe interval.
      Duration promised = resync.dividedBy(2).plus(OperatorCommand.BREAKER_PROBE_INTERVAL);

      System.out.printf("outage: %d active Runs, KFP down %d s: %d calls during the outage (%.1f per second, "
              + "%.2f per Run); every Run looked at again %.1f s after KFP returned (promised %.1f s: half the "
              + "resync interval of %d s and the breaker's probe interval; %d s allowed for the look itself), "
              + "all statuses converged %.1f s after%n",
          RUNS, OUTAGE.toSeconds(), during, during / (double) OUTAGE.toSeconds(), during / (double) RUNS,
          lookedAgain.toMillis() / 1000.0, promised.toMillis() / 1000.0, resync.toSeconds(),
          LOOK_ALLOWANCE.toSeconds(), converged.toMillis() / 1000.0);
      assertThat(during).as("calls during the outage").isLessThanOrEqualTo(RUNS);
      assertThat(lookedAgain).as("time until the last Run was looked at again after KFP returned")
          .isLessThanOrEqualTo(promised.plus(LOOK_ALLOWANCE));
      assertThat(bench.duplicatesOrLosses()).isEmpty();
      assertThat(bench.reversals()).isEmpty();
    }
  }

  /**
   * How long after {@code since} the last Run was looked at again: every Run's look that set {@code Synced=True}
   * after the outage is stamped with its time (the condition's lastTransitionTime, on the operator's clock,
   * which is this machine's), before its status write. The write itself is only waited for, since how long
   * it takes is the machine's load.
   */
  private static Duration lastLookAfter(FaultBench bench, Instant since) {
    return bench.runs().stream()
        .map(run -> run.getStatus().condition(RunConditions.SYNCED).orElseThrow().getLastTransitionTime())
        .map(at -> Duration.between(since, Instant.parse(at)))
        .max(Duration::compareTo).orElseThrow();
  }

  private static void awaitSubmitted(FaultBench bench, int count) {
    await().atMost(Duration.ofSeconds(90).multipliedBy(SCALE)).pollInterval(Duration.ofMillis(100).multipliedBy(SCALE))
        .until(() -> bench.runs().stream()
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
