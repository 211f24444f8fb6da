package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's one execute path calls its listeners around every call it makes, and lets them hold one back. */
class KfpCallListenerTest {

  private final KfpStubServer kfp = KfpStubServer.http();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
  private final List<Duration> durations = new CopyOnWriteArrayList<>();
  private HttpKfpClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    kfp.close();
  }

  private HttpKfpClient clientWith(KfpCallListener... listeners) {
    KfpClientConfig.Builder config = KfpClientConfig.builder(kfp.baseUrl()).readTimeout(Duration.ofSeconds(5));
    for (KfpCallListener listener : listeners) {
      config.listener(listener);
    }
    client = new HttpKfpClient(config.build());
    return client;
  }

  /** Writes down what it hears as {@code <name> before|after <operation> [<outcome>]}. */
  private KfpCallListener recorder(String name) {
    return new KfpCallListener() {
      @Override
      public void beforeCall(String operation) {
        heard.add(name + " before " + operation);
      }

      @Override
      public void afterCall(String operation, Duration duration, RuntimeException failure) {
        heard.add(name + " after " + operation + " " + KfpCallOutcome.of(failure).label());
        durations.add(duration);
        if (failure != null) {
          failures.add(failure);
        }
      }
    };
  }

  @Test
  void everyClientMethodIsHeardOnceUnderKfpsNameForIt() {
    KfpClient kfpClient = clientWith(recorder("l"));
    kfp.respond(200, "{\"run_id\":\"r1\"}").respond(200, "{\"run_id\":\"r1\"}").respond(200, "{}")
        .respond(200, "{}").respond(200, "{}").respond(200, "{}").respond(200, "{}").respond(200, "{}")
        .respond(200, "{\"experiment_id\":\"e1\"}").respond(200, "{\"data\":\"\"}").respond(404, "{}");

    kfpClient.createRun(KfpRun.create("nightly").build());
    kfpClient.getRun("r1");
    kfpClient.listRuns(ListRunsRequest.all());
    kfpClient.archiveRun("r1");
    kfpClient.unarchiveRun("r1");
    kfpClient.terminateRun("r1");
    kfpClient.retryRun("r1");
    kfpClient.deleteRun("r1");
    kfpClient.getExperiment("e1");
    kfpClient.readArtifact("r1", "n1", "main-logs");
    assertThatThrownBy(() -> kfpClient.readArtifactTail("r1", "n1", "main-logs", LogTailLimits.defaults()))
        .isInstanceOf(KfpException.class);

    assertThat(heard).containsExactly(
        "l before CreateRun", "l after CreateRun success",
        "l before GetRun", "l after GetRun success",
        "l before ListRuns", "l after ListRuns success",
        "l before ArchiveRun", "l after ArchiveRun success",
        "l before UnarchiveRun", "l after UnarchiveRun success",
        "l before TerminateRun", "l after TerminateRun success",
        "l before RetryRun", "l after RetryRun success",
        "l before DeleteRun", "l after DeleteRun success",
        "l before GetExperiment", "l after GetExperiment success",
        "l before ReadArtifact", "l after ReadArtifact success",
        "l before ReadArtifact", "l after ReadArtifact client_error");
    assertThat(kfp.requests()).hasSize(11);
  }

  @Test
  void everyPageOfAPagedListingIsACallOfItsOwn() {
    KfpClient kfpClient = clientWith(recorder("l"));
    kfp.respond(200, "{\"runs\":[{\"run_id\":\"r1\"}],\"next_page_token\":\"t\"}")
        .respond(200, "{\"runs\":[{\"run_id\":\"r2\"}]}");

    assertThat(kfpClient.listAllRuns(ListRunsRequest.all().withPageSize(1)).map(KfpRun::runId))
        .containsExactly("r1", "r2");

    assertThat(heard).containsExactly("l before ListRuns", "l after ListRuns success",
        "l before ListRuns", "l after ListRuns success");
  }

  @Test
  void listenersHearTheCallInOrderAndItsEndInReverseWithTheFailureAndHowLongItTook() {
    KfpClient kfpClient = clientWith(recorder("outer"), recorder("inner"));
    kfp.respond(503, "{\"code\":14,\"message\":\"unavailable\"}");

    KfpException thrown = catchThrowableOfType(KfpException.class, () -> kfpClient.getRun("r1"));

    assertThat(heard).containsExactly("outer before GetRun", "inner before GetRun",
        "inner after GetRun server_error", "outer after GetRun server_error");
    assertThat(failures).containsExactly(thrown, thrown);
    assertThat(thrown.httpStatus()).isEqualTo(503);
    assertThat(durations).hasSize(2).allSatisfy(d -> assertThat(d).isPositive()).containsOnly(durations.get(0));
  }

  @Test
  void aListenerThatRefusesKeepsTheCallFromBeingSentAndOnlyTheListenersBeforeItHearItsEnd() {
    KfpException refusal = new KfpException("GetRun", 0, null, "not sent: held back", true, null);
    KfpCallListener refuser = new KfpCallListener() {
      @Override
      public void beforeCall(String operation) {
        throw refusal;
      }

      @Override
      public void afterCall(String operation, Duration duration, RuntimeException failure) {
        heard.add("refuser after " + operation);
      }
    };
    KfpClient kfpClient = clientWith(recorder("outer"), refuser, recorder("inner"));

    assertThatThrownBy(() -> kfpClient.getRun("r1")).isSameAs(refusal);

    assertThat(kfp.requests()).isEmpty();
    assertThat(heard).containsExactly("outer before GetRun", "outer after GetRun no_response");
    assertThat(failures).containsExactly(refusal);
  }

  @Test
  void theBreakerAsAListenerHoldsCallsBackOnceKfpWasUnavailableAndSendsNothing() {
    KfpCircuitBreaker breaker = new KfpCircuitBreaker(2, Duration.ofMinutes(1), Clock.systemUTC());
    KfpClient kfpClient = clientWith(recorder("metrics"), breaker);
    kfp.respond(503, "{}").respond(502, "{}");

    assertThatThrownBy(() -> kfpClient.getRun("r1")).isInstanceOf(KfpException.class);
    assertThatThrownBy(() -> kfpClient.listRuns(ListRunsRequest.all())).isInstanceOf(KfpException.class);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> kfpClient.getRun("r1")).hasMessageContaining("not sent");
    }

    assertThat(breaker.isOpen()).isTrue();
    assertThat(kfp.requests()).hasSize(2);
    assertThat(heard).as("the calls held back are heard by the listener registered before the breaker")
        .filteredOn(event -> event.contains("after")).hasSize(7).endsWith("metrics after GetRun no_response");
  }
}
