package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The image tier (failsafe, after package): the test builds the operator's image with podman and runs it. Run the tier
 * alone with {@code mvn -B verify -Dgroups=image}; docs/developing/test-tiers.md lists every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("image")
public @interface ImageTier {}
