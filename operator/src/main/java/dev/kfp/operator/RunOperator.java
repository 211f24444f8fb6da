package dev.kfp.operator;

import dev.kfp.operator.config.ShardSelector;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.reconciler.status.EventRecorder;
import dev.kfp.operator.reconciler.submit.PipelineVersionObjects;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.reconciler.RunReconciler;
import dev.kfp.operator.reconciler.submit.RunValidator;
import dev.kfp.operator.sync.BulkStatusPoller;
import dev.kfp.operator.sync.BulkSync;
import dev.kfp.operator.sync.PerRunSync;
import dev.kfp.operator.reconciler.follow.SyncStrategy;
import dev.kfp.operator.schedule.RunScheduleReconciler;
import dev.kfp.operator.schedule.ScheduleSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import dev.kfp.operator.api.Run;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The running operator: a JOSDK {@link Operator} with the Run and RunSchedule reconcilers registered, wired to one
 * Kubernetes client, the KFP clients and the sync strategy the settings choose. The reconciler writes status itself, as
 * JSON Patches locked on the resourceVersion (see docs/developing/exactly-once.md); server-side apply stays off for what
 * JOSDK writes (the finalizer), since the embedded Kubernetes API of the sandbox and the tests does not
 * support it.
 */
public final class RunOperator implements AutoCloseable {

  /**
   * Runs per page of the informer's first LIST (and of a relist), as client-go's reflector pages: 100,000 Runs
   * then arrive as 200 answers, not as one answer the API server and the operator would each hold whole.
   */
  static final long LIST_PAGE = 500;

  private final Operator operator;
  private final Controller<Run> controller;
  private final SyncStrategy sync;
  private final String instance;

  private RunOperator(Operator operator, Controller<Run> controller, SyncStrategy sync, String instance) {
    this.instance = instance;
    this.operator = operator;
    this.controller = controller;
    this.sync = sync;
  }

