//! Network delay models (DESIGN.md): how long a message spends on the wire.
//!
//! `const:5ms`, `uniform:1ms,9ms`, `normal:mean=5ms,sd=1ms` (truncated at 0), `exp:mean=5ms`,
//! `lognormal:mu=..,sigma=..` (of seconds), `pareto:scale=..,shape=..` (scale a duration), or an
//! empirical distribution of measured delays (`--delays FILE`, one delay a line, sampled
//! uniformly). Every length carries its unit (`const:5ms`; `const:5` is refused, not read as
//! seconds). Every model knows its `d`, the one-way delay bound timeout expressions use: the
//! bound itself for `const` and `uniform`, otherwise the model's 99.9th percentile.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};

use super::time::{Nanos, from_secs, to_secs};
use crate::units::parse_duration;

/// The standard normal quantile of 0.999, for the p99.9 bounds.
const Z999: f64 = 3.090_232_306_167_813;

/// A delay distribution.
#[derive(Debug, Clone)]
pub enum DelayModel {
    /// Always the same delay.
    Const(Nanos),
    /// Uniform between two delays.
    Uniform(Nanos, Nanos),
    /// Normal, truncated at zero.
    Normal(Normal<f64>),
    /// Exponential with the given mean (seconds).
    Exp(f64, Exp<f64>),
    /// Log-normal of seconds, with its `mu` and `sigma`.
    LogNormal(f64, f64, LogNormal<f64>),
    /// Pareto with a scale in seconds and a shape.
    Pareto(f64, f64, Pareto<f64>),
    /// Measured delays, sorted, sampled uniformly.
    Empirical(Vec<Nanos>),
}

/// A delay model that could not be understood.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{text}: {reason}")]
pub struct DelayError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl DelayModel {
    /// A model from measured delays (seconds); `None` when there are none.
    pub fn empirical(mut delays: Vec<Nanos>) -> Option<Self> {
        if delays.is_empty() {
            return None;
        }
        delays.sort_unstable();
        Some(DelayModel::Empirical(delays))
    }

    /// Draws one delay.
    #[inline]
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Nanos {
        let secs = |x: f64| from_secs(x.max(0.0));
        match self {
            DelayModel::Const(d) => *d,
            DelayModel::Uniform(lo, hi) => rng.random_range(*lo..=*hi),
            DelayModel::Normal(d) => secs(d.sample(rng)),
            DelayModel::Exp(_, d) => secs(d.sample(rng)),
            DelayModel::LogNormal(_, _, d) => secs(d.sample(rng)),
            DelayModel::Pareto(_, _, d) => secs(d.sample(rng)),
            DelayModel::Empirical(v) => v[rng.random_range(0..v.len())],
        }
    }

    /// `d`: the bound for `const` and `uniform`, the 99.9th percentile otherwise.
    pub fn bound(&self) -> Nanos {
        match self {
            DelayModel::Const(d) => *d,
            DelayModel::Uniform(_, hi) => *hi,
            DelayModel::Normal(d) => from_secs((d.mean() + Z999 * d.std_dev()).max(0.0)),
            DelayModel::Exp(mean, _) => from_secs(mean * 1000f64.ln()),
            DelayModel::LogNormal(mu, sigma, _) => from_secs((mu + Z999 * sigma).exp()),
            DelayModel::Pareto(scale, shape, _) => from_secs(scale * 1000f64.powf(1.0 / shape)),
            DelayModel::Empirical(v) => {
                let rank = ((v.len() as f64) * 0.999).ceil() as usize;
                v[rank.clamp(1, v.len()) - 1]
            }
        }
    }
}

impl fmt::Display for DelayModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DelayModel::Const(d) => write!(f, "const:{}s", to_secs(*d)),
            DelayModel::Uniform(lo, hi) => write!(f, "uniform:{}s,{}s", to_secs(*lo), to_secs(*hi)),
            DelayModel::Normal(d) => write!(f, "normal:mean={}s,sd={}s", d.mean(), d.std_dev()),
            DelayModel::Exp(mean, _) => write!(f, "exp:mean={mean}s"),
            DelayModel::LogNormal(mu, sigma, _) => write!(f, "lognormal:mu={mu},sigma={sigma}"),
            DelayModel::Pareto(scale, shape, _) => write!(f, "pareto:scale={scale}s,shape={shape}"),
            DelayModel::Empirical(v) => write!(f, "empirical:{} samples", v.len()),
        }
    }
}

