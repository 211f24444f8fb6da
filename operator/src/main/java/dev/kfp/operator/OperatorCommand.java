package dev.kfp.operator;

import dev.kfp.operator.config.ConfigException;
import dev.kfp.operator.config.OperatorConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code operator}: runs the operator in a cluster, configured by environment variables and flags. */
public final class OperatorCommand {

  /**
   * The leader election Lease's name of an unsharded operator, in {@code LEADER_ELECTION_NAMESPACE} or the
   * operator's namespace; a shard's has a suffix ({@link OperatorConfig#leaderElectionLease()}).
   */
  public static final String LEASE_NAME = OperatorConfig.DEFAULT_LEASE;
  /** Calls in a row that must find KFP unavailable before calls are held back. */
  public static final int BREAKER_THRESHOLD = 5;
  /** While KFP is unavailable, one call every this long checks whether it is back. */
  public static final Duration BREAKER_PROBE_INTERVAL = Duration.ofSeconds(2);

  private OperatorCommand() {}

  public static int run(String[] args) throws InterruptedException {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("usage: operator [flags]; every flag can also be set as the environment variable shown\n"
          + OperatorConfig.usage());
      return 0;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.load(System.getenv(), args);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    KubernetesClient kubernetes = new KubernetesClientBuilder().build();
    String unreachable = kubernetesApiProblem(kubernetes.getConfiguration());
    if (unreachable != null) {
      System.err.println("operator: " + unreachable);
      kubernetes.close();
      return 1;
    }
    OperatorWiring.Running running = OperatorWiring.of(config, kubernetes).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      kubernetes.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * One line naming the Kubernetes API and what failed, or null when it answers {@code GET /version}; asked once
   * before anything starts, with one retry, so that a wrong kubeconfig is not a page of informer stack traces.
   */
  static String kubernetesApiProblem(Config configuration) {
    Config config = new ConfigBuilder(configuration).withRequestRetryBackoffLimit(1).build();
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(config).build()) {
      probe.getKubernetesVersion();
      return null;
    } catch (KubernetesClientException e) {
      return "the Kubernetes API at " + config.getMasterUrl()
          + (config.getFile() == null ? "" : " (from the kubeconfig " + config.getFile() + ")")
          + " failed GET /version: " + whatFailed(e);
    }
  }

  /** The causes that say something, wrappers without a message of their own left out, on one line. */
  private static String whatFailed(KubernetesClientException e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        parts.add("no connection (" + t.getClass().getName() + ")");
        break;
      }
      String message = t.getMessage() == null ? "" : t.getMessage().strip();
      boolean wrapper = t.getCause() != null && (t instanceof KubernetesClientException || message.isEmpty()
          || message.equals(t.getCause().toString()));
      if (!wrapper) {
        parts.add(t instanceof KubernetesClientException ? message : t.getClass().getSimpleName()
            + (message.isEmpty() ? "" : " " + message));
      }
    }
    return String.join(": ", parts).replaceAll("\\s*\n\\s*", " ");
  }
}
