//! Virtual time: integer nanoseconds since the start of a run, so that event order never
//! depends on float rounding. Conversions to and from `f64` seconds are for input and output.

/// Nanoseconds of virtual time.
pub type Nanos = u64;

/// Nanoseconds in one second.
pub const SECOND: Nanos = 1_000_000_000;

/// Seconds to nanoseconds, rounded to the nearest (halves away from zero); negative or NaN
/// is 0, and beyond `u64::MAX` ns saturates.
///
/// The same as `(seconds * 1e9).round().max(0.0) as Nanos`, without `round`, which is a call
/// into libm on x86-64 and was 6 % of a heartbeat run (every delay drawn passes through here).
/// Exact: below 2^52 the whole part and the fraction of a double are both exact, and from 2^52
/// on every double is whole.
pub fn from_secs(seconds: f64) -> Nanos {
    let nanos = seconds * 1e9;
    if nanos.is_nan() || nanos <= 0.0 {
        return 0;
    }
    if nanos >= BEYOND_I64 {
        // Whole already; beyond `u64::MAX` the conversion saturates.
        return nanos as Nanos;
    }
    // Through `i64`: one instruction each way, where a conversion between `f64` and `u64` takes
    // several (2 % of a heartbeat run).
    let whole = nanos as i64;
    let fraction = nanos - whole as f64;
    whole as Nanos + Nanos::from(fraction >= 0.5)
}

/// 2^63 as a double: the first value an `i64` cannot hold.
const BEYOND_I64: f64 = 9_223_372_036_854_775_808.0;

/// Nanoseconds to seconds.
pub fn to_secs(nanos: Nanos) -> f64 {
    nanos as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// What `from_secs` replaces.
    fn rounded(seconds: f64) -> Nanos {
        (seconds * 1e9).round().max(0.0) as Nanos
    }

    #[test]
    fn from_secs_rounds_exactly_as_round_does() {
        let edges = [
            0.0,
            -0.0,
            -1e-9,
            -0.6e-9,
            0.5e-9,
            1.5e-9,
            2.5e-9,
            0.5f64.next_down() / 1e9,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            (2f64.powi(52) - 0.5) / 1e9,
            9007199254740993e-9,
            9.223372036854775e9,
            9.223372036854776e9,
            9.223372036854778e9,
            1.8446744073709552e10,
        ];
        for seconds in edges {
            assert_eq!(from_secs(seconds), rounded(seconds), "{seconds:e}");
        }
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200_000 {
            let magnitude = 10f64.powi(rng.random_range(-12..12));
            let seconds = rng.random_range(-0.1..1.0) * magnitude;
            assert_eq!(from_secs(seconds), rounded(seconds), "{seconds:e}");
            let half = (rng.random_range(0..1u64 << 40) as f64 + 0.5) / 1e9;
            assert_eq!(from_secs(half), rounded(half), "{half:e}");
        }
    }
}
