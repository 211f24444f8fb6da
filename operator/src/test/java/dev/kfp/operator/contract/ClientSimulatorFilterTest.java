package dev.kfp.operator.contract;

import static dev.kfp.operator.contract.ClientSimulatorHarness.PENDING;
import static dev.kfp.operator.contract.ClientSimulatorHarness.UNTIL_FINISHED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.RunFilter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Filters built with {@link RunFilter}, sent by the client, applied by the simulator as KFP's SQL would. */
class ClientSimulatorFilterTest {

  private ClientSimulatorHarness kfp;

  @BeforeEach
  void start() {
    kfp = ClientSimulatorHarness.start();
  }

  @AfterEach
  void stop() {
    kfp.close();
  }

  private String createThenTick(String displayName) {
    String id = kfp.createDemoRun(displayName);
    kfp.clock.advance(Duration.ofSeconds(1));
    return id;
  }

  private List<String> idsMatching(RunFilter filter) {
    ListRunsResponse page = kfp.client.listRuns(ListRunsRequest.all().withFilter(filter));
    assertThat(page.totalSize()).isEqualTo(page.runs().size());
    return page.runs().stream().map(KfpRun::runId).toList();
  }

  @Test
  void displayNameEqualsMatchesEveryRunOfThatNameAndNoOther() {
    String first = createThenTick("nightly");
    createThenTick("nightly-2");
    createThenTick("weekly");
    String second = createThenTick("nightly");

    assertThat(idsMatching(RunFilter.builder().equalTo("display_name", "nightly").build()))
        .containsExactly(first, second);
  }

  @Test
  void aDisplayNameWithPlusPercentAndSpacesSurvivesTheFilterRoundTrip() {
    String odd = createThenTick("a+b 100%41 c&d=e");
    // what the name would turn into if the server's second URL-decoding were not accounted for
    createThenTick("a b 100A c&d=e");

    assertThat(idsMatching(RunFilter.builder().equalTo("display_name", "a+b 100%41 c&d=e").build()))
        .containsExactly(odd);
  }

  @Test
  void stateEqualsAndStateInSelectByTheCurrentState() {
    String finished = createThenTick("finished");
    kfp.clock.advance(UNTIL_FINISHED);
    String running = createThenTick("running");
    kfp.clock.advance(PENDING);
    String pending = createThenTick("pending");

    assertThat(idsMatching(RunFilter.builder().equalTo("state", "RUNNING").build())).containsExactly(running);
    assertThat(idsMatching(RunFilter.builder().equalTo("state", "SUCCEEDED").build())).containsExactly(finished);
    assertThat(idsMatching(RunFilter.builder().in("state", List.of("PENDING", "RUNNING")).build()))
        .containsExactly(running, pending);
  }

  @Test
  void predicatesAreAndedTogether() {
    createThenTick("nightly");
    kfp.clock.advance(PENDING);
    String pendingNightly = createThenTick("nightly");
    createThenTick("weekly");

    assertThat(idsMatching(RunFilter.builder().equalTo("display_name", "nightly")
        .in("state", List.of("PENDING")).build())).containsExactly(pendingNightly);
  }
}
