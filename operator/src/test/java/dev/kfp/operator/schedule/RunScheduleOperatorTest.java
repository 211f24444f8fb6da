package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.api.RunScheduleStatus;
import dev.kfp.operator.api.ScheduledRun;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.RealApiTier;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A RunSchedule's slots on the real kube-apiserver, with whole operators in-process and the KFP simulator: one Run
 * per slot across restarts and two instances, CronJob's missed-slot rules, the concurrency policies, edits, "run
 * now", history and suspend. The schedules' clock moves only when the test moves it.
 */
@RealApiTier
class RunScheduleOperatorTest {

  private ScheduleFixture fixture;

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** An operator whose schedule clock stands before any schedule a test creates. */
  private void start() {
    fixture = new ScheduleFixture(Instant.now().minus(2, ChronoUnit.MINUTES));
    fixture.startOperator();
  }

  /**
   * Creates a schedule and sets the clock 30 s before its first minute slot, the first whole minute after its
   * creation; returns that slot.
   */
  private Instant createBeforeFirstSlot(String name, String schedule, String spec) {
    RunSchedule created = fixture.create(name, schedule, spec);
    Instant first = Instant.parse(created.getMetadata().getCreationTimestamp()).truncatedTo(ChronoUnit.MINUTES)
        .plus(1, ChronoUnit.MINUTES);
    fixture.advanceTo(first.minusSeconds(30));
    return first;
  }

  @Test
  void eachMinuteSlotGivesOneRunNamedAfterItsSlot() {
    start();
    Instant first = createBeforeFirstSlot("minutely", "* * * * *", "");
    fixture.awaitLooked();
    assertThat(fixture.runs("minutely")).as("nothing before the first slot").isEmpty();

    fixture.advance(Duration.ofMinutes(1));
    Run run = fixture.awaitRunCount("minutely", 1);

    assertThat(run.getMetadata().getName()).isEqualTo("minutely-" + first.getEpochSecond() / 60);
    assertThat(run.annotation(RunSchedule.SCHEDULED_TIME_ANNOTATION)).isEqualTo(first.toString());
    assertThat(run.getMetadata().getLabels()).containsEntry(RunSchedule.SCHEDULE_LABEL, "minutely")
        .containsEntry("team", "a");
    assertThat(run.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
      assertThat(ref.getKind()).isEqualTo("RunSchedule");
      assertThat(ref.getController()).isTrue();
      assertThat(ref.getUid()).isEqualTo(fixture.schedule("minutely").getMetadata().getUid());
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 1);
    RunSchedule schedule = fixture.schedule("minutely");
    assertThat(schedule.getStatus().getLastScheduleTime()).isEqualTo(run.annotation(
        RunSchedule.SCHEDULED_TIME_ANNOTATION));
    assertThat(Instant.parse(schedule.getStatus().getNextScheduleTime())).isEqualTo(first.plusSeconds(60));
    assertThat(schedule.getStatus().getActive()).singleElement()
        .satisfies(active -> assertThat(active.uid()).isEqualTo(run.getMetadata().getUid()));
    assertThat(schedule.getStatus().getActiveCount()).isEqualTo(1);
    assertThat(fixture.eventReasons("minutely")).containsExactly(ScheduleEvents.SCHEDULED);
  }

  @Test
  void aSlotRecordedButNotCreatedBeforeAStopIsCreatedOnceAfterTheRestart() {
    start();
    Instant first = createBeforeFirstSlot("cut-off", "* * * * *", "");
    fixture.stopOperators();
    // what an instance leaves when it stops between its status write and its create: the slot recorded, no Run
    RunSchedule schedule = fixture.schedule("cut-off");
    RunScheduleStatus status = schedule.getStatus();
    String name = "cut-off-" + first.getEpochSecond() / 60;
    status.setLastScheduleTime(first.toString());
    status.setActive(List.of(new ScheduledRun(name, null, first.toString())));
    fixture.k8s().resource(schedule).updateStatus();
    fixture.moveClockWhileDown(Duration.ofSeconds(40));

    fixture.startOperator();
    Run run = fixture.awaitRunCount("cut-off", 1);
    fixture.awaitLooked();
    fixture.awaitLooked();

    assertThat(run.getMetadata().getName()).isEqualTo(name);
    assertThat(fixture.runs("cut-off")).hasSize(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 1);
    assertThat(fixture.schedule("cut-off").getStatus().getActive()).singleElement()
        .satisfies(active -> assertThat(active.uid()).isEqualTo(run.getMetadata().getUid()));
  }

