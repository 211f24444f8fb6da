package dev.kfp.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Recurring Runs, with CronJob's semantics: {@code pipelines.kfp.dev/v1alpha1 RunSchedule}. Each slot of
 * {@code spec.schedule} becomes one Run made from {@code spec.runTemplate}, which the Run operator submits like
 * any other (docs/using/runschedule.md).
 */
@Group(Run.GROUP)
@Version(Run.VERSION)
@Kind("RunSchedule")
@Plural("runschedules")
@ShortNames("kfpschedule")
@Categories({"kfp", "kubeflow"})
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Time Zone", jsonPath = ".spec.timeZone", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Suspend", jsonPath = ".spec.suspend", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.activeCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Last Schedule", jsonPath = ".status.lastScheduleTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextScheduleTime",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", fieldPath = ".spec", reason = "FieldValueRequired",
    message = "spec is required: a RunSchedule says when in spec.schedule and what in spec.runTemplate")
@ValidationRule(value = "size(self.metadata.name) <= 63", reason = "FieldValueInvalid",
    message = "a RunSchedule's name can have at most 63 characters: its Runs carry it in the label "
        + RunSchedule.SCHEDULE_LABEL)
public class RunSchedule extends CustomResource<RunScheduleSpec, RunScheduleStatus> implements Namespaced {

  /** On each Run of a schedule: the schedule's name. */
  public static final String SCHEDULE_LABEL = Run.GROUP + "/schedule";
  /** On each Run of a schedule: the slot it is for (RFC 3339, in the schedule's time zone). */
  public static final String SCHEDULED_TIME_ANNOTATION = Run.GROUP + "/scheduled-time";
  /** On a schedule, a token: every value not yet acted on creates one Run at once ("run now"). */
  public static final String TRIGGER_ANNOTATION = Run.GROUP + "/trigger";

  /** The value of an annotation, or null. */
  public String annotation(String name) {
    var annotations = getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }
}
