package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.LogTail;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.kfp.PipelineTaskDetail;
import dev.kfp.operator.kfp.RuntimeStatus;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells why a run failed: finds its failed steps in the task details, reads the end of each one's
 * {@code main-logs} artifact, and keeps that in {@code status.failure}. Best effort: whatever cannot be read
 * becomes a note, never an error of the reconcile, and each failure is read once (not on every resync).
 */
public final class FailureDiagnostician {

  /** At most this many failed steps are listed (and their logs read). */
  static final int MAX_TASKS = 3;
  static final String MAIN_LOGS = "main-logs";
  private static final int NOTE_LIMIT = 300;
  private static final Logger LOG = LoggerFactory.getLogger(FailureDiagnostician.class);
  /** A KFP v2 step's pod: {@code <workflow>-system-<template>-<hash>}; Argo's node id is {@code <workflow>-<hash>}. */
  private static final Pattern KFP_POD = Pattern.compile("(.+)-system-(?:container-impl|container-driver|dag-driver)"
      + "-(\\d+)");

  /**
   * KFP's names for tasks that are not steps: the root DAG, a step's driver and executor pods, and the DAGs the
   * KFP SDK makes for control flow (dsl.Condition, dsl.If/Elif/Else, dsl.ParallelFor, dsl.ExitHandler).
   */
  private static final Pattern NOT_A_STEP = Pattern.compile(
      "root|executor|.+-driver|(?:condition|condition-branches|for-loop|exit-handler)-\\d+");

  /**
   * A failed step as the task details show it: its pod, or failing that the Argo node id its log is read with;
   * both null when none is recorded.
   */
  record FailedStep(String name, String pod, String node) {

    FailedStep(String name, String pod) {
      this(name, pod, pod == null ? null : nodeId(pod));
    }
  }

  private final StatusRecorder recorder;
  private final LogTailLimits limits;
  /**
   * The latest diagnosis per Run (by uid). A reconcile may see a status older than the one it wrote last (the
   * informer lags behind, under load on a real API server by a second or more); it then takes the diagnosis from
   * here instead of reading the logs and sending the events again.
   */
  private final Map<String, Diagnosis> latest = new ConcurrentHashMap<>();

  private record Diagnosis(String runId, RunFailure failure) {}

  public FailureDiagnostician(StatusRecorder recorder, LogTailLimits limits) {
    this.recorder = recorder;
    this.limits = limits;
  }

  /**
   * Brings {@code status.failure} in line with this look at the run: diagnoses a failure not diagnosed yet,
   * keeps the one already diagnosed, and clears it once the run is no longer FAILED (retried) or when the
   * operator terminated it.
   *
   * @return the diagnosis now in {@code status.failure}, or null
   */
  RunFailure diagnose(Run run, KfpRun kfpRun, KfpClient kfp) {
    RunStatus status = run.getStatus();
    String uid = run.getMetadata().getUid();
    if (kfpRun.state() != KfpRuntimeState.FAILED || status.wasTerminated()) {
      status.setFailure(null);
      latest.remove(uid);
      return null;
    }
    List<FailedStep> steps = failedSteps(kfpRun);
    String failedAt = failedAt(kfpRun);
    Diagnosis remembered = latest.get(uid);
    RunFailure known = status.getFailure() != null ? status.getFailure()
        : remembered != null && remembered.runId().equals(kfpRun.runId()) ? remembered.failure() : null;
    boolean stepsAppeared = known != null && (known.tasks() == null || known.tasks().isEmpty()) && !steps.isEmpty();
    if (known != null && Objects.equals(known.failedAt(), failedAt) && !stepsAppeared) {
      status.setFailure(known);
      return known;
    }
    RunFailure failure = read(kfpRun.runId(), failedAt, steps, kfp);
    status.setFailure(failure);
    latest.put(uid, new Diagnosis(kfpRun.runId(), failure));
    for (RunFailure.FailedTask task : failure.tasks()) {
      recorder.warning(run, EventReason.STEP_FAILED, "step " + task.name() + " failed" + (task.pod() == null ? ""
          : " (pod " + task.pod() + ")") + ": " + summary(task));
    }
    LOG.info("{}/{}: KFP run {} failed in {} step(s){}", run.getMetadata().getNamespace(),
        run.getMetadata().getName(), kfpRun.runId(), steps.size(),
        failure.note() == null ? "" : "; " + failure.note());
    return failure;
  }

