package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.reconciler.submit.SubmissionMarker;
import dev.kfp.operator.RunOperator;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.tiers.KfpServerTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Exactly once against KFP's own server: two instances or a handover make one KFP run per Run, found by the
 * marker search in KFP's real list implementation (its filter on the description, its paging); a crash between
 * create and status write, and a look-alike marker, are {@link KfpServerAdoptionAfterRestartTest}.
 */
@KfpServerTier
class KfpServerExactlyOnceTest extends KfpServerSuite {

  /** On the mock: the bulk status sync, no TTL_SECONDS_AFTER_FINISHED. */
  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.MOCK, false, null);
  }

  private static final Duration WAIT = Duration.ofSeconds(60);

  private List<String> applyRuns(String pipelineId, String prefix, int count) {
    List<String> names = IntStream.range(0, count).mapToObj(i -> String.format("%s-%02d", prefix, i)).toList();
    names.forEach(name -> harness.apply(versionRefRun(name, pipelineId, "")));
    return names;
  }

  private void awaitAllSubmitted(List<String> names) {
    await().atMost(WAIT).until(() -> names.stream().map(harness::get)
        .allMatch(run -> run.getStatus() != null && run.getStatus().getRunId() != null));
  }

  /** KFP runs per Run (by the marker in the description), and the Runs whose run id is not their one KFP run. */
  private List<String> duplicatesAndMismatches(List<String> names) {
    Map<String, List<KfpRun>> byMarker = kfpRuns().stream().collect(Collectors.groupingBy(
        run -> run.description() == null ? "" : run.description()));
    return names.stream().map(harness::get).flatMap(run -> {
      String marker = SubmissionMarker.of(run).text();
      List<KfpRun> mine = byMarker.entrySet().stream().filter(e -> e.getKey().contains(marker))
          .flatMap(e -> e.getValue().stream()).toList();
      if (mine.size() != 1) {
        return Stream.of(run.getMetadata().getName() + ": " + mine.size() + " KFP runs");
      }
      return mine.get(0).runId().equals(run.getStatus().getRunId()) ? Stream.empty()
          : Stream.of(run.getMetadata().getName() + ": run id " + run.getStatus().getRunId()
              + " is not its KFP run " + mine.get(0).runId());
    }).toList();
  }

  @Test
  void twoInstancesWithoutLeaderElectionMakeOneKfpRunPerRun() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    RunOperator second = harness.startAnotherInstance();

    List<String> names = applyRuns(pipelineId, "raced", 20);
    awaitAllSubmitted(names);

    Map<String, Long> byHolder = names.stream().map(harness::get).collect(Collectors.groupingBy(
        run -> run.getStatus().getClaim() == null ? "adopted" : run.getStatus().getClaim().holder()
            .equals(second.instance()) ? "second" : "first", Collectors.counting()));
    List<String> problems = duplicatesAndMismatches(names);
    System.out.printf("two instances without leader election on KFP's server: %d Runs, %d KFP runs, created by "
        + "instance %s, %d duplicates or mismatches%n", names.size(), kfpRuns().size(), byHolder, problems.size());
    assertThat(problems).isEmpty();
    assertThat(kfpRuns()).hasSize(names.size());
  }

  @Test
  void anInstanceStoppedMidReconcileAndANewOneStartedAtOnceMakeOneKfpRunPerRun() {
    String pipelineId = upload("plain", PLAIN_PIPELINE);
    List<String> names = applyRuns(pipelineId, "handover", 10);
    await().atMost(WAIT).until(() -> !kfpRuns().isEmpty());

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(harness::stopOperator);
    harness.startAnotherInstance();
    stopping.join();
    awaitAllSubmitted(names);

    List<String> problems = duplicatesAndMismatches(names);
    System.out.printf("handover on KFP's server: %d Runs, %d KFP runs, %d duplicates or mismatches%n",
        names.size(), kfpRuns().size(), problems.size());
    assertThat(problems).isEmpty();
    assertThat(kfpRuns()).extracting(KfpRun::runId).doesNotHaveDuplicates().hasSize(names.size());
    assertThat(names.stream().map(harness::get).map(run -> run.getStatus().getRunId()))
        .doesNotHaveDuplicates();
  }
}
