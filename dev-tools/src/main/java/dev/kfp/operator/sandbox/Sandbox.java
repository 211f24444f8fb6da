package dev.kfp.operator.sandbox;

import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.simulator.Outcome;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything in one process: a Kubernetes API on this machine (the real kube-apiserver when its binaries can be
 * had, else Fabric8's mock), a KFP (the simulator, or KFP's own server as a child process with the sandbox's
 * persistence agent) and the operator, with the sample Runs of {@code deploy/examples/} applied in their own
 * namespace. Prints each Run's changes as a table row.
 */
public final class Sandbox implements AutoCloseable {

  /** A row's time, with its seconds also when they are 0 (LocalTime.toString leaves them out). */
  private static final DateTimeFormatter CLOCK_TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** Where the samples go; the sandbox's kubeconfig makes it kubectl's default namespace. */
  public static final String NAMESPACE = "kfp-sandbox";
  /** Said when the sandbox runs on the mock: what a user then cannot do, and how to get the real server. */
  static final String MOCK_LIMITS = "without CEL and schema validation, and kubectl cannot use it (no discovery,"
      + " tables, watch, apply --server-side or explain)";
  /** Said with {@link #MOCK_LIMITS} when there are no binaries: how to get them. */
  static final String HOW_TO_GET_REAL = "; for the real kube-apiserver install Go (the Maven build then builds it with"
      + " etcd and kubectl, once) or set KUBEBUILDER_ASSETS to a directory of envtest binaries";
  /**
   * How long the runs stay PENDING, RUNNING and CANCELING, on either KFP. The sandbox terminates long-training once it
   * sees it RUNNING, so the running phase must outlast the time from KFP's state change to the terminate call
   * (poll, status write, watch event, annotation, reconcile): about a second usually, 4 s seen on a machine with a
   * load average of 27.
   */
  private static final Timing TIMING = new Timing(Duration.ofSeconds(1), Duration.ofSeconds(6), Duration.ofSeconds(1));
  private static final String ROW = "%-8s  %-20s  %-10s  %-9s  %-16s  %s%n";
  /** The flaky sample's first attempt fails in its train step, with a log the operator reads back. */
  private static final OutcomeRule FLAKY_FAILS_ONCE = run -> run.displayName().contains("flaky") && run.attempt() == 1
      ? Outcome.fail("train", "Epoch 1/3: loss 0.69\nEpoch 2/3: fetching batch 17\n"
          + "ConnectionResetError: [Errno 104] Connection reset by peer (feature store)\n")
      : Outcome.succeed();

  private final PrintStream out;
  private final LocalKubernetes kubernetes;
  private final SandboxKfp kfp;
  private final List<SandboxScenario> scenarios;
  private final OperatorWiring.Running operator;
  private final Map<String, String> lastRow = new ConcurrentHashMap<>();
  private final Set<String> actedOn = ConcurrentHashMap.newKeySet();
  private Watch watch;

  private Sandbox(PrintStream out, LocalKubernetes kubernetes, SandboxKfp kfp, OperatorWiring.Running operator) {
    this.out = out;
    this.kubernetes = kubernetes;
    this.kfp = kfp;
    this.scenarios = SandboxScenario.all(kfp.pipelineId(), kfp.namedVersionId());
    this.operator = operator;
  }

  /** Which Kubernetes API the sandbox runs on. */
  public enum KubernetesChoice {
    /** The real kube-apiserver when its binaries can be had (built or from KUBEBUILDER_ASSETS), else the mock. */
    AUTO,
    /** The real kube-apiserver, or fail saying why not. */
    REAL,
    /** Fabric8's mock API server. */
    MOCK
  }

  /**
   * Starts the Kubernetes API the choice asks for. When AUTO cannot have the real server (no binaries, or they
   * do not start), {@code say} gets one line: why, what does not work on the mock and how to get the real one.
   *
   * @param binaries looks for the control plane's binaries (and builds them when they are missing)
   */
  public static LocalKubernetes startKubernetes(KubernetesChoice choice, Supplier<ControlPlaneBinaries.Result> binaries,
      Consumer<String> say) {
    if (choice == KubernetesChoice.MOCK) {
      say.accept("Kubernetes: Fabric8's mock API server (--kubernetes mock), " + MOCK_LIMITS + HOW_TO_GET_REAL + ".");
      return EmbeddedKubernetes.start();
    }
    ControlPlaneBinaries.Result found = binaries.get();
    if (choice == KubernetesChoice.REAL) {
      return RealKubernetes.start(found.orElseThrow());
    }
    String whyNot = found.whyMissing();
    String howToGet = HOW_TO_GET_REAL;
    if (found.binaries().isPresent()) {
      try {
        return RealKubernetes.start(found.orElseThrow());
      } catch (RuntimeException e) {
        whyNot = "the real one did not start: " + firstLine(e);
        howToGet = "";
      }
    }
    say.accept("Kubernetes: Fabric8's mock API server, as there is no real one (" + whyNot + "); it runs "
        + MOCK_LIMITS + howToGet + ".");
    return EmbeddedKubernetes.start();
  }

