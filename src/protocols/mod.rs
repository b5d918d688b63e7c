//! Protocols that run on the simulator. Each file opens with an essay on its algorithm and the
//! source it follows.
//!
//! - [`detector`]: failure detectors (heartbeat) and their quality-of-service analysis.

pub mod detector;
