//! Failure detectors and how good they are.
//!
//! Every node monitors every other node (all-to-all). A detector's output is a stream of
//! observations in the timeline: `suspect` of a peer, and `trust` when it changes its mind. The
//! quality of that output is measured against the ground truth of crashes by [`qos`], with the
//! metrics of Chen, Toueg and Aguilera, "On the Quality of Service of Failure Detectors"
//! (IEEE Transactions on Computers, 2002).
//!
//! - [`heartbeat`]: every node sends heartbeats; silence for the timeout means suspicion;
//! - [`probe`]: SWIM-style probing with indirect pings;
//! - [`phi`]: φ accrual, an adaptive timeout from the heartbeats' arrival history;
//! - [`omega`]: Ω, the eventual leader detector (the highest unsuspected node) that Paxos and the
//!   elections embed.

pub mod deadline;
pub mod heartbeat;
pub mod omega;
pub mod phi;
pub mod probe;
pub mod qos;
