package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/**
 * The queue's admission record, written only by the operator: the Runs holding a slot, and the counts
 * {@code kubectl get runqueues} shows. Every write carries the resourceVersion it was computed from, so two
 * operator instances cannot both take the last slot.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RunQueueStatus {

  @JsonPropertyDescription("The Runs holding a slot: admitted, and their KFP run not finished, oldest first.")
  private List<AdmittedRun> admitted;
  @JsonPropertyDescription("How many Runs hold a slot (the length of admitted).")
  private Integer active;
  @JsonPropertyDescription("How many Runs wait for a slot, as last counted by the operator.")
  private Integer waiting;

  public RunQueueStatus() {}

  public RunQueueStatus(List<AdmittedRun> admitted, int waiting) {
    this.admitted = List.copyOf(admitted);
    this.active = admitted.size();
    this.waiting = waiting;
  }

  public List<AdmittedRun> getAdmitted() {
    return admitted == null ? List.of() : admitted;
  }

  public void setAdmitted(List<AdmittedRun> admitted) {
    this.admitted = admitted;
  }

  public Integer getActive() {
    return active;
  }

  public void setActive(Integer active) {
    this.active = active;
  }

  public Integer getWaiting() {
    return waiting;
  }

  public void setWaiting(Integer waiting) {
    this.waiting = waiting;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunQueueStatus other && getAdmitted().equals(other.getAdmitted())
        && Objects.equals(active, other.active) && Objects.equals(waiting, other.waiting);
  }

  @Override
  public int hashCode() {
    return Objects.hash(getAdmitted(), active, waiting);
  }
}