  /** The first line of an exception's message, at most 300 characters: the fallback's reason stays one line. */
  private static String firstLine(RuntimeException e) {
    String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getName()).lines().findFirst()
        .orElse(e.getClass().getName());
    return message.length() <= 300 ? message : message.substring(0, 297) + "...";
  }

  /**
   * Starts the simulator (real time) and the operator on {@code kubernetes}, which the sandbox then owns, as the
   * {@code operator} command wires it (circuit breaker, bulk status sync, /healthz, /readyz, /metrics on
   * {@code monitoringPort}; 0 picks a free port), without leader election, watching {@link #NAMESPACE}.
   */
  public static Sandbox start(PrintStream out, int monitoringPort, LocalKubernetes kubernetes) {
    return start(out, monitoringPort, kubernetes, SandboxKfp.Choice.SIMULATOR, Path.of(""), out::println);
  }

  /**
   * Like {@link #start(PrintStream, int, LocalKubernetes)} on the KFP the choice names: the simulator, or KFP's own
   * server (built through the checkout holding {@code workingDir}; the build's messages go to {@code progress}),
   * whose runs the sandbox moves as KFP's persistence agent would, with the simulator's timing and outcomes.
   *
   * @throws IllegalStateException with a one-line message when KFP's server cannot be had
   */
  public static Sandbox start(PrintStream out, int monitoringPort, LocalKubernetes kubernetes,
      SandboxKfp.Choice kfpChoice, Path workingDir, Consumer<String> progress) {
    SandboxKfp kfp = null;
    try {
      ensureNamespace(kubernetes.client());
      kfp = SandboxKfp.start(kfpChoice, TIMING, FLAKY_FAILS_ONCE, resource("/sandbox/arguments_parameters.yaml"),
          workingDir, progress);
      OperatorConfig config = OperatorConfig.load(Map.of(
          Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString(),
          Setting.KFP_UI_URL.envName(), "http://localhost:3000",
          Setting.POLL_INTERVAL.envName(), "500ms",
          Setting.RESYNC_INTERVAL.envName(), "30s",
          Setting.LEADER_ELECTION.envName(), "false",
          Setting.WATCH_NAMESPACES.envName(), NAMESPACE,
          Setting.MONITORING_PORT.envName(), Integer.toString(monitoringPort)), new String[0]);
      OperatorWiring.Running operator = OperatorWiring.of(config, kubernetes.client()).exitOnLostLease(false)
          .start();
      return new Sandbox(out, kubernetes, kfp, operator);
    } catch (RuntimeException e) {
      if (kfp != null) {
        kfp.close();
      }
      kubernetes.close();
      throw e;
    }
  }

  /** A real server refuses objects in a namespace that does not exist. */
  private static void ensureNamespace(KubernetesClient client) {
    if (client.namespaces().withName(NAMESPACE).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
    }
  }

  /** What the sandbox runs on, in one line. */
  public String kubernetesDescription() {
    return kubernetes.description();
  }

  /** Applies the samples and prints changes until every one reached its end state or the time is up. */
  public boolean runSamples(Duration timeout) throws InterruptedException {
    out.printf(ROW, "TIME", "RUN", "STATE", "SUCCEEDED", "REASON", "NOTE");
    watch = kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Run run) {
        onChange(run, action == Action.DELETED);
      }

      @Override
      public void onClose(WatcherException cause) {
        // the sandbox closes the watch itself at the end
      }
    });
    scenarios.stream().map(SandboxScenario::file).distinct().forEach(file -> apply("/examples/" + file));
    Instant deadline = Instant.now().plus(timeout);
    List<SandboxScenario> pending = remaining();
    while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      pending = remaining();
    }
    watch.close();
    out.println();
    if (pending.isEmpty()) {
      out.printf("All %d sample Runs reached their expected end state; %s.%n", scenarios.size(), kfp.callsNote());
      return true;
    }
    for (SandboxScenario scenario : pending) {
      Run run = get(scenario);
      out.printf("NOT REACHED: %s (from deploy/examples/%s) should be %s but is %s%n", scenario.runName(),
          scenario.file(), scenario.expectation(), describe(run));
    }
    return false;
  }

  private List<SandboxScenario> remaining() {
    List<SandboxScenario> pending = new ArrayList<>();
    for (SandboxScenario scenario : scenarios) {
      Run run = get(scenario);
      if (!scenario.reached().test(run)
          || scenario.after() != null && (run == null || !createdAfterFinished(run, get(scenario.after())))) {
        pending.add(scenario);
      }
    }
    return pending;
  }

  /** True when KFP created the run of {@code run} at or after the run of {@code before} finished. */
  private static boolean createdAfterFinished(Run run, Run before) {
    return before != null && before.getStatus() != null && before.getStatus().getFinishedAt() != null
        && run.getStatus().getCreatedAt() != null
        && !Instant.parse(run.getStatus().getCreatedAt()).isBefore(Instant.parse(before.getStatus().getFinishedAt()));
  }

  private void onChange(Run run, boolean deleted) {
    String name = run.getMetadata().getName();
    String state = run.getStatus() == null || run.getStatus().getState() == null ? "-" : run.getStatus().getState();
    var succeeded = run.getStatus() == null ? null : run.getStatus().condition(RunConditions.SUCCEEDED).orElse(null);
    String note = deleted ? "deleted" : note(run);
    String row = String.format(ROW, "", name, state, succeeded == null ? "-" : succeeded.getStatus(),
        succeeded == null ? "-" : succeeded.getReason(), note);
    if (!Objects.equals(lastRow.put(name, row), row)) {
      out.print(String.format(ROW, CLOCK_TIME.format(LocalTime.now(ZoneOffset.UTC)), name, state,
          succeeded == null ? "-" : succeeded.getStatus(), succeeded == null ? "-" : succeeded.getReason(), note));
    }
    for (SandboxScenario scenario : scenarios) {
      if (scenario.runName().equals(name) && state.equals(scenario.actWhenState()) && actedOn.add(name)) {
        scenario.annotations().forEach((key, value) -> {
          out.printf(ROW, "", name, "", "", "", "-> kubectl annotate run " + name + " " + key + "=" + value);
          kubernetes.annotateRun(NAMESPACE, name, key, value);
        });
      }
    }
  }

  private static String note(Run run) {
    if (run.getStatus() == null) {
      return "";
    }
    List<String> notes = new ArrayList<>();
    if ("ARCHIVED".equals(run.getStatus().getStorageState())) {
      notes.add("archived");
    }
    if (run.getStatus().getLastRetry() != null) {
      notes.add("retry '" + run.getStatus().getLastRetry() + "' done");
    }
    RunFailure failure = run.getStatus().getFailure();
    if (failure != null && failure.tasks() != null) {
      for (RunFailure.FailedTask task : failure.tasks()) {
        String line = task.lastLogLine();
        notes.add("step " + task.name() + " failed: " + (line != null ? line : task.note()));
      }
    }
    run.getStatus().condition(RunConditions.SUBMITTED).filter(c -> "False".equals(c.getStatus()))
        .ifPresent(c -> notes.add("not submitted: " + c.getMessage()));
    if (notes.isEmpty() && run.getStatus().getRunId() != null) {
      notes.add("KFP run " + run.getStatus().getRunId().substring(0, 8));
    }
    return String.join("; ", notes);
  }

  private static String describe(Run run) {
    if (run == null) {
      return "missing";
    }
    if (run.getStatus() == null) {
      return "not reconciled yet";
    }
    return run.getStatus().getState() + " " + run.getStatus().getConditions();
  }

  /** Applies a sample, with the sample pipeline's id in this KFP in place of the one the manifests name. */
  private void apply(String resource) {
    byte[] manifests = resource(resource).replace(SandboxScenario.PIPELINE_ID, kfp.pipelineId())
        .getBytes(StandardCharsets.UTF_8);
    kubernetes.client().load(new ByteArrayInputStream(manifests)).inNamespace(NAMESPACE).create();
  }

  private Run get(String name) {
    return kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).withName(name).get();
  }

  /** The scenario's Run: by name, or the first (by name) its pick finds. */
  private Run get(SandboxScenario scenario) {
    if (scenario.pick() == null) {
      return get(scenario.runName());
    }
    return kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).list().getItems().stream()
        .filter(scenario.pick()).min(java.util.Comparator.comparing(run -> run.getMetadata().getName()))
        .orElse(null);
  }

  /**
   * Writes a kubeconfig for the sandbox's API, for kubectl and other tools, with {@link #NAMESPACE} as its
   * context's namespace, and returns its path.
   */
  public Path writeKubeconfig() throws IOException {
    Config config = KubeConfigUtils.parseConfig(kubernetes.kubeconfig().toFile());
    for (NamedContext context : config.getContexts()) {
      if (context.getName().equals(config.getCurrentContext())) {
        context.getContext().setNamespace(NAMESPACE);
      }
    }
    Path file = Files.createTempFile("kfp-run-operator-sandbox-", ".kubeconfig");
    file.toFile().deleteOnExit();
    KubeConfigUtils.persistKubeConfigIntoFile(config, file.toFile());
    return file;
  }

  public URI kfpUrl() {
    return kfp.baseUrl();
  }

  /** Which KFP the sandbox runs on, and where. */
  public String kfpDescription() {
    return kfp.description();
  }

  /** Where the operator serves /healthz, /readyz and /metrics. */
  public URI monitoringUrl() {
    return URI.create("http://127.0.0.1:" + operator.monitoringPort());
  }

  static String resource(String path) {
    try (InputStream in = Sandbox.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    operator.close();
    kfp.close();
    kubernetes.close();
  }
}
