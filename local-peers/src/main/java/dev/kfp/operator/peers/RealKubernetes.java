package dev.kfp.operator.peers;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Kubernetes API: etcd and kube-apiserver processes started through Fabric8's kube-api-test, offline,
 * with RBAC on, and the Run CRD applied and established. Unlike {@link EmbeddedKubernetes} it runs admission,
 * schema validation with the CRD's CEL rules, server-side apply, discovery, OpenAPI, tables and watches, so the
 * real kubectl works against it. There is no kubelet, scheduler or controller manager: pods never run, and
 * nothing garbage-collects or finishes a namespace deletion.
 */
public final class RealKubernetes implements LocalKubernetes {

  private static final Duration STARTUP = Duration.ofMinutes(2);

  private final KubeAPIServer server;
  private final ControlPlaneBinaries binaries;
  private final Path kubeconfig;
  private final NamespacedKubernetesClient client;

  private RealKubernetes(KubeAPIServer server, ControlPlaneBinaries binaries, Path kubeconfig) {
    this.server = server;
    this.binaries = binaries;
    this.kubeconfig = kubeconfig;
    this.client = new KubernetesClientBuilder().withConfig(config()).build().adapt(NamespacedKubernetesClient.class);
  }

  /** Starts etcd and kube-apiserver from {@code binaries} and installs the Run CRD. */
  public static RealKubernetes start(ControlPlaneBinaries binaries) {
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(binaries.testDir().toString())
        .withApiServerVersion(binaries.version())
        .withOfflineMode(true)
        .withUpdateKubeConfig(false)
        .withStartupTimeout((int) STARTUP.toMillis())
        .build());
    createCertificatesOnce(binaries.testDir());
    try {
      server.start();
    } catch (RuntimeException e) {
      server.stop(); // what did start (etcd, a server that never became ready) must not outlive the attempt
      throw e;
    }
    try {
      Path kubeconfig = Files.createTempFile("kfp-run-operator-kubeconfig-", ".yaml");
      Files.writeString(kubeconfig, server.getKubeConfigYaml());
      kubeconfig.toFile().deleteOnExit();
      RealKubernetes kubernetes = new RealKubernetes(server, binaries, kubeconfig);
      kubernetes.installCrd(EmbeddedKubernetes.runCrd());
      kubernetes.installCrd(EmbeddedKubernetes.runQueueCrd());
      kubernetes.installCrd(EmbeddedKubernetes.runScheduleCrd());
      return kubernetes;
    } catch (IOException e) {
      server.stop();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      server.stop();
      throw e;
    }
  }

  /**
   * Has kube-api-test write the certificates every server of {@code testDir} shares, holding a lock on that
   * directory: two processes that start a server at once (parallel test forks, a sandbox beside a test run) would
   * otherwise both find them missing and overwrite each other's half-written files. Once they exist, starting a
   * server only reads them.
   */
  private static void createCertificatesOnce(Path testDir) {
    synchronized (RealKubernetes.class) { // a JVM may not hold two locks on one file
      try (FileChannel channel = FileChannel.open(testDir.resolve(".certificates.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
        new CertManager(testDir.toString()).createCertificatesIfNeeded();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + testDir + " to create the API server's certificates", e);
      }
    }
  }

  /** Creates or updates a CRD and waits until the API server serves it. */
  public void installCrd(CustomResourceDefinition crd) {
    client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
    client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
        .waitUntilCondition(RealKubernetes::isEstablished, 30, TimeUnit.SECONDS);
  }

  /**
   * True once the API server serves the CRD. Right after an apply the CRD may have a status without conditions
   * yet, which is "not yet", not an error.
   */
  public static boolean isEstablished(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The administrator's configuration (a client certificate in {@code system:masters}). */
  public Config config() {
    return Config.fromKubeconfig(server.getKubeConfigYaml());
  }

  /**
   * A client that acts as a service account, by impersonation: every request is authorized by RBAC as that
   * account, exactly as in a pod that mounts its token.
   */
  public NamespacedKubernetesClient clientAs(String namespace, String serviceAccount) {
    Config config = config();
    config.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount);
    config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace,
        "system:authenticated");
    return new KubernetesClientBuilder().withConfig(config).build().adapt(NamespacedKubernetesClient.class);
  }

  @Override
  public NamespacedKubernetesClient client() {
    return client;
  }

  @Override
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The kubectl built at the API server's version. */
  public Path kubectl() {
    return binaries.kubectl();
  }

  @Override
  public String description() {
    return "kube-apiserver v" + binaries.version() + " (real, RBAC on) at " + client.getMasterUrl();
  }

  /** The server's own version, as it reports it. */
  public String serverVersion() {
    return client.getKubernetesVersion().getGitVersion();
  }

  /** The namespaces a test or the sandbox may have used: every one but Kubernetes' own. */
  public List<String> userNamespaces() {
    return client.namespaces().list().getItems().stream()
        .map(ns -> ns.getMetadata().getName())
        .filter(name -> !name.startsWith("kube-"))
        .toList();
  }

  @Override
  public void close() {
    client.close();
    server.stop();
    try {
      Files.deleteIfExists(kubeconfig);
    } catch (IOException e) {
      // a leftover temp file in the temp directory is harmless
    }
  }
}
