package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * 250 runs, created one second apart, listed in pages of 100: paging, totals and sort order as KFP has them.
 * The runs are created once for the class; the tests only read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientSimulatorPagingTest {

  private static final int RUNS = 250;
  private static final ListRunsRequest PAGES_OF_100 = ListRunsRequest.all().withPageSize(100);

  private ClientSimulatorHarness kfp;
  /** Run ids in creation order. */
  private final List<String> created = new ArrayList<>();

  @BeforeAll
  void createRuns() {
    kfp = ClientSimulatorHarness.start();
    for (int i = 0; i < RUNS; i++) {
      created.add(kfp.createDemoRun(String.format("run-%03d", i)));
      kfp.clock.advance(Duration.ofSeconds(1));
    }
  }

  @AfterAll
  void stop() {
    kfp.close();
  }

  private List<OpenApiRecorder.Exchange> listCallsDuring(Runnable listing) {
    int before = kfp.recorder.exchanges().size();
    listing.run();
    List<OpenApiRecorder.Exchange> all = kfp.recorder.exchanges();
    return all.subList(before, all.size()).stream().filter(e -> e.method().equals("GET")).toList();
  }

  @Test
  void pagesOf100ArriveAsThreePagesWithEveryRunOnceAndTheTotalOnEach() {
    List<ListRunsResponse> pages = new ArrayList<>();
    ListRunsResponse page = kfp.client.listRuns(PAGES_OF_100);
    pages.add(page);
    while (page.hasNextPage()) {
      page = kfp.client.listRuns(PAGES_OF_100.withPageToken(page.nextPageToken()));
      pages.add(page);
    }

    assertThat(pages).extracting(p -> p.runs().size()).containsExactly(100, 100, 50);
    assertThat(pages).extracting(ListRunsResponse::totalSize).containsOnly(RUNS);
    assertThat(pages.stream().flatMap(p -> p.runs().stream()).map(KfpRun::runId).toList())
        .containsExactlyElementsOf(created);
  }

  @Test
  void listAllRunsYieldsEveryRunInThreeCalls() {
    List<String> listed = new ArrayList<>();

    List<OpenApiRecorder.Exchange> calls = listCallsDuring(
        () -> kfp.client.listAllRuns(PAGES_OF_100).map(KfpRun::runId).forEach(listed::add));

    assertThat(listed).containsExactlyElementsOf(created);
    assertThat(calls).hasSize(3).allSatisfy(call -> assertThat(call.pathAndQuery()).contains("page_size=100"));
  }

  @Test
  void sortByCreationTimeAscendingListsOldestFirst() {
    List<KfpRun> runs = kfp.client.listAllRuns(PAGES_OF_100.withSortBy("created_at asc")).toList();

    assertThat(runs).extracting(KfpRun::runId).containsExactlyElementsOf(created);
    assertThat(runs).extracting(KfpRun::createdAt).isSorted();
  }

  @Test
  void sortByCreationTimeDescendingListsNewestFirst() {
    List<KfpRun> runs = kfp.client.listAllRuns(PAGES_OF_100.withSortBy("created_at desc")).toList();
    List<String> newestFirst = new ArrayList<>(created);
    Collections.reverse(newestFirst);

    assertThat(runs).extracting(KfpRun::runId).containsExactlyElementsOf(newestFirst);
  }
}
