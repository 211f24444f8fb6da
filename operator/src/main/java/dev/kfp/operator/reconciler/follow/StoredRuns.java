package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.Run;
import java.util.Optional;

/**
 * Reads a Run from the API server, for the rare look at what the informer cache leaves out of a submitted Run (its
 * inline pipeline spec and parameters; see {@link Run#trimForCache()}); empty when there is no such Run.
 */
@FunctionalInterface
public interface StoredRuns {
  Optional<Run> read(String namespace, String name);
}
