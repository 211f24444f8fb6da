package dev.kfp.operator.benchmark;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Watches the Runs of one namespace and notes when each Run's status first showed a run id and each state. */
final class StatusWatch implements AutoCloseable {

  private final Map<String, Instant> submitted = new ConcurrentHashMap<>();
  private final Map<String, Instant> states = new ConcurrentHashMap<>();
  private final Watch watch;

  StatusWatch(KubernetesClient kubernetes, String namespace) {
    this.watch = kubernetes.resources(Run.class).inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Run run) {
        Instant now = Instant.now();
        if (run.getStatus() == null || run.getStatus().getRunId() == null) {
          return;
        }
        String name = run.getMetadata().getName();
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

  @Override
  public void close() {
    watch.close();
  }
}
