//! Protocols that run on the simulator. Each file opens with an essay on its algorithm and the
//! source it follows.
//!
//! - [`detector`]: failure detectors (heartbeat, probe, φ) and their quality of service;
//! - [`election`]: ring, modified-ring and bully leader election;
//! - [`paxos`]: single-decree Paxos, Multi-Paxos and their safety checkers;
//! - [`zk`]: the ZooKeeper-style store.

pub mod detector;
pub mod election;
pub mod paxos;
pub mod zk;
