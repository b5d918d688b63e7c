//! Virtual time: integer nanoseconds since the start of a run, so that event order never
//! depends on float rounding. Conversions to and from `f64` seconds are for input and output.

/// Nanoseconds of virtual time.
pub type Nanos = u64;

/// Nanoseconds in one second.
pub const SECOND: Nanos = 1_000_000_000;

/// Seconds (non-negative) to nanoseconds, rounded to the nearest.
pub fn from_secs(seconds: f64) -> Nanos {
    (seconds * 1e9).round().max(0.0) as Nanos
}

/// Nanoseconds to seconds.
pub fn to_secs(nanos: Nanos) -> f64 {
    nanos as f64 / 1e9
}
