package dev.kfp.operator.simulator;

/** How the simulator behaves while it is "down". */
public enum Outage {
  /** Every call gets 503 (code 14, "Service unavailable"), as while KFP's pods restart behind a Service. */
  UNAVAILABLE,
  /** Every connection is accepted, then closed without a response. */
  DROP_CONNECTIONS,
  /** The listening socket is closed: connections are refused. The port is bound again when the outage ends. */
  REFUSE_CONNECTIONS
}
