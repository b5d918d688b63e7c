//! One runner per protocol family: how to set up the simulation for each protocol, which
//! invariants to check, and how to read its outcome. Each file defines its runners (listed in
//! [`super::registry::RUNNERS`]) and its outcome type.

pub mod detector;
pub mod election;
pub mod gfs;
pub mod lock;
pub mod multi_paxos;
pub mod paxos;
pub mod vmware_ft;
pub mod zk;
