package dev.kfp.operator.peers;

import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.simulator.Outcome;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.RunFacts;
import dev.kfp.operator.simulator.Timing;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays Argo and KFP's persistence agent for {@link KfpServer}, which runs nothing: every {@code tick} it lists
 * KFP's runs and moves each through its workflow's phases with the simulator's {@link Timing} (PENDING, then
 * RUNNING, then the outcome; CANCELING after a terminate, then Failed), reporting every change through the
 * server's control endpoint. How an attempt ends is the simulator's {@link OutcomeRule}, asked once per attempt as
 * the simulator asks it; a run KFP retried (RUNNING again after its end) starts its next attempt. Like the
 * simulator's, each run's PENDING and RUNNING phases may be longer by its own share of a spread
 * ({@link Timing#shareOf}).
 */
public final class PersistenceAgent implements AutoCloseable {

  /**
   * A state change this agent reported and KFP accepted: the run's display name, KFP's new state, and when the
   * report was sent.
   */
  public record Transition(String displayName, KfpRuntimeState state, Instant at) {}

  /** Where an attempt is, as this agent last reported it. */
  private enum Stage { PENDING, RUNNING, CANCELING, DONE }

  private static final class Tracked {
    Stage stage = Stage.PENDING;
    Instant since;
    int attempt = 1;
    final Duration extra;

    Tracked(Instant since, Duration extra) {
      this.since = since;
      this.extra = extra;
    }
  }

  private final KfpServer server;
  private final HttpKfpClient kfp;
  private final Timing timing;
  private final OutcomeRule outcomes;
  private final Duration spread;
  private final Map<String, Tracked> runs = new HashMap<>();
  private final List<Transition> transitions = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "kfp-persistence-agent");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicLong reports = new AtomicLong();
  /**
   * When the last report was sent: the time of a transition, taken before KFP changed the state, so that a lag
   * measured from it includes the report's own time rather than leaving part of it out.
   */
  private Instant lastSent;
  private final AtomicLong lists = new AtomicLong();

  private PersistenceAgent(KfpServer server, Timing timing, OutcomeRule outcomes, Duration spread) {
    this.server = server;
    this.kfp = new HttpKfpClient(KfpClientConfig.builder(server.baseUrl().toString())
        .readTimeout(Duration.ofSeconds(60)).build());
    this.timing = timing;
    this.outcomes = outcomes;
    this.spread = spread;
  }

  /**
   * Starts looking at KFP's runs every {@code tick}.
   *
   * @param spread each run's PENDING and RUNNING phases are longer by its own share of this (zero: none)
   */
  public static PersistenceAgent start(KfpServer server, Timing timing, OutcomeRule outcomes, Duration spread,
      Duration tick) {
    PersistenceAgent agent = new PersistenceAgent(server, timing, outcomes, spread);
    agent.ticks.scheduleWithFixedDelay(agent::tickQuietly, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    return agent;
  }

  /** Every state change reported so far, in order. */
  public List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** The agent's own calls to KFP: its list calls and its reports, apart from the operator's. */
  public long calls() {
    return reports.get() + lists.get();
  }

  private void tickQuietly() {
    try {
      tick(Instant.now());
    } catch (RuntimeException e) {
      // KFP busy or a run deleted between list and report: the next tick looks again, as the agent would
    }
  }

  /** One look at every run in KFP. */
  void tick(Instant now) {
    Map<String, KfpRun> current = new HashMap<>();
    ListRunsRequest request = ListRunsRequest.all().withPageSize(100);
    ListRunsResponse page;
    do {
      lists.incrementAndGet();
      page = kfp.listRuns(request);
      page.runs().forEach(run -> current.putIfAbsent(run.runId(), run));
      request = request.withPageToken(page.nextPageToken());
    } while (page.hasNextPage());
    Set<String> gone = new HashSet<>(runs.keySet());
    gone.removeAll(current.keySet());
    gone.forEach(runs::remove);
    for (KfpRun run : current.values()) {
      Tracked tracked = runs.get(run.runId());
      if (tracked == null) {
        if (run.hasFinished()) {
          continue; // ended before this agent looked
        }
        if (report(run.runId(), "Pending", null)) {
          runs.put(run.runId(), new Tracked(now, Timing.shareOf(spread, run.runId())));
        }
        continue;
      }
      advance(run, tracked, now);
    }
  }

  private void advance(KfpRun run, Tracked tracked, Instant now) {
    KfpRuntimeState state = run.state();
    Duration elapsed = Duration.between(tracked.since, now);
    switch (tracked.stage) {
      case PENDING, RUNNING -> {
        if (state == KfpRuntimeState.CANCELING) {
          move(tracked, Stage.CANCELING, now);
        } else if (tracked.stage == Stage.PENDING && elapsed.compareTo(timing.pending().plus(tracked.extra)) >= 0) {
          if (report(run.runId(), "Running", null)) {
            move(tracked, Stage.RUNNING, now);
            transitions.add(new Transition(run.displayName(), KfpRuntimeState.RUNNING, lastSent));
          }
        } else if (tracked.stage == Stage.RUNNING && elapsed.compareTo(timing.running().plus(tracked.extra)) >= 0) {
          Outcome outcome = outcomes.decide(new RunFacts(run.runId(), run.experimentId(), run.displayName(),
              run.description(), run.runtimeConfig() == null || run.runtimeConfig().parameters() == null ? Map.of()
                  : run.runtimeConfig().parameters(), tracked.attempt));
          if (outcome.succeeded() ? report(run.runId(), "Succeeded", null)
              : report(run.runId(), "Failed", KfpServer.failedSteps(outcome.failedSteps(), now))) {
            move(tracked, Stage.DONE, now);
            transitions.add(new Transition(run.displayName(), outcome.succeeded() ? KfpRuntimeState.SUCCEEDED
                : KfpRuntimeState.FAILED, lastSent));
          }
        }
      }
      case CANCELING -> {
        if (elapsed.compareTo(timing.canceling()) >= 0 && report(run.runId(), "Failed", null)) {
          move(tracked, Stage.DONE, now);
          transitions.add(new Transition(run.displayName(), KfpRuntimeState.FAILED, lastSent));
        }
      }
      case DONE -> {
        if (state == KfpRuntimeState.RUNNING || state == KfpRuntimeState.PENDING) {
          // KFP retried the run: its retry resubmits the workflow, which Argo runs again
          tracked.attempt++;
          move(tracked, Stage.RUNNING, now);
        }
      }
      default -> throw new IllegalStateException("unknown stage " + tracked.stage);
    }
  }

  private static void move(Tracked tracked, Stage stage, Instant now) {
    tracked.stage = stage;
    tracked.since = now;
  }

  /** True when KFP's report service accepted the report; a refused one is sent again on a later tick. */
  private boolean report(String runId, String phase, String failedStepsJson) {
    reports.incrementAndGet();
    lastSent = Instant.now();
    return server.reportPhase(runId, phase, failedStepsJson).contains("\"report_status\":200");
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    try {
      ticks.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kfp.close();
  }
}
