//! The harness: runs the built-in protocols on the simulator and measures them.
//!
//! - [`registry`]: every protocol the harness runs, each behind a [`registry::Runner`]
//!   ([`runners`] holds one file per family), with its name, defaults and outcome;
//! - [`settings`]: what a run is given; [`outcome`]: what a protocol reports it achieved;
//! - [`replay`]: one protocol, one scenario, one report (`faultline replay`);
//! - [`fault_sweep`]: one protocol over many seeds, each under its own random faults, hunting
//!   for safety violations (`replay --seeds A..B`);
//! - [`gfs_sweep`]: GFS under several dead-chunkserver timeouts (`sweep --protocol gfs`);
//! - [`pause_sweep`]: the lock under holders frozen for longer and longer, with and without
//!   fencing (`replay --protocol lock --pauses R,...`);
//! - [`overload`]: what clients saw of a service under load, and its recovery after a trigger;
//! - [`policy_compare`]: client policies side by side over the same seeds (`replay --retry a,b`);
//! - [`shard`]: fault sweeps split into shards (Slurm, Kubernetes) and merged exactly;
//!   [`sweep_shard`]: the same for timeout sweeps;
//! - [`timeout_sweep`]: a failure detector or election over a list of timeouts, with a
//!   recommendation (`faultline sweep`).

pub mod fault_sweep;
pub mod gfs_sweep;
pub mod outcome;
pub mod overload;
pub mod pause_sweep;
pub mod policy_compare;
pub mod registry;
pub mod replay;
pub mod runners;
pub mod settings;
pub mod shard;
pub mod sweep_shard;
pub mod timeout_sweep;