  /** Drops what is remembered of a Run that is gone. */
  public void forget(Run run) {
    latest.remove(run.getMetadata().getUid());
  }

  /** What a person should read first about a failed step: its last log line, or why there is none. */
  static String summary(RunFailure.FailedTask task) {
    String line = task.lastLogLine();
    if (line != null) {
      return line;
    }
    return task.note() == null ? "no log" : "no log line (" + task.note() + ")";
  }

  private RunFailure read(String runId, String failedAt, List<FailedStep> steps, KfpClient kfp) {
    if (steps.isEmpty()) {
      return new RunFailure(failedAt, List.of(), null, "KFP's task details name no failed step (yet)");
    }
    List<RunFailure.FailedTask> tasks = new ArrayList<>();
    for (FailedStep step : steps.subList(0, Math.min(MAX_TASKS, steps.size()))) {
      tasks.add(readStep(runId, step, kfp));
    }
    int omitted = steps.size() - tasks.size();
    return new RunFailure(failedAt, List.copyOf(tasks), omitted > 0 ? omitted : null, null);
  }

  private RunFailure.FailedTask readStep(String runId, FailedStep step, KfpClient kfp) {
    if (step.node() == null) {
      return new RunFailure.FailedTask(step.name(), null, null, null, "KFP records no pod for this step");
    }
    String node = step.node();
    try {
      LogTail tail = kfp.readArtifactTail(runId, node, MAIN_LOGS, limits);
      if (tail.lines().isEmpty()) {
        return new RunFailure.FailedTask(step.name(), node, step.pod(), null, "the step's log is empty");
      }
      String note = tail.truncated() ? "last " + tail.lines().size() + " lines of a " + tail.logBytes()
          + "-byte log" : null;
      return new RunFailure.FailedTask(step.name(), node, step.pod(), tail.text(), note);
    } catch (KfpException e) {
      return new RunFailure.FailedTask(step.name(), node, step.pod(), null, bounded(noteFor(e)));
    } catch (RuntimeException e) {
      // best effort: a bug or surprise in reading one log must not stop the reconcile
      LOG.warn("reading {} of node {} of KFP run {} failed", MAIN_LOGS, node, runId, e);
      return new RunFailure.FailedTask(step.name(), node, step.pod(), null,
          bounded("the log could not be read: " + e));
    }
  }

  private static String noteFor(KfpException e) {
    String kfp = e.kfpMessage() == null ? e.getMessage() : e.kfpMessage();
    if (e.isUnreadableResponse()) {
      return "the log artifact could not be unpacked: " + kfp;
    }
    if (e.isNotFound()) {
      return "KFP has no " + MAIN_LOGS + " artifact for this step (log archiving off, or the log was removed): "
          + kfp;
    }
    if (e.isUnauthorized()) {
      return "KFP refused to read the log (HTTP " + e.httpStatus()
          + "; the operator needs the readArtifact permission): " + kfp;
    }
    if (e.hasNoResponse()) {
      return "KFP could not be reached to read the log: " + kfp;
    }
    return "KFP could not read the log (HTTP " + e.httpStatus() + "): " + kfp;
  }

  private static String bounded(String text) {
    return text.length() <= NOTE_LIMIT ? text : text.substring(0, NOTE_LIMIT - 3) + "...";
  }

