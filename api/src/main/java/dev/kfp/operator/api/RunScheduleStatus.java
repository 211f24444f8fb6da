package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link RunSchedule} has done, written only by the operator, always locked on the resourceVersion it was
 * computed from: a slot is recorded here before its Run is created, so two operator instances cannot both start
 * it (docs/using/runschedule.md, "Exactly once per slot").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RunScheduleStatus {

  @JsonPropertyDescription("The latest slot started (RFC 3339); slots up to it are done, started or skipped.")
  private String lastScheduleTime;
  @JsonPropertyDescription("When the latest Run that succeeded finished (RFC 3339).")
  private String lastSuccessfulTime;
  @JsonPropertyDescription("The next slot (RFC 3339), or none while suspended or invalid.")
  private String nextScheduleTime;
  @JsonPropertyDescription("The Runs of this schedule that have not finished.")
  private List<ScheduledRun> active;
  @JsonPropertyDescription("How many Runs are active (the length of active).")
  private Integer activeCount;
  @JsonPropertyDescription("The last pipelines.kfp.dev/trigger token acted on: a token creates one Run, once.")
  private String lastTrigger;
  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;
  @JsonPropertyDescription("Ready: the schedule is valid and running (or suspended); LastSlot: what the latest slot"
      + " did (Scheduled, Skipped, Replaced or MissedSchedules).")
  private List<Condition> conditions;

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getLastSuccessfulTime() {
    return lastSuccessfulTime;
  }

  public void setLastSuccessfulTime(String lastSuccessfulTime) {
    this.lastSuccessfulTime = lastSuccessfulTime;
  }

  public String getNextScheduleTime() {
    return nextScheduleTime;
  }

  public void setNextScheduleTime(String nextScheduleTime) {
    this.nextScheduleTime = nextScheduleTime;
  }

  public List<ScheduledRun> getActive() {
    return active == null ? List.of() : active;
  }

  public void setActive(List<ScheduledRun> active) {
    this.active = active == null || active.isEmpty() ? null : List.copyOf(active);
    this.activeCount = this.active == null ? 0 : this.active.size();
  }

  public Integer getActiveCount() {
    return activeCount;
  }

  public void setActiveCount(Integer activeCount) {
    this.activeCount = activeCount;
  }

  public String getLastTrigger() {
    return lastTrigger;
  }

  public void setLastTrigger(String lastTrigger) {
    this.lastTrigger = lastTrigger;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions == null ? List.of() : conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Optional<Condition> condition(String type) {
    return getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Sets the condition of its type, keeping its lastTransitionTime when the status did not change. */
  public void putCondition(Condition condition) {
    List<Condition> updated = new ArrayList<>();
    for (Condition existing : getConditions()) {
      if (existing.getType().equals(condition.getType())) {
        if (existing.getStatus().equals(condition.getStatus())) {
          condition.setLastTransitionTime(existing.getLastTransitionTime());
        }
      } else {
        updated.add(existing);
      }
    }
    updated.add(condition);
    conditions = updated;
  }
}
