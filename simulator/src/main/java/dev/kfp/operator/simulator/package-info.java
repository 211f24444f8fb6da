/**
 * An in-process stand-in for the KFP API server's v2beta1 runs API, faithful to the behaviour described in
 * docs/kfp-facts.md: {@link dev.kfp.operator.simulator.KfpSimulator} (start, register
 * experiments and pipeline versions, read stored runs), {@link dev.kfp.operator.simulator.ManualClock} and
 * {@link dev.kfp.operator.simulator.OutcomeRule} (how runs progress and end),
 * {@link dev.kfp.operator.simulator.Faults} (what goes wrong), {@link dev.kfp.operator.simulator.CallCounters}
 * (what clients spent) and {@link dev.kfp.operator.devtools.SimulatorCommand} (the {@code simulator} command).
 * Shares no code with the KFP client in {@code dev.kfp.operator.kfp}.
 */
package dev.kfp.operator.simulator;
