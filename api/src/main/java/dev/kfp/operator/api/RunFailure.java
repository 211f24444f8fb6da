package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Why a FAILED run failed, as far as its failed steps' logs tell (KFP's own run.error stays empty). Bounded: a
 * few steps, the last lines of each log.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunFailure(
    @JsonPropertyDescription("When the failure described here happened (the run's finishedAt); a later failure,"
        + " after a retry, is diagnosed anew.")
    String failedAt,
    @JsonPropertyDescription("The failed steps with the end of their logs (at most 3).")
    List<FailedTask> tasks,
    @JsonPropertyDescription("How many more steps failed than are listed.")
    Integer omittedTasks,
    @JsonPropertyDescription("What could not be found out, when something could not.")
    String note) {

  /** One failed step of the run. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FailedTask(
      @JsonPropertyDescription("The task's display name in KFP.")
      String name,
      @JsonPropertyDescription("The Argo workflow node whose main-logs artifact was read.")
      String node,
      @JsonPropertyDescription("The pod that ran the step.")
      String pod,
      @JsonPropertyDescription("The last lines of the step's log (bounded).")
      String logTail,
      @JsonPropertyDescription("Why the log is missing or shortened, when it is.")
      String note) {

    /** The last non-blank line of the log tail, or null. */
    @JsonIgnore
    public String lastLogLine() {
      if (logTail == null) {
        return null;
      }
      String[] lines = logTail.split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        if (!lines[i].isBlank()) {
          return lines[i].strip();
        }
      }
      return null;
    }
  }
}
