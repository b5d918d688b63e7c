//! The harness: runs the built-in protocols on the simulator and measures them.
//!
//! - [`replay`]: one protocol, one scenario, one report (`faultline replay`);
//! - [`fault_sweep`]: one protocol over many seeds, each under its own random faults, hunting
//!   for safety violations (`replay --seeds A..B`);
//! - [`timeout_sweep`]: a failure detector or election over a list of timeouts, with a
//!   recommendation (`faultline sweep`).

pub mod fault_sweep;
pub mod replay;
pub mod timeout_sweep;
