//! How long a client waits before retrying a failed attempt (`--retry`).
//!
//! With `v = min(cap, base · 2^n)`, where `n` counts the retries made before this one (0 for the
//! first retry), the policies wait: `none` 0 (retry at once), `fixed:D` always D, `exp` v,
//! `full-jitter` a uniform draw in [0, v), `equal-jitter` v/2 plus a uniform draw in [0, v/2),
//! and `decorrelated` min(cap, a uniform draw in [base, 3 · the previous wait)), starting from
//! base. These are the four of Brooker's "Exponential Backoff and Jitter" (AWS, 2015) and the
//! two trivial ones; every draw comes from the client's own seeded stream, so a run is
//! reproducible.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::spec::{Params, SpecError, duration, error, show};
use crate::sim::time::Nanos;

/// A backoff policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Retry at once.
    None,
    /// Always wait this long.
    Fixed(Nanos),
    /// Exponential without jitter.
    Exp(Growth),
    /// Full jitter: uniform in [0, v).
    FullJitter(Growth),
    /// Equal jitter: v/2 plus uniform in [0, v/2).
    EqualJitter(Growth),
    /// Decorrelated jitter: min(cap, uniform in [base, 3 · previous)).
    Decorrelated(Growth),
}

/// The base and cap of a growing backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Growth {
    /// The first retry's scale.
    pub base: Nanos,
    /// The most a wait can be.
    pub cap: Nanos,
}

impl Growth {
    /// `min(cap, base · 2^n)`, saturating.
    pub fn ceiling(&self, n: u32) -> Nanos {
        let doubled = self
            .base
            .saturating_mul(1u64.checked_shl(n).unwrap_or(u64::MAX));
        doubled.min(self.cap)
    }
}

impl Backoff {
    /// The wait before retry number `n + 1` (`n` retries made before it), given the previous
    /// wait (`None` before the first retry), drawing from `rng`.
    pub fn wait(&self, n: u32, previous: Option<Nanos>, rng: &mut ChaCha8Rng) -> Nanos {
        let uniform = |rng: &mut ChaCha8Rng, lo: Nanos, hi: Nanos| {
            if hi > lo {
                rng.random_range(lo..hi)
            } else {
                lo
            }
        };
        match *self {
            Backoff::None => 0,
            Backoff::Fixed(d) => d,
            Backoff::Exp(g) => g.ceiling(n),
            Backoff::FullJitter(g) => uniform(rng, 0, g.ceiling(n)),
            Backoff::EqualJitter(g) => {
                let v = g.ceiling(n);
                v / 2 + uniform(rng, 0, v - v / 2)
            }
            Backoff::Decorrelated(g) => {
                let previous = previous.unwrap_or(g.base);
                uniform(rng, g.base, previous.saturating_mul(3)).min(g.cap)
            }
        }
    }
}

impl fmt::Display for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let growth = |f: &mut fmt::Formatter<'_>, name: &str, g: &Growth| {
            write!(f, "{name}:base={},cap={}", show(g.base), show(g.cap))
        };
        match self {
            Backoff::None => write!(f, "none"),
            Backoff::Fixed(d) => write!(f, "fixed:{}", show(*d)),
            Backoff::Exp(g) => growth(f, "exp", g),
            Backoff::FullJitter(g) => growth(f, "full-jitter", g),
            Backoff::EqualJitter(g) => growth(f, "equal-jitter", g),
            Backoff::Decorrelated(g) => growth(f, "decorrelated", g),
        }
    }
}

const NAMES: &str = "none, fixed:D, exp:base=D,cap=D, full-jitter:base=D,cap=D, \
                     equal-jitter:base=D,cap=D or decorrelated:base=D,cap=D";

