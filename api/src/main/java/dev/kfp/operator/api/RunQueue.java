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
 * A first-in first-out queue of Runs in one namespace: {@code pipelines.kfp.dev/v1alpha1 RunQueue}. A Run joins
 * with {@code spec.queueName}; at most {@code spec.maxActive} of its Runs have been admitted and not finished.
 * Its status is the admission record, written with optimistic locking (docs/developing/design.md, "Queues").
 */
@Group(Run.GROUP)
@Version(Run.VERSION)
@Kind("RunQueue")
@Plural("runqueues")
@ShortNames("kfpqueue")
@Categories({"kfp", "kubeflow"})
@AdditionalPrinterColumn(name = "Max Active", jsonPath = ".spec.maxActive",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.active", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Waiting", jsonPath = ".status.waiting", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Experiment", jsonPath = ".spec.experimentId",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", fieldPath = ".spec", reason = "FieldValueRequired",
    message = "spec is required: a RunQueue says in spec.maxActive how many of its Runs may be active at once")
public class RunQueue extends CustomResource<RunQueueSpec, RunQueueStatus> implements Namespaced {
}
