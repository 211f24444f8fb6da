package dev.kfp.operator.benchmark;

import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.tiers.MockApiTier;

/** {@link KubernetesRequestsPerStateChangeTest} on Fabric8's mock API server. */
@MockApiTier
class MockApiKubernetesRequestsPerStateChangeTest extends KubernetesRequestsPerStateChangeTest {

  @Override
  LocalKubernetes kubernetes() {
    return EmbeddedKubernetes.start();
  }
}