impl FromStr for Backoff {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, params) = text.split_once(':').unwrap_or((text, ""));
        let growth = || -> Result<Growth, SpecError> {
            let p = Params::parse(text, params, &["base", "cap"])?;
            let base = p.duration("base", None)?;
            let cap = p.duration("cap", None)?;
            if base == 0 || cap < base {
                return Err(error(text, "needs 0 < base ≤ cap".into()));
            }
            Ok(Growth { base, cap })
        };
        match name.trim() {
            "none" if params.is_empty() => Ok(Backoff::None),
            "fixed" => Ok(Backoff::Fixed(duration(text, "fixed", params.trim())?)),
            "exp" => Ok(Backoff::Exp(growth()?)),
            "full-jitter" => Ok(Backoff::FullJitter(growth()?)),
            "equal-jitter" => Ok(Backoff::EqualJitter(growth()?)),
            "decorrelated" => Ok(Backoff::Decorrelated(growth()?)),
            _ => Err(error(text, format!("not a retry policy; use {NAMES}"))),
        }
    }
}

/// Splits a comma-separated list of policies, whose own parameters are comma-separated too:
/// a part that is `key=value` belongs to the policy before it
/// (`exp:base=5ms,cap=2s,none` is two policies).
pub fn parse_list(text: &str) -> Result<Vec<Backoff>, SpecError> {
    let mut specs: Vec<String> = Vec::new();
    for part in text.split(',') {
        let continues = !part.contains(':') && part.contains('=');
        match specs.last_mut() {
            Some(last) if continues => {
                last.push(',');
                last.push_str(part);
            }
            _ => specs.push(part.to_string()),
        }
    }
    specs.iter().map(|s| s.parse()).collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    const MS: Nanos = 1_000_000;

    fn growth() -> Growth {
        Growth {
            base: 5 * MS,
            cap: 2_000 * MS,
        }
    }

    #[test]
    fn the_exponential_doubles_up_to_the_cap() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let exp = Backoff::Exp(growth());
        let waits: Vec<Nanos> = (0..12).map(|n| exp.wait(n, None, &mut rng) / MS).collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000]
        );
        assert_eq!(Backoff::Exp(growth()).wait(200, None, &mut rng), 2_000 * MS);
        assert_eq!(Backoff::None.wait(3, None, &mut rng), 0);
        assert_eq!(Backoff::Fixed(7 * MS).wait(3, None, &mut rng), 7 * MS);
    }

    #[test]
    fn each_jitter_draws_what_its_definition_says() {
        let g = growth();
        for n in 0..10 {
            let v = g.ceiling(n);
            let mut rng = ChaCha8Rng::seed_from_u64(u64::from(n));
            let mut mirror = rng.clone();
            let full = Backoff::FullJitter(g).wait(n, None, &mut rng);
            assert_eq!(full, mirror.random_range(0..v));
            let equal = Backoff::EqualJitter(g).wait(n, None, &mut rng);
            assert_eq!(equal, v / 2 + mirror.random_range(0..v - v / 2));
            assert!((v / 2..v).contains(&equal));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut mirror = rng.clone();
        let d = Backoff::Decorrelated(g);
        let mut previous = None;
        for n in 0..20 {
            let wait = d.wait(n, previous, &mut rng);
            let expected = mirror
                .random_range(g.base..previous.unwrap_or(g.base) * 3)
                .min(g.cap);
            assert_eq!(wait, expected);
            assert!(wait >= g.base && wait <= g.cap);
            previous = Some(wait);
        }
    }

    #[test]
    fn policies_parse_and_print_back() {
        for text in [
            "none",
            "fixed:100ms",
            "exp:base=5ms,cap=2s",
            "full-jitter:base=5ms,cap=2s",
            "equal-jitter:base=50ms,cap=1s",
            "decorrelated:base=5ms,cap=2s",
        ] {
            assert_eq!(text.parse::<Backoff>().unwrap().to_string(), text);
        }
        let list = parse_list("exp:base=5ms,cap=2s,none,full-jitter:base=1ms,cap=1s").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[1], Backoff::None);
        let bad = "exp:base=5ms".parse::<Backoff>().unwrap_err();
        assert!(bad.reason.contains("needs `cap=`"), "{bad}");
        let bad = "jitter".parse::<Backoff>().unwrap_err();
        assert!(bad.reason.contains("not a retry policy"), "{bad}");
        let bad = "exp:base=1s,cap=5ms".parse::<Backoff>().unwrap_err();
        assert!(bad.reason.contains("base ≤ cap"), "{bad}");
    }
}
