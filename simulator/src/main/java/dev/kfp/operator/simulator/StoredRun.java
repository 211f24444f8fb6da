package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One run as the simulated server stores it, with its execution plan. Mutable; every access happens under
 * the {@link RunStore}'s lock. States advance lazily: {@link #catchUp} applies every transition that is due
 * at a given instant, stamped with the instant it was due, so reads on a manual clock are deterministic.
 */
final class StoredRun {

  /** One entry of state_history. */
  record StateChange(Instant at, RunState state) {}

  /** What the failed execution left behind: task details and the failed nodes' logs. */
  record Failure(Instant startedAt, Instant finishedAt, String rootTaskId, List<FailedNode> nodes) {

    /** The failed node that read_artifact knows as {@code nodeId}: its Argo node id or (KFP 2.17+) pod name. */
    Optional<FailedNode> node(String nodeId) {
      return nodes.stream().filter(n -> n.nodeId().equals(nodeId) || n.podName().equals(nodeId)).findFirst();
    }
  }

  /** One failed step: its task, the Argo node and pod that ran it, and its log. */
  record FailedNode(String task, String taskId, String nodeId, String podName, String driverPodName,
      String logText, Outcome.MainLogs mainLogs) {}

  final String runId;
  final String experimentId;
  final String namespace;
  final String displayName;
  final String description;
  final JsonNode pipelineSpec;
  final String pipelineId;
  final String pipelineVersionId;
  final Map<String, JsonNode> parameters;
  final String pipelineRoot;
  final String serviceAccount;
  final String recurringRunId;
  final JsonNode pluginsInput;
  final Instant createdAt;
  final long contextId;
  /** Added to the PENDING and RUNNING durations of this run (the simulator's duration spread). */
  final Duration extra;

  StorageState storageState;
  RunState state = RunState.PENDING;
  Instant phaseStartedAt;
  Instant finishedAt;
  int attempt = 1;
  boolean workflowManifestStored;
  Failure failure;
  final List<StateChange> history = new ArrayList<>();

  StoredRun(CreateRequest request, String runId, Experiment experiment, Instant now, long contextId,
      Duration extra) {
    this.extra = extra;
    this.runId = runId;
    this.experimentId = experiment.experimentId();
    this.namespace = experiment.namespace();
    this.displayName = request.displayName();
    this.description = request.description();
    this.pipelineSpec = request.pipelineSpec();
    this.pipelineId = request.pipelineId();
    this.pipelineVersionId = request.pipelineVersionId();
    this.parameters = new LinkedHashMap<>(request.parameters());
    this.pipelineRoot = request.pipelineRoot();
    this.serviceAccount = request.serviceAccount();
    this.recurringRunId = request.recurringRunId();
    this.pluginsInput = request.pluginsInput();
    this.storageState = request.storageState() == null ? StorageState.AVAILABLE : request.storageState();
    this.createdAt = now;
    this.phaseStartedAt = now;
    this.contextId = contextId;
    history.add(new StateChange(now, RunState.PENDING));
  }

  /** Applies every transition due at {@code now}. */
  void catchUp(Instant now, Timing timing, OutcomeRule rule) {
    while (true) {
      Instant due;
      switch (state) {
        case PENDING -> {
          due = phaseStartedAt.plus(timing.pending()).plus(extra);
          if (due.isAfter(now)) {
            return;
          }
          workflowManifestStored = true;
          enter(RunState.RUNNING, due);
        }
        case RUNNING -> {
          due = phaseStartedAt.plus(timing.running()).plus(extra);
          if (due.isAfter(now)) {
            return;
          }
          workflowManifestStored = true;
          Outcome outcome = rule.decide(facts());
          if (outcome.succeeded()) {
            finish(RunState.SUCCEEDED, due);
          } else {
            fail(due, outcome.failedSteps());
          }
        }
        case CANCELING -> {
          due = phaseStartedAt.plus(timing.canceling());
          if (due.isAfter(now)) {
            return;
          }
          workflowManifestStored = true;
          fail(due, List.of(Outcome.FailedStep.of("main",
              "Error: pod was terminated: the run was terminated (activeDeadlineSeconds: 0)\n")));
        }
        default -> {
          return;
        }
      }
    }
  }

  RunFacts facts() {
    return new RunFacts(runId, experimentId, displayName, description, parameters, attempt);
  }

  void terminate(Instant now) {
    enter(RunState.CANCELING, now);
  }

  void retry(Instant now) {
    attempt++;
    finishedAt = null;
    failure = null;
    enter(RunState.RUNNING, now);
  }

  private void enter(RunState next, Instant at) {
    state = next;
    phaseStartedAt = at;
    history.add(new StateChange(at, next));
  }

  private void finish(RunState end, Instant at) {
    enter(end, at);
    finishedAt = at;
  }

  /**
   * Names nodes and pods as Argo does: node id {@code <workflow>-<hash>}, pod {@code <workflow>-<template>-<hash>}
   * with the same hash.
   */
  private void fail(Instant at, List<Outcome.FailedStep> steps) {
    String workflow = workflowName();
    List<FailedNode> nodes = new ArrayList<>();
    for (Outcome.FailedStep step : steps) {
      String hash = Integer.toUnsignedString((runId + attempt + step.task()).hashCode());
      String driverHash = Integer.toUnsignedString((runId + attempt + step.task() + "/driver").hashCode());
      nodes.add(new FailedNode(step.task(),
          UUID.nameUUIDFromBytes((runId + "/" + step.task() + "/" + attempt).getBytes()).toString(),
          workflow + "-" + hash, workflow + "-system-container-impl-" + hash,
          workflow + "-system-container-driver-" + driverHash, step.logText(), step.mainLogs()));
    }
    failure = new Failure(createdAt, at, UUID.nameUUIDFromBytes((runId + "/root/" + attempt).getBytes()).toString(),
        List.copyOf(nodes));
    finish(RunState.FAILED, at);
  }

  /** The Argo Workflow name KFP would give this run: a label-safe prefix of the display name plus a suffix. */
  String workflowName() {
    String base = displayName.toLowerCase().replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
    if (base.isEmpty()) {
      base = "run";
    }
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    return base + "-" + Integer.toHexString(runId.hashCode() & 0xfffff);
  }
}
