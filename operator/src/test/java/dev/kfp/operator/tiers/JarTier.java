package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The jar tier (failsafe, after package): the test reads the built production and development jars. Run the tier alone
 * with {@code mvn -B verify -Dgroups=jar}; docs/developing/test-tiers.md lists every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("jar")
public @interface JarTier {}
