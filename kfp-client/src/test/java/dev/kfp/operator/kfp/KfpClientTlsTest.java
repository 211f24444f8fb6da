package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to KFP with a CA bundle. The certificates are made at test time with the JDK's keytool (the JDK has no
 * public API to create one): a self-signed server certificate for 127.0.0.1, and an unrelated one.
 */
class KfpClientTlsTest {

  private static final String PASSWORD = "changeit";

  @TempDir
  static Path dir;

  private static KfpStubServer kfp;
  private static Path serverCa;
  private static Path otherCa;

  @BeforeAll
  static void startTlsServer() throws Exception {
    Path serverStore = keyPair("server", "CN=kfp-test-server", "SAN=ip:127.0.0.1,dns:localhost");
    Path otherStore = keyPair("other", "CN=kfp-test-other", "SAN=dns:other.example");
    serverCa = exportPem(serverStore, "server");
    otherCa = exportPem(otherStore, "other");
    kfp = KfpStubServer.https(serverTls(serverStore));
  }

  @AfterAll
  static void stopTlsServer() {
    kfp.close();
  }

  @Test
  void aCaBundleWithTheServersCaIsTrusted() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .caBundle(serverCa).build())) {
      kfp.respond(200, "{\"run_id\":\"r1\"}");

      assertThat(client.getRun("r1").runId()).isEqualTo("r1");
    }
  }

  @Test
  void everyCertificateOfABundleIsTrusted() throws IOException {
    Path bundle = dir.resolve("bundle.pem");
    Files.writeString(bundle, Files.readString(otherCa) + Files.readString(serverCa));
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .caBundle(bundle).trustSystemCas(true).build())) {

      client.archiveRun("r1");
    }
  }

  @Test
  void aServerSignedByAnotherCaIsRefused() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .caBundle(otherCa).build())) {

      KfpException failure = catchThrowableOfType(KfpException.class, () -> client.createRun(
          KfpRun.create("x").build()));

      assertThat(failure.httpStatus()).isZero();
      assertThat(failure).hasCauseInstanceOf(SSLHandshakeException.class);
      assertThat(failure.isAmbiguous()).as("nothing was sent").isFalse();
    }
  }

  @Test
  void theSystemCasAloneDoNotTrustAPrivateCa() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl()).build())) {

      assertThatThrownBy(() -> client.getRun("r1")).isInstanceOf(KfpException.class)
          .hasCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aFileWithoutCertificatesIsRejectedAtConstruction() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
    KfpClientConfig config = KfpClientConfig.builder(kfp.baseUrl()).caBundle(empty).build();

    assertThatThrownBy(() -> new HttpKfpClient(config)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty.pem");
  }

  private static Path keyPair(String alias, String subject, String san) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
        "-ext", san, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    return store;
  }

  private static Path exportPem(Path store, String alias) throws Exception {
    Path pem = dir.resolve(alias + ".pem");
    keytool("-exportcert", "-rfc", "-alias", alias, "-keystore", store.toString(), "-storepass", PASSWORD,
        "-file", pem.toString());
    return pem;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + command + "\n" + output);
    }
  }

  private static SSLContext serverTls(Path store) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    return context;
  }
}
