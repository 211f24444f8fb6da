package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The end-to-end tier (failsafe, after package): the test installs the operator's image into a real single-node
 * Kubernetes. Run the tier alone with {@code mvn -B verify -Dgroups=cluster}; docs/developing/test-tiers.md lists
 * every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("cluster")
public @interface ClusterTier {}
