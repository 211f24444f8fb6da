package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A Run holding a slot of its queue, from its admission until its KFP run finished or it was deleted.
 *
 * @param name the Run's name, for people reading the queue
 * @param uid the Run's UID: a Run deleted and created again under the same name is another Run
 * @param admittedAt when it was admitted, RFC 3339
 */
public record AdmittedRun(
    @JsonPropertyDescription("The Run's name.") String name,
    @JsonPropertyDescription("The Run's UID.") String uid,
    @JsonPropertyDescription("When the Run was admitted.") String admittedAt) {
}
