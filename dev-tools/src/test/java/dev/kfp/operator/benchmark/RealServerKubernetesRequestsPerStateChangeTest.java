package dev.kfp.operator.benchmark;

import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.tiers.RealApiTier;
import java.nio.file.Path;

/** {@link KubernetesRequestsPerStateChangeTest} on the real kube-apiserver and etcd, as the benchmark runs. */
@RealApiTier
class RealServerKubernetesRequestsPerStateChangeTest extends KubernetesRequestsPerStateChangeTest {

  @Override
  LocalKubernetes kubernetes() {
    return RealKubernetes.start(ControlPlaneBinaries.locate(Path.of("")).orElseThrow());
  }
}
