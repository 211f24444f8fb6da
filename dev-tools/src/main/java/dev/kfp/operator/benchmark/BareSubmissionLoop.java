package dev.kfp.operator.benchmark;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.EventRecorder;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.reconciler.submit.SpecFingerprint;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The yardstick for submission: the requests the operator makes per Run, made straight from a thread pool with
 * no operator in between. Per Run, in the operator's order (RunSubmitter): create the Run object (the user's
 * apply), add the finalizer (a patch, as JOSDK adds it), search KFP for the marker, write the submission claim
 * (a status patch locked on the resourceVersion), create the KFP run, write the run id with the state and the
 * Submitted condition (a second locked status patch) and record the {@code Submitted} event. Status and event
 * go through the operator's own {@link StatusWriter} and {@link EventRecorder}, so their requests are the same
 * ones, with the same bodies.
 */
final class BareSubmissionLoop {

  /** How long it took, and the Kubernetes requests it made by verb and resource. */
  record Result(double seconds, Map<String, Long> kubernetesRequests) {}

  private static final String INSTANCE = "bare-loop";

  private BareSubmissionLoop() {}

  /**
   * Submits {@code runs} Runs with {@code threads} threads.
   *
   * @param sameAsOperator false makes only the Run, the KFP run and the run id in status (to fill a cluster
   *     quickly, not to compare)
   */
  static Result submit(BenchmarkEnvironment env, int runs, int threads, boolean sameAsOperator) throws Exception {
    KubernetesRequests requests = new KubernetesRequests();
    NamespacedKubernetesClient client = env.countedClient(requests);
    EventRecorder events = new EventRecorder(client);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        int number = i;
        done.add(pool.submit(() -> {
          submitOne(env, client, events, number, sameAsOperator);
          return null;
        }));
      }
      for (Future<?> future : done) {
        future.get();
      }
      return new Result((System.nanoTime() - start) / 1e9, requests.snapshot());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void submitOne(BenchmarkEnvironment env, NamespacedKubernetesClient client, EventRecorder events,
      int number, boolean sameAsOperator) {
    Run run = client.resource(env.run(number)).create();
    if (sameAsOperator) {
      Run withFinalizer = Serialization.clone(run);
      withFinalizer.addFinalizer(Run.FINALIZER);
      run = client.resource(run).edit(r -> withFinalizer);
    }
    String ref = run.getMetadata().getNamespace() + "/" + run.getMetadata().getName();
    String marker = "uid=" + run.getMetadata().getUid();
    StatusWriter writer = new StatusWriter(run, client, (stored, read) -> { }); // of the Run without status
    RunStatus status = new RunStatus();
    run.setStatus(status);
    if (sameAsOperator) {
      env.client.listAllRuns(ListRunsRequest.all()
          .withNamespace(run.getMetadata().getNamespace())
          .withPageSize(100)
          .withFilter(RunFilter.builder().substring("description", marker).build())).count();
      status.setObservedGeneration(run.getMetadata().getGeneration());
      status.setClaim(SubmissionClaim.next(null, INSTANCE, Instant.now()));
      writer.write();
    }
    KfpRun.CreateBuilder create = KfpRun.create(run.getMetadata().getName())
        .description("[kfp-run-operator " + ref + " " + marker + "]");
    if (env.inlineSpec != null) {
      create.pipelineSpec(env.inlineSpec);
    } else {
      create.pipelineVersionReference(new PipelineVersionReference(env.pipelineId, null));
    }
    KfpRun created = env.client.createRun(create.build());
    status.setRunId(created.runId());
    if (sameAsOperator) {
      status.setState(created.state() == null ? null : created.state().name());
      status.setSpecHash(SpecFingerprint.of(run.getSpec()));
      status.setConditions(List.of(submitted(created.runId())));
      writer.write();
      events.normal(run, EventReason.SUBMITTED.text(), "created KFP run " + created.runId());
    } else {
      writer.write();
    }
  }

  private static Condition submitted(String runId) {
    return new ConditionBuilder().withType(RunConditions.SUBMITTED).withStatus("True")
        .withReason(RunConditions.REASON_CREATED).withMessage("KFP run " + runId)
        .withLastTransitionTime(Instant.now().toString()).build();
  }
}
