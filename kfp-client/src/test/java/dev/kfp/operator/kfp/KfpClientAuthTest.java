package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials and identity the client puts on every call. */
class KfpClientAuthTest {

  private final KfpStubServer kfp = KfpStubServer.http();

  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    kfp.close();
  }

  @Test
  void withoutCredentialsNoAuthorizationHeaderIsSent() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl()).build())) {
      client.getRun("r1");
    }

    assertThat(kfp.lastRequest().header("Authorization")).isNull();
  }

  @Test
  void aStaticTokenIsSentAsBearer() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .bearerToken("s3cr3t").build())) {
      client.createRun(KfpRun.create("x").build());
    }

    assertThat(kfp.lastRequest().header("Authorization")).isEqualTo("Bearer s3cr3t");
  }

  @Test
  void aRewrittenTokenFileIsPickedUpByTheNextCall() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "first-token\n");
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .bearerTokenFile(token).build())) {
      client.getRun("r1");
      Files.writeString(token, "the-second-token");
      client.getRun("r1");
    }

    assertThat(kfp.requests()).extracting(r -> r.header("Authorization"))
        .containsExactly("Bearer first-token", "Bearer the-second-token");
  }

  @Test
  void theIdentityHeaderIsSentWithTheConfiguredName() {
    try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .userIdHeader("kubeflow-userid", "alice@example.com").build())) {
      client.listRuns(ListRunsRequest.all().withNamespace("team-a"));
    }

    assertThat(kfp.lastRequest().header("kubeflow-userid")).isEqualTo("alice@example.com");
  }

  @Test
  void theTokenFileIsReadOnlyWhenItChanges() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "aaaa");
    FileTime written = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
    Files.setLastModifiedTime(token, written);
    TokenFileSupplier supplier = new TokenFileSupplier(token);
    assertThat(supplier.get()).isEqualTo("aaaa");

    Files.writeString(token, "bbbb");
    Files.setLastModifiedTime(token, written);
    assertThat(supplier.get()).as("same time, size and file: the cached token").isEqualTo("aaaa");

    Files.setLastModifiedTime(token, FileTime.from(Instant.parse("2026-01-01T00:01:00Z")));
    assertThat(supplier.get()).isEqualTo("bbbb");
  }

  @Test
  void aTokenFileReplacedByRenameIsReadAgain() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "aaaa");
    FileTime written = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
    Files.setLastModifiedTime(token, written);
    TokenFileSupplier supplier = new TokenFileSupplier(token);
    assertThat(supplier.get()).isEqualTo("aaaa");

    Path next = dir.resolve("token.new");
    Files.writeString(next, "bbbb");
    Files.setLastModifiedTime(next, written);
    Files.move(next, token, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    assertThat(supplier.get()).isEqualTo("bbbb");
  }

  @Test
  void theConfigNeverPrintsTheToken() {
    KfpClientConfig config = KfpClientConfig.builder(kfp.baseUrl()).bearerToken("s3cr3t").build();

    assertThat(config.toString()).doesNotContain("s3cr3t").contains("bearerToken=set");
  }
}
