//! The deterministic discrete-event simulator that replays traces through protocols.
//!
//! - [`time`]: integer-nanosecond virtual time;
//! - [`protocol`]: the [`Protocol`](protocol::Protocol) trait and the handler context;
//! - [`engine`]: the event loop, crash-recovery, invariant checks;
//! - [`queue`]: the queue of pending events (a calendar of time slots over a radix heap);
//! - [`network`] and [`delay`]: delays, processing time, loss, partitions;
//! - [`capacity`]: servers that handle one client request at a time, from a bounded queue;
//! - [`scenario`]: faults from traces on the simulator's clock;
//! - [`chaos`]: random fault scenarios, one per seed, for fault sweeps;
//! - [`metrics`]: message counts, HdrHistogram latencies, the timeline;
//! - [`timeout`]: timeout expressions such as `2d+r`;
//! - `world`: what a handler's actions reach (the queue, the network, the metrics).

pub mod capacity;
pub mod chaos;
pub mod delay;
pub mod engine;
pub mod metrics;
pub mod network;
pub mod protocol;
pub mod queue;
pub mod scenario;
pub mod time;
pub mod timeout;
mod world;
