package dev.kfp.operator.benchmark;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the Runs of one namespace and notes when each Run's status first showed a run id and each state, and
 * when each step of its submission first showed: the Run itself, its finalizer, its claim, its run id.
 */
final class StatusWatch implements AutoCloseable {

  /** The steps of a submission as a watch sees them, in order. */
  static final List<String> STEPS = List.of("created", "finalizer", "claim", "runId");

  private final Map<String, Instant> steps = new ConcurrentHashMap<>();

  private final Map<String, Instant> submitted = new ConcurrentHashMap<>();
  private final Map<String, Instant> states = new ConcurrentHashMap<>();
  private final Watch watch;

  StatusWatch(KubernetesClient kubernetes, String namespace) {
    this.watch = kubernetes.resources(Run.class).inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Run run) {
        Instant now = Instant.now();
        String name = run.getMetadata().getName();
        steps.putIfAbsent(name + "/created", now);
        if (run.hasFinalizer(Run.FINALIZER)) {
          steps.putIfAbsent(name + "/finalizer", now);
        }
        if (run.getStatus() != null && run.getStatus().getClaim() != null) {
          steps.putIfAbsent(name + "/claim", now);
        }
        if (run.getStatus() == null || run.getStatus().getRunId() == null) {
          return;
        }
        steps.putIfAbsent(name + "/runId", now);
        submitted.putIfAbsent(name, now);
        if (run.getStatus().getState() != null) {
          states.putIfAbsent(name + "/" + run.getStatus().getState(), now);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) {
          System.err.println("benchmark: the Run watch closed: " + cause.getMessage());
        }
      }
    });
  }

  /** How many Runs show a KFP run id. */
  int submittedCount() {
    return submitted.size();
  }

  /** How many Runs have shown this state. */
  long count(String state) {
    return states.keySet().stream().filter(key -> key.endsWith("/" + state)).count();
  }

  /** When the Run's status first said {@code state}. */
  Optional<Instant> firstSeen(String name, String state) {
    return Optional.ofNullable(states.get(name + "/" + state));
  }

  /**
   * Seconds from one step of the submission to the next, per Run that showed both, for each pair of consecutive
   * {@link #STEPS}: where the time between the Run's create and its run id went.
   */
  Map<String, List<Double>> stepSeconds() {
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    for (int i = 1; i < STEPS.size(); i++) {
      String from = STEPS.get(i - 1);
      String to = STEPS.get(i);
      List<Double> values = new ArrayList<>();
      steps.forEach((key, at) -> {
        if (key.endsWith("/" + from)) {
          Instant next = steps.get(key.substring(0, key.length() - from.length()) + to);
          if (next != null) {
            values.add(Duration.between(at, next).toNanos() / 1e9);
          }
        }
      });
      seconds.put(from + " -> " + to, values);
    }
    return seconds;
  }

  @Override
  public void close() {
    watch.close();
  }
}