impl FromStr for DelayModel {
    type Err = DelayError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| DelayError {
            text: text.to_string(),
            reason,
        };
        let (name, params) = text.split_once(':').unwrap_or((text, ""));
        // Every length needs its unit: `const:5` could mean 5 s or 5 ms, and a network delay is
        // far more often milliseconds than the seconds a bare number means elsewhere.
        // (Log-normal's mu and sigma, and Pareto's shape, are plain numbers.)
        let duration = |what: &str, s: &str| {
            let s = s.trim();
            if s.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(err(format!("the {what} `{s}` needs a unit, e.g. {s}ms")));
            }
            parse_duration(s, 1.0).map_err(|e| err(e.to_string()))
        };
        let named = |key: &str| -> Result<&str, DelayError> {
            params
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim())
                .ok_or_else(|| err(format!("needs `{key}=`")))
        };
        let number = |key: &str| -> Result<f64, DelayError> {
            named(key)?
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(format!("`{key}` must be a number")))
        };
        let bad = |e: &dyn fmt::Display| err(e.to_string());
        Ok(match name {
            "const" => DelayModel::Const(from_secs(duration("delay", params)?)),
            "uniform" => {
                let (lo, hi) = params
                    .split_once(',')
                    .ok_or_else(|| err("needs LOW,HIGH, e.g. uniform:1ms,9ms".into()))?;
                let (lo, hi) = (
                    from_secs(duration("delay", lo)?),
                    from_secs(duration("delay", hi)?),
                );
                if hi < lo {
                    return Err(err("HIGH is below LOW".into()));
                }
                DelayModel::Uniform(lo, hi)
            }
            "normal" => DelayModel::Normal(
                Normal::new(
                    duration("mean", named("mean")?)?,
                    duration("sd", named("sd")?)?,
                )
                .map_err(|e| bad(&e))?,
            ),
            "exp" => {
                let mean = duration("mean", named("mean")?)?;
                if mean <= 0.0 {
                    return Err(err("the mean must be positive".into()));
                }
                DelayModel::Exp(mean, Exp::new(1.0 / mean).map_err(|e| bad(&e))?)
            }
            "lognormal" => {
                let (mu, sigma) = (number("mu")?, number("sigma")?);
                DelayModel::LogNormal(mu, sigma, LogNormal::new(mu, sigma).map_err(|e| bad(&e))?)
            }
            "pareto" => {
                let (scale, shape) = (duration("scale", named("scale")?)?, number("shape")?);
                DelayModel::Pareto(
                    scale,
                    shape,
                    Pareto::new(scale, shape).map_err(|e| bad(&e))?,
                )
            }
            _ => {
                return Err(err(
                    "unknown model; use const:, uniform:, normal:, exp:, lognormal: or pareto:"
                        .into(),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn model(text: &str) -> DelayModel {
        text.parse().unwrap()
    }

    #[test]
    fn bounds_are_the_bound_or_the_p999() {
        assert_eq!(model("const:5ms").bound(), 5_000_000);
        assert_eq!(model("uniform:1ms,9ms").bound(), 9_000_000);
        // exp: mean * ln(1000)
        assert_eq!(model("exp:mean=1s").bound(), 6_907_755_279);
        // normal: mean + 3.0902 sd
        assert_eq!(model("normal:mean=5ms,sd=1ms").bound(), 8_090_232);
        // lognormal: exp(mu + 3.0902 sigma)
        assert_eq!(model("lognormal:mu=-6,sigma=0.5").bound(), 11_621_670);
        // pareto: scale * 1000^(1/shape)
        assert_eq!(model("pareto:scale=1ms,shape=3").bound(), 10_000_000);
        let empirical = DelayModel::empirical((1..=2000).collect()).unwrap();
        assert_eq!(empirical.bound(), 1998);
    }

    #[test]
    fn samples_stay_in_range_and_follow_the_seed() {
        let mut a = ChaCha8Rng::seed_from_u64(1);
        let mut b = ChaCha8Rng::seed_from_u64(1);
        let m = model("uniform:1ms,9ms");
        for _ in 0..1000 {
            let x = m.sample(&mut a);
            assert!((1_000_000..=9_000_000).contains(&x));
            assert_eq!(x, m.sample(&mut b));
        }
        let n = model("normal:mean=1ms,sd=10ms");
        assert!(
            (0..1000).all(|_| n.sample(&mut a) < u64::MAX / 2),
            "truncated at zero"
        );
    }

    #[test]
    fn lengths_need_a_unit() {
        let error = |text: &str| text.parse::<DelayModel>().unwrap_err().to_string();
        assert_eq!(
            error("const:5"),
            "const:5: the delay `5` needs a unit, e.g. 5ms"
        );
        assert_eq!(
            error("uniform:1ms,9"),
            "uniform:1ms,9: the delay `9` needs a unit, e.g. 9ms"
        );
        assert_eq!(
            error("normal:mean=5ms,sd=1"),
            "normal:mean=5ms,sd=1: the sd `1` needs a unit, e.g. 1ms"
        );
        assert_eq!(
            error("exp:mean=0.005"),
            "exp:mean=0.005: the mean `0.005` needs a unit, e.g. 0.005ms"
        );
        assert_eq!(
            error("pareto:scale=1,shape=3"),
            "pareto:scale=1,shape=3: the scale `1` needs a unit, e.g. 1ms"
        );
        // Parameters that are not lengths stay plain numbers.
        assert_eq!(model("lognormal:mu=-6,sigma=0.5").bound(), 11_621_670);
        assert_eq!(model("pareto:scale=1ms,shape=3").bound(), 10_000_000);
        assert_eq!(model("const:0s").bound(), 0);
    }

    #[test]
    fn bad_models_are_explained() {
        for text in [
            "const:fast",
            "uniform:9ms,1ms",
            "gauss:1ms",
            "exp:mean=0s",
            "normal:mean=1ms",
        ] {
            assert!(text.parse::<DelayModel>().is_err(), "{text}");
        }
    }
}