  /**
   * Registers the Run reconciler with a KFP client per namespace, and the RunSchedule reconciler, and starts
   * watching Runs and RunSchedules in the given namespaces (all when empty) that the shard selector matches (the
   * API server filters them, so other shards' objects are never cached; the RunQueue informer and that of the
   * schedules' Runs take the same selector from the controllers); further JOSDK settings (metrics,
   * leader election) are applied after the ones this class needs; the RunSchedule controller reads slots on the
   * clock of {@code schedules}. Only {@link OperatorWiring} starts an operator, so that every one started has the
   * shipped listeners.
   */
  @SuppressWarnings("unchecked") // JOSDK registers every reconciler as a Controller
  static RunOperator start(KubernetesClient kubernetes, KfpClientProvider kfp, ReconcilerSettings settings,
      Set<String> namespaces, ShardSelector shard, Consumer<ConfigurationServiceOverrider> operatorSettings,
      ScheduleSettings schedules) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(kubernetes)
          .withUseSSAToPatchPrimaryResource(false)
          .withCloseClientOnStop(false)
          // read-your-writes: until the informer has caught up, the next reconcile sees the status just written
          // (compared by resourceVersion), not the older one from the watch; else a reconcile triggered meanwhile
          // by the status sync acts on a stale status, e.g. diagnoses a failure twice (seen on a real API server)
          .withParseResourceVersions(true)
          .withResourceCloner(new io.javaoperatorsdk.operator.api.config.Cloner() {
            @Override
            public <R extends HasMetadata> R clone(R resource) {
              return cloneKeepingMarks(kubernetes, resource);
            }
          })
          // Stopping waits for the reconciles in flight, so none of them acts, or writes, after the stop.
          .withReconciliationTerminationTimeout(settings.createWindow());
      operatorSettings.accept(o);
    });
    String instance = instanceName();
    RunValidator validator = new RunValidator((namespace, name) -> Optional
        .ofNullable(kubernetes.configMaps().inNamespace(namespace).withName(name).get())
        .map(RunOperator::data));
    SyncStrategy sync = settings.pollsEachRun()
        ? new PerRunSync(settings.pollInterval(), settings.resyncInterval())
        : new BulkSync(kfp, settings.pollInterval(), settings.resyncInterval());
    RunReconciler reconciler = RunReconciler.create(kfp, validator, pipelineVersions(kubernetes),
        new EventRecorder(kubernetes), settings, sync,
        (namespace, name) -> Optional.ofNullable(kubernetes.resources(Run.class).inNamespace(namespace)
            .withName(name).get()),
        instance);
    RegisteredController<Run> registered = operator.register(reconciler,
        RunOperator.<Run>watching(namespaces, shard).andThen(configuration -> {
          configuration.withInformerListLimit(LIST_PAGE);
          // The cache keeps Runs trimmed (Run.trimForCache), with one informer only: JOSDK hands the same item
          // store to the informer of every watched namespace, and each informer's relist would drop the others'.
          if (namespaces.size() <= 1) {
            configuration.withItemStore(new TransformingItemStore<>(Run::trimForCache));
          }
        }));
    operator.register(new RunScheduleReconciler(kubernetes, schedules.withShardLabels(shard.keys())),
        watching(namespaces, shard));
    operator.start();
    return new RunOperator(operator, (Controller<Run>) registered, sync, instance);
  }

  /** A controller's informer on these namespaces (all when empty), filtered by the shard selector on the server. */
  private static <R extends HasMetadata> Consumer<ControllerConfigurationOverrider<R>> watching(Set<String> namespaces,
      ShardSelector shard) {
    return configuration -> {
      if (!namespaces.isEmpty()) {
        configuration.settingNamespaces(namespaces);
      }
      if (!shard.isEmpty()) {
        configuration.withLabelSelector(shard.toString());
      }
    };
  }

  /** The host (the pod's name in Kubernetes) and a random part, so that every start has a name of its own. */
  private static String instanceName() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      host = "operator";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** This instance's name in the submission claims it writes. */
  public String instance() {
    return instance;
  }

  /** What JOSDK knows of its own state: started, informers healthy. */
  public RuntimeInfo runtimeInfo() {
    return operator.getRuntimeInfo();
  }

  /** The Runs in the informer cache (empty before the informer started); costs no API call. */
  public Stream<Run> cachedRuns() {
    return controller.getEventSourceManager().getControllerEventSource().list();
  }

  /** The bulk status sync, unless the operator polls each run. */
  public Optional<BulkStatusPoller> statusSync() {
    return sync instanceof BulkSync bulk ? bulk.poller() : Optional.empty();
  }

  /** JOSDK's JSON clone, with a Run's unreadable and trimmed marks carried over (they are not JSON). */
  private static <R extends HasMetadata> R cloneKeepingMarks(KubernetesClient kubernetes, R resource) {
    R copy = kubernetes.getKubernetesSerialization().clone(resource);
    if (resource instanceof Run original) {
      ((Run) copy).withMarksOf(original);
    }
    return copy;
  }

  /** KFP's Kubernetes-native PipelineVersion objects, read as generic objects: the operator needs their metadata. */
  private static PipelineVersionObjects pipelineVersions(KubernetesClient kubernetes) {
    ResourceDefinitionContext kind = new ResourceDefinitionContext.Builder()
        .withGroup("pipelines.kubeflow.org").withVersion("v2beta1").withKind("PipelineVersion")
        .withPlural("pipelineversions").withNamespaced(true).build();
    return (namespace, name) -> Optional.ofNullable(kubernetes.genericKubernetesResources(kind)
        .inNamespace(namespace).withName(name).get()).map(GenericKubernetesResource::getMetadata);
  }

  private static Map<String, String> data(ConfigMap configMap) {
    return configMap.getData() == null ? Map.of() : configMap.getData();
  }

  @Override
  public void close() {
    operator.stop();
  }
}
