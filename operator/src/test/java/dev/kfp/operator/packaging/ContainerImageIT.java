package dev.kfp.operator.packaging;

import static dev.kfp.operator.packaging.Podman.podman;
import static dev.kfp.operator.packaging.Podman.podmanOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.tiers.ImageTier;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image users install: built from the Dockerfile with podman ({@code src/test/container/build-image.sh}, base
 * images made from Debian's packages, nothing pulled), then run the way the chart runs it. A build or run that
 * fails fails these tests; none is skipped.
 */
@ImageTier
class ContainerImageIT {

  private static final Duration BUILD = Duration.ofMinutes(30);
  private static final String NAMESPACE = RealCluster.TEST_NAMESPACES.get(0);
  private static String image;

  @BeforeAll
  static void buildTheImageFromTheDockerfile() {
    image = Podman.buildImage(BUILD);
  }

  @Test
  void runsAsUser10001() {
    assertThat(podmanOk("image", "inspect", "--format", "{{.Config.User}}", image)).isEqualTo("10001:10001");
    assertThat(podmanOk("run", "--rm", "--network=none", "--entrypoint", "id", image, "-u")).isEqualTo("10001");
    assertThat(podmanOk("run", "--rm", "--network=none", "--entrypoint", "id", image, "-g")).isEqualTo("10001");
  }

  @Test
  void holdsTheProductionJarOnly(@TempDir Path dir) throws IOException {
    assertThat(podmanOk("run", "--rm", "--network=none", "--entrypoint", "ls", image, "-A", "/app"))
        .isEqualTo("kfp-run-operator.jar");
    String container = podmanOk("create", image);
    try {
      podmanOk("cp", container + ":/app/kfp-run-operator.jar", dir.toString());
    } finally {
      podmanOk("rm", container);
    }
    List<String> inImage = entries(dir.resolve("kfp-run-operator.jar"));
    assertThat(inImage).filteredOn(e -> ProductionJarIT.NOT_IN_PRODUCTION.matcher(e).find()).isEmpty();
    assertThat(inImage).as("the jar mvn package built here from the same sources")
        .containsExactlyInAnyOrderElementsOf(entries(Path.of("operator", "target", "kfp-run-operator.jar")));
  }

  @Test
  void helpExitsZero() {
    Podman.Result help = podman(Duration.ofMinutes(1), "run", "--rm", "--network=none", image, "--help");
    assertThat(help.exit()).as(help.toString()).isZero();
    assertThat(help.out()).contains("--kfp-endpoint", "KFP_ENDPOINT", "--monitoring-port");
  }

  /**
   * As the chart's pod runs it (read-only root with a /tmp of its own, no capabilities, no new privileges), against a
   * real kube-apiserver reached on the host's loopback: it takes its Lease, and its probes and metrics answer.
   */
  @Test
  void startsReadOnlyWithoutCapabilitiesTakesItsLeaseAndAnswersItsProbes(@TempDir Path dir) throws Exception {
    try (LocalKubernetes kubernetes = RealCluster.lease()) {
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, selfContained(kubernetes.client().getConfiguration()));
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
      int port = freePort();
      String container = podmanOk("run", "--detach", "--network=host",
          "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:size=64m",
          "--cap-drop=all", "--security-opt=no-new-privileges",
          "--volume", kubeconfig + ":/etc/kfp-run-operator/kubeconfig:ro",
          "--env", "KUBECONFIG=/etc/kfp-run-operator/kubeconfig",
          "--env", "KFP_ENDPOINT=http://127.0.0.1:1",
          "--env", "MONITORING_PORT=" + port,
          "--env", "LEADER_ELECTION_NAMESPACE=" + NAMESPACE,
          image);
      try {
        HttpClient http = HttpClient.newHttpClient();
        try {
          await("/readyz answers 200").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
              .ignoreExceptions().until(() -> get(http, port, "/readyz").statusCode() == 200);
        } catch (ConditionTimeoutException e) {
          throw new AssertionError(e.getMessage() + "\n" + podman(Duration.ofMinutes(1), "logs", container), e);
        }
        assertThat(get(http, port, "/healthz").statusCode()).isEqualTo(200);
        await("the Lease is held").atMost(Duration.ofMinutes(1)).until(() -> {
          Lease lease = kubernetes.client().leases().inNamespace(NAMESPACE).withName(OperatorCommand.LEASE_NAME)
              .get();
          return lease != null && lease.getSpec().getHolderIdentity() != null;
        });
        assertThat(get(http, port, "/metrics").body()).contains("kfp_operator_");

        String status = podmanOk("exec", container, "cat", "/proc/1/status");
        assertThat(status).containsPattern("(?m)^Uid:\\s+10001\\s").containsPattern("(?m)^CapEff:\\s+0+$")
            .containsPattern("(?m)^NoNewPrivs:\\s+1$");
        assertThat(podman(Duration.ofMinutes(1), "exec", container, "touch", "/app/written").exit())
            .as("the root filesystem is read-only").isNotZero();
        assertThat(podman(Duration.ofMinutes(1), "inspect", "--format", "{{.State.Running}}", container).out())
            .as("still running; its log:\n" + podman(Duration.ofMinutes(1), "logs", container))
            .contains("true");
      } finally {
        podmanOk("rm", "--force", "--time", "5", container);
      }
    }
  }

  /** The administrator's kubeconfig with its certificates inline, for a container that sees none of the host's files. */
  private static String selfContained(Config config) throws IOException {
    return """
        apiVersion: v1
        kind: Config
        clusters: [{name: real, cluster: {server: "%s", certificate-authority-data: %s}}]
        users: [{name: admin, user: {client-certificate-data: %s, client-key-data: %s}}]
        contexts: [{name: real, context: {cluster: real, user: admin}}]
        current-context: real
        """.formatted(config.getMasterUrl(), inline(config.getCaCertData(), config.getCaCertFile()),
        inline(config.getClientCertData(), config.getClientCertFile()),
        inline(config.getClientKeyData(), config.getClientKeyFile()));
  }

  private static String inline(String data, String file) throws IOException {
    return data != null ? data : Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static List<String> entries(Path jar) throws IOException {
    List<String> names = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      file.stream().map(ZipEntry::getName).forEach(names::add);
    }
    return names;
  }
}
