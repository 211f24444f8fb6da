package dev.kfp.operator.benchmark;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.kfp.RunFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The yardstick for submission: the calls the operator needs per Run (create the Run object, look for the
 * marker in KFP, create the KFP run, write the run id to status), made straight from a thread pool with no
 * operator in between.
 */
final class BareSubmissionLoop {

  private BareSubmissionLoop() {}

  /**
   * Submits {@code runs} Runs with {@code threads} threads; returns the seconds it took.
   *
   * @param markerSearch false leaves out the marker search (to fill a cluster quickly, not to compare)
   */
  static double submit(BenchmarkEnvironment env, int runs, int threads, boolean markerSearch) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        int number = i;
        done.add(pool.submit(() -> {
          submitOne(env, number, markerSearch);
          return null;
        }));
      }
      for (Future<?> future : done) {
        future.get();
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void submitOne(BenchmarkEnvironment env, int number, boolean markerSearch) {
    Run run = env.k8s().resource(env.run(number)).create();
    String ref = run.getMetadata().getNamespace() + "/" + run.getMetadata().getName();
    String marker = "uid=" + run.getMetadata().getUid();
    if (markerSearch) {
      env.client.listAllRuns(ListRunsRequest.all()
          .withNamespace(run.getMetadata().getNamespace())
          .withPageSize(100)
          .withFilter(RunFilter.builder().substring("description", marker).build())).count();
    }
    KfpRun.CreateBuilder create = KfpRun.create(run.getMetadata().getName())
        .description("[kfp-run-operator " + ref + " " + marker + "]");
    if (env.inlineSpec != null) {
      create.pipelineSpec(env.inlineSpec);
    } else {
      create.pipelineVersionReference(new PipelineVersionReference(env.pipelineId, null));
    }
    KfpRun created = env.client.createRun(create.build());
    RunStatus status = new RunStatus();
    status.setRunId(created.runId());
    run.setStatus(status);
    env.k8s().resource(run).patchStatus();
  }
}
