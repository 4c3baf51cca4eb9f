import Testing

/// The end-to-end fault tests (each drives a whole gateway: bus, simulator, receiver, daemon) run one at a
/// time: on a 2-core machine several at once mostly measure each other, and a fault test that times out
/// because its neighbours starved it proves nothing.
@Suite(.serialized) enum Faults {}
