//! Rendering results for people and programs.

pub mod analysis;
pub mod replay;
