package dev.kfp.operator.kfp;

import java.time.Instant;

/** One entry of a run's state history. */
public record RuntimeStatus(Instant updateTime, KfpRuntimeState state, RpcStatus error) {}
