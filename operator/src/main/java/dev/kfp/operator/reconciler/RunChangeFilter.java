package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Lets through the updates a user makes (spec, annotations, deletion, finalizers) and drops the ones that
 * only change status, which the operator wrote itself. Annotations do not bump the generation, so generation
 * awareness alone would miss the terminate and retry commands.
 */
public class RunChangeFilter implements OnUpdateFilter<Run> {

  @Override
  public boolean accept(Run updated, Run previous) {
    var now = updated.getMetadata();
    var before = previous.getMetadata();
    return !Objects.equals(now.getGeneration(), before.getGeneration())
        || !Objects.equals(now.getAnnotations(), before.getAnnotations())
        || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp())
        || !Objects.equals(now.getFinalizers(), before.getFinalizers());
  }
}
