package dev.kfp.operator.contract;

import static dev.kfp.operator.contract.KfpFailures.assertPermanent;
import static dev.kfp.operator.contract.KfpFailures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpPipeline;
import dev.kfp.operator.kfp.KfpPipelineVersion;
import dev.kfp.operator.kfp.ListPipelineVersionsRequest;
import dev.kfp.operator.kfp.ListPipelineVersionsResponse;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.simulator.PipelineVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two reads of KFP's pipeline service the operator makes, client → simulator, each exchange checked against
 * KFP's OpenAPI document: GetPipelineByName, and ListPipelineVersions with a display-name filter, sort and paging.
 */
class ClientSimulatorPipelinesTest {

  private ClientSimulatorHarness kfp;

  @BeforeEach
  void start() {
    kfp = ClientSimulatorHarness.start();
  }

  @AfterEach
  void stop() {
    kfp.close();
  }

  /** A pipeline "train" with versions of these display names, registered one clock second apart. */
  private String trainWithVersions(String... displayNames) {
    PipelineVersion first = kfp.simulator.registerPipeline("train", kfp.demo.spec().toString());
    for (String displayName : displayNames) {
      kfp.clock.advance(Duration.ofSeconds(1));
      kfp.simulator.registerPipelineVersion(first.pipelineId(), displayName, kfp.demo.spec().toString());
    }
    return first.pipelineId();
  }

  @Test
  void aPipelineIsFoundByItsName() {
    String pipelineId = trainWithVersions();

    KfpPipeline pipeline = kfp.client.getPipelineByName("train", "team-a");

    assertThat(pipeline.pipelineId()).isEqualTo(pipelineId);
    assertThat(pipeline.name()).isEqualTo("train");
    assertThat(pipeline.namespace()).as("single-user KFP ignores the namespace asked for").isNull();
    assertThat(pipeline.createdAt()).isNotNull();
  }

  @Test
  void anUnknownNameIsNotFound() {
    KfpException failure = failureOf(() -> kfp.client.getPipelineByName("nope", null));

    assertThat(failure.isNotFound()).as(failure.getMessage()).isTrue();
    assertThat(failure.getMessage()).contains("Namespace/Pipeline /nope not found");
    assertPermanent(failure);
  }

  @Test
  void versionsAreFilteredByExactDisplayName() {
    String pipelineId = trainWithVersions("v1", "v2", "v1", "v10");

    ListPipelineVersionsResponse named = kfp.client.listPipelineVersions(
        ListPipelineVersionsRequest.named(pipelineId, "v1"));

    assertThat(named.pipelineVersions()).extracting(KfpPipelineVersion::displayName).containsExactly("v1", "v1");
    assertThat(named.totalSize()).isEqualTo(2);
    assertThat(named.hasNextPage()).isFalse();
    assertThat(named.pipelineVersions()).allSatisfy(v -> assertThat(v.pipelineId()).isEqualTo(pipelineId));
  }

  @Test
  void aNameNoVersionHasListsNothing() {
    String pipelineId = trainWithVersions("v1");

    ListPipelineVersionsResponse named = kfp.client.listPipelineVersions(
        ListPipelineVersionsRequest.named(pipelineId, "v2"));

    assertThat(named.pipelineVersions()).isEmpty();
    assertThat(named.totalSize()).isZero();
  }

  @Test
  void versionsComeOldestFirstInPagesThatRepeatTheRequest() {
    String pipelineId = trainWithVersions("v1", "v2", "v3", "v4");
    ListPipelineVersionsRequest request = ListPipelineVersionsRequest.of(pipelineId).withPageSize(2);
    List<String> names = new ArrayList<>();
    ListPipelineVersionsResponse page = kfp.client.listPipelineVersions(request);
    names.addAll(page.pipelineVersions().stream().map(KfpPipelineVersion::displayName).toList());
    int pages = 1;
    while (page.hasNextPage()) {
      page = kfp.client.listPipelineVersions(request.withPageToken(page.nextPageToken()));
      names.addAll(page.pipelineVersions().stream().map(KfpPipelineVersion::displayName).toList());
      pages++;
    }

    assertThat(names).containsExactly("train", "v1", "v2", "v3", "v4");
    assertThat(pages).isEqualTo(3);
    assertThat(page.totalSize()).isEqualTo(5);
  }

  @Test
  void sortedByCreationDescendingTheNewestComesFirst() {
    String pipelineId = trainWithVersions("v1", "v2");

    ListPipelineVersionsResponse page = kfp.client.listPipelineVersions(
        ListPipelineVersionsRequest.of(pipelineId).withSortBy("created_at desc").withPageSize(1));

    assertThat(page.pipelineVersions()).extracting(KfpPipelineVersion::displayName).containsExactly("v2");
    assertThat(page.hasNextPage()).isTrue();
  }

  @Test
  void aPageTokenWithAnotherFilterIsRefused() {
    String pipelineId = trainWithVersions("v1", "v1", "v1");
    ListPipelineVersionsResponse first = kfp.client.listPipelineVersions(
        ListPipelineVersionsRequest.named(pipelineId, "v1").withPageSize(1));

    KfpException failure = failureOf(() -> kfp.client.listPipelineVersions(
        ListPipelineVersionsRequest.named(pipelineId, "v2").withPageToken(first.nextPageToken())));

    assertThat(failure.isBadRequest()).as(failure.getMessage()).isTrue();
    assertThat(failure.getMessage()).contains("page token does not match");
  }

  @Test
  void aFilterOnAFieldVersionsDoNotHaveIsRefused() {
    String pipelineId = trainWithVersions();

    KfpException failure = failureOf(() -> kfp.client.listPipelineVersions(ListPipelineVersionsRequest
        .of(pipelineId).withFilter(RunFilter.builder().equalTo("state", "READY").build())));

    assertThat(failure.isBadRequest()).as(failure.getMessage()).isTrue();
    assertThat(failure.getMessage()).contains("no support for filtering on unrecognized field \"state\"");
  }

  @Test
  void theVersionsOfAnUnknownPipelineAreNotFound() {
    KfpException failure = failureOf(() -> kfp.client.listPipelineVersions(ListPipelineVersionsRequest.of("p-0")));

    assertThat(failure.isNotFound()).as(failure.getMessage()).isTrue();
  }

  /** Multi-user KFP looks in the namespace asked for and checks the caller may read it. */
  @Test
  void inMultiUserModeOnlyThePipelinesOfTheNamespaceAreFound() {
    try (ClientSimulatorHarness multiUser = ClientSimulatorHarness.start(
        simulator -> simulator.token("team-a-token", "team-a"), client -> client.bearerToken("team-a-token"))) {
      PipelineVersion own = multiUser.simulator.registerPipelineInNamespace("team-a", "train",
          multiUser.demo.spec().toString());
      multiUser.simulator.registerPipelineInNamespace("team-b", "secret", multiUser.demo.spec().toString());

      assertThat(multiUser.client.getPipelineByName("train", "team-a").pipelineId()).isEqualTo(own.pipelineId());
      assertThat(multiUser.client.getPipelineByName("train", "team-a").namespace()).isEqualTo("team-a");
      assertThat(failureOf(() -> multiUser.client.getPipelineByName("demo", "team-a")).isNotFound())
          .as("a shared pipeline is not one of the namespace's").isTrue();
      assertThat(failureOf(() -> multiUser.client.getPipelineByName("secret", "team-b")).isUnauthorized())
          .as("team A may not read team B's pipelines").isTrue();
    }
  }
}
