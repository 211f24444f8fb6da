package dev.kfp.operator.reconciler;

import dev.kfp.operator.tiers.KfpServerTier;

/**
 * {@link AdoptionAfterRestartTest} on KFP's own server (on the mock): the marker search meets KFP's real list
 * implementation, its filter on the description and its paging.
 */
@KfpServerTier
class KfpServerAdoptionAfterRestartTest extends AdoptionAfterRestartTest {

  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.MOCK, false, null);
  }

  /** Uploads the SDK-compiled plain pipeline through KFP's upload handler. */
  @Override
  String registerPlainPipeline() {
    return KfpServerSuite.json(harness.kfpServer().uploadPipeline("plain", KfpServerSuite.PLAIN_PIPELINE))
        .path("pipeline_id").asText();
  }
}