  /** The failure's identity: the run's end time, or the time of its last FAILED state. */
  private static String failedAt(KfpRun run) {
    if (run.hasFinished()) {
      return run.finishedAt().toString();
    }
    String last = "unknown";
    if (run.stateHistory() != null) {
      for (RuntimeStatus entry : run.stateHistory()) {
        if (entry.state() == KfpRuntimeState.FAILED && entry.updateTime() != null) {
          last = entry.updateTime().toString();
        }
      }
    }
    return last;
  }

  /**
   * The failed steps: FAILED tasks that name the pod they ran. KFP 2.17 names no task's own pod, and lists Argo
   * node ids as child tasks: then a step is a FAILED task with child nodes that is neither the workflow's
   * entrypoint, nor a task KFP names for its own structure ({@link #NOT_A_STEP}); its first child, the executor
   * pod's node, is what its log is read with. When neither finds one, the innermost failed tasks (no failed task
   * below them) are listed without a pod.
   */
  static List<FailedStep> failedSteps(KfpRun run) {
    if (run.runDetails() == null || run.runDetails().taskDetails() == null) {
      return List.of();
    }
    List<PipelineTaskDetail> failed = run.runDetails().taskDetails().stream()
        .filter(t -> t.state() == KfpRuntimeState.FAILED).toList();
    List<FailedStep> steps = new ArrayList<>();
    for (PipelineTaskDetail task : failed) {
      String pod = pod(task);
      if (pod != null) {
        steps.add(new FailedStep(name(task), pod));
      }
    }
    if (!steps.isEmpty()) {
      return steps;
    }
    for (PipelineTaskDetail task : failed) {
      String name = name(task);
      List<String> children = task.childTasks() == null ? List.of() : task.childTasks().stream()
          .map(PipelineTaskDetail.ChildTask::podName).filter(c -> c != null && !c.isEmpty()).toList();
      if (children.isEmpty() || name == null || NOT_A_STEP.matcher(name).matches()
          || isEntrypoint(name, children)) {
        continue;
      }
      steps.add(new FailedStep(name, null, children.get(0)));
    }
    if (!steps.isEmpty()) {
      return steps;
    }
    Set<String> parents = new HashSet<>();
    failed.forEach(t -> parents.add(t.parentTaskId()));
    for (PipelineTaskDetail task : failed) {
      if (task.taskId() == null || !parents.contains(task.taskId())) {
        steps.add(new FailedStep(name(task), null));
      }
    }
    return steps;
  }

  private static String name(PipelineTaskDetail task) {
    return task.displayName() != null ? task.displayName() : task.taskId();
  }

  /**
   * The workflow's entrypoint task: named after the workflow, whose nodes' ids are the workflow's name and a
   * number (Argo's node ids).
   */
  private static boolean isEntrypoint(String name, List<String> children) {
    Pattern nodeOfThisWorkflow = Pattern.compile(Pattern.quote(name) + "-\\d+");
    return children.stream().allMatch(child -> nodeOfThisWorkflow.matcher(child).matches());
  }

  /**
   * The pod of the step's user container: the task's own, else its {@code -system-container-impl-} child, else
   * any child that is a KFP pod; null when the children are Argo node ids (KFP 2.17).
   */
  private static String pod(PipelineTaskDetail task) {
    if (task.podName() != null && !task.podName().isEmpty()) {
      return task.podName();
    }
    if (task.childTasks() == null) {
      return null;
    }
    String any = null;
    for (PipelineTaskDetail.ChildTask child : task.childTasks()) {
      String pod = child.podName();
      if (pod == null || pod.isEmpty()) {
        continue;
      }
      if (pod.contains("-system-container-impl-")) {
        return pod;
      }
      if (KFP_POD.matcher(pod).matches()) {
        any = pod;
      }
    }
    return any;
  }

  /**
   * The id read_artifact is asked with: Argo's node id, which every KFP version accepts (KFP 2.17+ also takes
   * the pod name), derived from a KFP pod name; other pod names are passed as they are.
   */
  public static String nodeId(String pod) {
    Matcher matcher = KFP_POD.matcher(pod);
    return matcher.matches() ? matcher.group(1) + "-" + matcher.group(2) : pod;
  }
}
