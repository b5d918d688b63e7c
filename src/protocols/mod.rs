//! Protocols that run on the simulator. Each file opens with an essay on its algorithm and the
//! source it follows.
//!
//! - [`client`]: the client endpoint of replicated services, generic over the service;
//! - [`detector`]: failure detectors (heartbeat, probe, φ, the Ω leader detector) and their
//!   quality of service;
//! - [`election`]: ring, modified-ring and bully leader election;
//! - [`gfs`]: GFS's master re-replicating the chunks of chunkservers that miss heartbeats;
//! - [`paxos`]: single-decree Paxos, Multi-Paxos and their safety checkers;
//! - [`vmware_ft`]: VMware FT's primary and backup VMs, the Output Rule and the test-and-set;
//! - [`zk`]: the ZooKeeper-style store;
//! - [`zab`]: the store replicated by Zab, with sessions, clients and watches.

pub mod client;
pub mod detector;
pub mod election;
pub mod gfs;
pub mod paxos;
pub mod sequence_map;
pub mod vmware_ft;
pub mod zab;
pub mod zk;