  @Test
  void aTemplateTheRunCrdRefusesIsReportedOnceAndNotTriedAgain() {
    start();
    fixture.k8s().resource(io.fabric8.kubernetes.client.utils.Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunSchedule
        metadata:
          name: no-pipeline
          namespace: team-a
          annotations: {pipelines.kfp.dev/trigger: now}
        spec:
          schedule: "0 0 1 1 *"
          runTemplate:
            spec: {displayName: a Run without a pipeline}
        """, RunSchedule.class)).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.eventReasons("no-pipeline")
        .contains(ScheduleEvents.INVALID_TEMPLATE));
    fixture.awaitLooked();
    fixture.awaitLooked();

    RunSchedule schedule = fixture.schedule("no-pipeline");
    assertThat(schedule.getStatus().getActive()).isEmpty();
    assertThat(schedule.getStatus().condition(RunScheduleReconciler.LAST_SLOT).orElseThrow().getReason())
        .isEqualTo(ScheduleEvents.INVALID_TEMPLATE);
    assertThat(fixture.events("no-pipeline")).filteredOn(e -> e.getReason().equals(ScheduleEvents.INVALID_TEMPLATE))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("spec.pipeline"));
    assertThat(fixture.runs("no-pipeline")).isEmpty();
  }

  @Test
  void twoInstancesWithoutLeaderElectionGiveExactlyOneRunAndOneKfpRunPerSlotOverFiftySlots() {
    start();
    fixture.startOperator();
    createBeforeFirstSlot("twice", "* * * * *", "");

    for (int slot = 1; slot <= 50; slot++) {
      fixture.advance(Duration.ofMinutes(1));
      fixture.awaitRunCount("twice", slot);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.kfp().runCount() == 50);
    fixture.awaitLooked();
    fixture.awaitLooked();

    assertThat(fixture.runs("twice")).hasSize(50);
    assertThat(fixture.kfp().runCount()).isEqualTo(50);
    assertThat(fixture.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(50);
    assertThat(new java.util.HashSet<>(fixture.slots("twice"))).hasSize(50);
  }

  @Test
  void threeSlotsMissedWhileDownStartOnlyTheLatestWithoutADeadline() {
    start();
    Instant first = createBeforeFirstSlot("catch-up", "* * * * *", "");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("catch-up", 1);

    fixture.stopOperators();
    fixture.moveClockWhileDown(Duration.ofMinutes(3));
    fixture.startOperator();
    fixture.awaitLooked();

    Run latest = fixture.awaitRunCount("catch-up", 2);
    fixture.awaitLooked();
    assertThat(fixture.runs("catch-up")).hasSize(2);
    assertThat(latest.getMetadata().getName()).isEqualTo("catch-up-" + first.plusSeconds(180).getEpochSecond() / 60);
    assertThat(fixture.events("catch-up")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo(ScheduleEvents.MISSED_SCHEDULES);
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).startsWith("2 missed slot(s) passed over");
    });
  }

  @Test
  void aSlotMissedByMoreThanTheStartingDeadlineIsNotStarted() {
    start();
    Instant first = createBeforeFirstSlot("deadline", "* * * * *", "startingDeadlineSeconds: 20");
    fixture.advance(Duration.ofSeconds(40));
    fixture.awaitRunCount("deadline", 1);

    fixture.stopOperators();
    fixture.moveClockWhileDown(Duration.ofMinutes(3).plusSeconds(15));
    fixture.startOperator();
    fixture.awaitLooked();
    fixture.awaitLooked();

    assertThat(fixture.runs("deadline")).hasSize(1);
    assertThat(fixture.events("deadline")).filteredOn(e -> e.getReason().equals(ScheduleEvents.MISSED_SCHEDULES))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("missed by more than"
            + " spec.startingDeadlineSeconds"));

    fixture.advance(Duration.ofSeconds(40));
    assertThat(fixture.awaitRunCount("deadline", 2).getMetadata().getName())
        .isEqualTo("deadline-" + first.plusSeconds(240).getEpochSecond() / 60);
  }

  @Test
  void aDeadlineLongEnoughStartsTheLatestMissedSlot() {
    start();
    Instant first = createBeforeFirstSlot("in-time", "* * * * *", "startingDeadlineSeconds: 45");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("in-time", 1);

    fixture.stopOperators();
    fixture.moveClockWhileDown(Duration.ofMinutes(3));
    fixture.startOperator();

    Run latest = fixture.awaitRunCount("in-time", 2);
    assertThat(latest.getMetadata().getName()).isEqualTo("in-time-" + first.plusSeconds(180).getEpochSecond() / 60);
  }

  @Test
  void aHundredAndFiftyMissedSlotsGiveOneWarningAndOneRun() {
    start();
    Instant first = createBeforeFirstSlot("storm", "* * * * *", "");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("storm", 1);

    fixture.stopOperators();
    fixture.moveClockWhileDown(Duration.ofMinutes(150));
    fixture.startOperator();
    fixture.awaitRunCount("storm", 2);
    fixture.awaitLooked();
    fixture.awaitLooked();

    assertThat(fixture.runs("storm")).hasSize(2);
    assertThat(fixture.events("storm")).filteredOn(e -> e.getReason().equals(ScheduleEvents.MISSED_SCHEDULES))
        .singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).startsWith("more than 100 slots were missed");
        });
  }

  @Test
  void forbidSkipsTheSlotWhileARunIsActiveWithAnEvent() {
    start();
    createBeforeFirstSlot("forbid", "* * * * *", "concurrencyPolicy: Forbid");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("forbid", 1);

    fixture.advance(Duration.ofMinutes(1));
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.eventReasons("forbid")
        .contains(ScheduleEvents.SKIPPED));
    fixture.awaitLooked();

    assertThat(fixture.runs("forbid")).hasSize(1);
    assertThat(fixture.schedule("forbid").getStatus().condition(RunScheduleReconciler.LAST_SLOT).orElseThrow()
        .getReason()).isEqualTo(ScheduleEvents.SKIPPED);

    fixture.finishRuns();
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.schedule("forbid").getStatus().getActive().isEmpty());
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("forbid", 2);
  }

  @Test
  void replaceTerminatesTheActiveRunOnceAndCreatesTheNext() {
    start();
    createBeforeFirstSlot("replace", "* * * * *", "concurrencyPolicy: Replace");
    fixture.advance(Duration.ofMinutes(1));
    Run old = fixture.awaitRunCount("replace", 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 1);

    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("replace", 2);

    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().calls().count(Endpoint.TERMINATE_RUN) == 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 2);
    fixture.awaitLooked();
    fixture.awaitLooked();
    assertThat(fixture.kfp().calls().count(Endpoint.TERMINATE_RUN)).isEqualTo(1);
    Run terminated = fixture.k8s().resources(Run.class).inNamespace(ScheduleFixture.NAMESPACE)
        .withName(old.getMetadata().getName()).get();
    assertThat(terminated.annotation(Run.TERMINATE_ANNOTATION)).startsWith("replaced by the next slot");
    assertThat(fixture.eventReasons("replace")).contains(ScheduleEvents.REPLACED);
  }

  @Test
  void allowLetsRunsOverlap() {
    start();
    createBeforeFirstSlot("allow", "* * * * *", "");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("allow", 1);
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("allow", 2);

    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.schedule("allow").getStatus().getActive().size() == 2
        && fixture.kfp().runCount() == 2);
    assertThat(fixture.kfp().calls().count(Endpoint.TERMINATE_RUN)).isZero();
  }

  @Test
  void aTemplateEditLeavesTheRunningRunAloneAndShapesTheNextSlot() {
    start();
    createBeforeFirstSlot("edited", "* * * * *", "");
    fixture.advance(Duration.ofMinutes(1));
    Run first = fixture.awaitRunCount("edited", 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 1);
    fixture.startRuns();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      Run run = fixture.runs("edited").get(0);
      return run.getStatus() != null && "RUNNING".equals(run.getStatus().getState());
    });

    fixture.edit("edited", schedule -> {
      schedule.getSpec().getRunTemplate().getSpec().put("displayName", "after the edit");
      var labels = new HashMap<>(schedule.getSpec().getRunTemplate().getMetadata().labels());
      labels.put("team", "b");
      schedule.getSpec().getRunTemplate().setMetadata(new dev.kfp.operator.api.RunTemplate.Metadata(labels, null));
    });
    fixture.advance(Duration.ofMinutes(1));
    Run second = fixture.awaitRunCount("edited", 2);

    Run untouched = fixture.runs("edited").get(0);
    assertThat(untouched.getMetadata().getGeneration()).isEqualTo(first.getMetadata().getGeneration());
    assertThat(untouched.getSpec().getDisplayName()).isNull();
    assertThat(untouched.getMetadata().getLabels()).containsEntry("team", "a");
    assertThat(untouched.getStatus().getState()).isEqualTo("RUNNING");
    assertThat(second.getSpec().getDisplayName()).isEqualTo("after the edit");
    assertThat(second.getMetadata().getLabels()).containsEntry("team", "b");
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 2);
    assertThat(fixture.kfp().runs()).extracting(run -> run.displayName())
        .containsExactlyInAnyOrder(first.getMetadata().getName(), "after the edit");
    assertThat(fixture.kfp().calls().count(Endpoint.TERMINATE_RUN)).isZero();
  }

  @Test
  void historyLimitsDeleteTheOldestFinishedRuns() {
    start();
    createBeforeFirstSlot("history", "* * * * *", "successfulRunsHistoryLimit: 2");
    for (int slot = 1; slot <= 4; slot++) {
      fixture.advance(Duration.ofMinutes(1));
      fixture.awaitRunCount("history", slot);
      int created = slot;
      await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == created);
    }
    List<String> names = fixture.runs("history").stream().map(run -> run.getMetadata().getName()).toList();

    fixture.finishRuns();

    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.runs("history").stream()
        .map(run -> run.getMetadata().getName()).toList().equals(names.subList(2, 4)));
    fixture.awaitLooked();
    assertThat(fixture.runs("history")).hasSize(2);
    assertThat(fixture.schedule("history").getStatus().getLastSuccessfulTime()).isNotNull();
    assertThat(fixture.eventReasons("history")).filteredOn(ScheduleEvents.PRUNED::equals).hasSize(2);
  }

  @Test
  void suspendStopsNewSlotsAndKeepsTheRunningRun() {
    start();
    createBeforeFirstSlot("paused", "* * * * *", "");
    fixture.advance(Duration.ofMinutes(1));
    fixture.awaitRunCount("paused", 1);

    fixture.edit("paused", schedule -> schedule.getSpec().setSuspend(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.schedule("paused").getStatus()
        .getNextScheduleTime() == null);
    fixture.advance(Duration.ofMinutes(1));
    fixture.advance(Duration.ofMinutes(1));

    assertThat(fixture.runs("paused")).hasSize(1);
    assertThat(fixture.runs("paused").get(0).annotation(Run.TERMINATE_ANNOTATION)).isNull();
    assertThat(fixture.schedule("paused").getStatus().getActiveCount()).isEqualTo(1);
    assertThat(fixture.kfp().calls().count(Endpoint.TERMINATE_RUN)).isZero();
  }

  @Test
  void aRunNowTokenCreatesOneRunPerTokenUnderRepeatsAndRestarts() {
    start();
    createBeforeFirstSlot("manual", "0 0 1 1 *", "");
    fixture.annotate("manual", RunSchedule.TRIGGER_ANNOTATION, "first");
    Run run = fixture.awaitRunCount("manual", 1);
    assertThat(run.annotation(RunSchedule.TRIGGER_ANNOTATION)).isEqualTo("first");

    fixture.annotate("manual", "touched", "yes");
    fixture.awaitLooked();
    fixture.stopOperators();
    fixture.startOperator();
    fixture.awaitLooked();
    fixture.awaitLooked();
    assertThat(fixture.runs("manual")).hasSize(1);

    fixture.annotate("manual", RunSchedule.TRIGGER_ANNOTATION, "second");
    fixture.awaitRunCount("manual", 2);
    fixture.awaitLooked();
    assertThat(fixture.runs("manual")).hasSize(2);
    assertThat(fixture.schedule("manual").getStatus().getLastTrigger()).isEqualTo("second");
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.kfp().runCount() == 2);
  }
}
