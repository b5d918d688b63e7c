//! Non-repairable units: drives, GPUs, anything replaced rather than repaired (`--non-repairable`,
//! or a source such as Backblaze or Titan that says so).
//!
//! A unit's *age* counts from its own start (installation, first record). It is observed from the
//! age it had when observation began (its *entry*: 0 when it started inside the window, later when
//! it was already in service — delayed entry, or left truncation) until its first failure, or it
//! is *right-censored* when observation stops first (retired, last seen, window end). Most units
//! of a healthy fleet are censored, so the mean life of the failed ones (the seed's MTTF, kept as
//! `mean_failed_life_s`) says more about the length of the study than about the units: a year of
//! drives that live for decades gives a "mean life" of months. The headline figures therefore use
//! every unit's exposure:
//! - `afr` = failures / exposure in years (Backblaze's annualised failure rate), `mttf_s` =
//!   exposure / failures (the maximum-likelihood MTTF of an exponential life);
//! - a Weibull fit by maximum likelihood with right censoring and left truncation: failures add
//!   `ln f(t)`, every unit adds `-H(exit) + H(entry)` with `H(t) = (t/λ)^k`. For a fixed shape `k`
//!   the best scale is `λ^k = Σ(exit^k − entry^k) / failures`, which leaves a one-dimensional
//!   likelihood in `k` whose derivative decreases in `k`; it is solved by bisection on `ln k`.
//!   95 % intervals are Wald intervals on `ln k` and `ln λ` from the observed information;
//! - the Kaplan–Meier survival curve over age (Kaplan & Meier, JASA 1958) with delayed entry: at
//!   each failure age `t`, the units at risk are those with `entry < t ≤ exit`, and `S` drops by
//!   `1 − d/n`. Units censored at `t` count as at risk at `t`.
//!
//! The estimators are checked against the `lifelines` Python package on the fixtures of
//! `fixtures/lifetimes/`.

use serde::Serialize;

use crate::units::YEAR;

/// One unit's observation, in ages (seconds since the unit's own start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// Age when observation began.
    pub entry_s: f64,
    /// Age at failure or censoring.
    pub exit_s: f64,
    /// Whether observation ended in failure.
    pub failed: bool,
}

/// A Weibull life distribution fitted by maximum likelihood, `S(t) = exp(-(t/scale)^shape)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeibullFit {
    /// Shape `k`: below 1 the failure rate falls with age (infant mortality), above 1 it rises
    /// (wear-out).
    pub shape: f64,
    /// Scale `λ`, seconds: the age by which 63.2 % of units have failed.
    pub scale_s: f64,
    /// 95 % confidence interval of the shape.
    pub shape_ci: [f64; 2],
    /// 95 % confidence interval of the scale, seconds.
    pub scale_ci_s: [f64; 2],
}

/// Lifetime figures of a population of non-repairable units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifetimeSummary {
    /// Units observed.
    pub units: u64,
    /// Units that failed while observed.
    pub failed: u64,
    /// Units still working when observation stopped.
    pub censored: u64,
    /// Total observed unit-time, seconds.
    pub exposure_s: f64,
    /// Annualised failure rate: failures per unit-year of exposure (0.04 = 4 % a year).
    pub afr: Option<f64>,
    /// Exact 95 % interval of the AFR, treating the failures as a Poisson count over the
    /// exposure: with 2 failures in 10 unit-years the rate may be anywhere from 2.4 % to 72 %.
    pub afr_ci: Option<[f64; 2]>,
    /// Exposure per failure, seconds; null without failures.
    pub mttf_s: Option<f64>,
    /// Mean age at failure of the units that failed (ignores the censored ones; see the module
    /// docs); null without failures.
    pub mean_failed_life_s: Option<f64>,
    /// The Weibull fit; null with fewer than two failures at distinct ages.
    pub weibull: Option<WeibullFit>,
    /// Kaplan–Meier survival `[age_s, survival]` at each failure age.
    pub km: Vec<[f64; 2]>,
}

/// Lifetime figures of one group of units (a drive model, a cabinet).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupLifetimes {
    /// The group's name.
    pub group: String,
    /// Its figures.
    #[serde(flatten)]
    pub summary: LifetimeSummary,
}

/// Lifetime figures of the whole population and of each group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lifetimes {
    /// The whole population.
    #[serde(flatten)]
    pub fleet: LifetimeSummary,
    /// Per group, by AFR (highest first); empty when units have no groups.
    pub groups: Vec<GroupLifetimes>,
}

/// Summarises observed units.
pub fn summarize(units: &[Unit]) -> LifetimeSummary {
    let failed_ages: Vec<f64> = units
        .iter()
        .filter(|u| u.failed)
        .map(|u| u.exit_s)
        .collect();
    let failed = failed_ages.len() as u64;
    let exposure_s: f64 = units.iter().map(|u| u.exit_s - u.entry_s).sum();
    let per_failure = |total: f64| (failed > 0).then(|| total / failed as f64);
    LifetimeSummary {
        units: units.len() as u64,
        failed,
        censored: units.len() as u64 - failed,
        exposure_s,
        afr: (exposure_s > 0.0).then(|| failed as f64 / (exposure_s / YEAR)),
        afr_ci: (exposure_s > 0.0).then(|| {
            let [lo, hi] = poisson_interval(failed);
            [lo / (exposure_s / YEAR), hi / (exposure_s / YEAR)]
        }),
        mttf_s: per_failure(exposure_s),
        mean_failed_life_s: per_failure(failed_ages.iter().sum()),
        weibull: weibull(units),
        km: kaplan_meier(units),
    }
}

/// `P(X ≤ k)` for a Poisson count of mean `mu`, summed in log space.
fn poisson_cdf(k: u64, mu: f64) -> f64 {
    if mu <= 0.0 {
        return 1.0;
    }
    (0..=k)
        .map(|i| {
            let i = i as f64;
            (i * mu.ln() - mu - libm::lgamma(i + 1.0)).exp()
        })
        .sum::<f64>()
        .min(1.0)
}

/// The exact (Garwood) 95 % interval of a Poisson mean from `k` events: the means at which
/// seeing at least `k` (lower) or at most `k` (upper) has probability 2.5 %, found by bisection.
pub fn poisson_interval(k: u64) -> [f64; 2] {
    let solve = |f: &dyn Fn(f64) -> f64| {
        // f decreases in mu, from above 0 to below 0.
        let (mut lo, mut hi) = (0.0f64, 10.0 + 10.0 * k as f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let lower = if k == 0 {
        0.0
    } else {
        solve(&|mu| 0.025 - (1.0 - poisson_cdf(k - 1, mu)))
    };
    let upper = solve(&|mu| poisson_cdf(k, mu) - 0.025);
    [lower, upper]
}

/// The Kaplan–Meier survival curve over age with delayed entry: `[age, S(age)]` at each failure
/// age.
pub fn kaplan_meier(units: &[Unit]) -> Vec<[f64; 2]> {
    let mut entries: Vec<f64> = units.iter().map(|u| u.entry_s).collect();
    // A unit that fails at the very age it enters observation was never at risk: its failure
    // happened before anyone watched it, so it is not a death of the curve.
    let mut exits: Vec<(f64, bool)> = units
        .iter()
        .map(|u| (u.exit_s, u.failed && u.entry_s < u.exit_s))
        .collect();
    entries.sort_by(f64::total_cmp);
    exits.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut curve = Vec::new();
    let mut survival = 1.0;
    let (mut entered, mut exited) = (0usize, 0usize);
    let mut i = 0;
    while i < exits.len() {
        let t = exits[i].0;
        let mut deaths = 0u64;
        let mut j = i;
        while j < exits.len() && exits[j].0 == t {
            deaths += u64::from(exits[j].1);
            j += 1;
        }
        // At risk at t: entered strictly before t and not yet exited before t.
        while entered < entries.len() && entries[entered] < t {
            entered += 1;
        }
        let at_risk = entered.saturating_sub(exited);
        if deaths > 0 && at_risk > 0 {
            survival *= 1.0 - deaths as f64 / at_risk as f64;
            curve.push([t, survival]);
        }
        exited = j;
        i = j;
    }
    curve
}

/// Sums over units for a shape `k`, with ages scaled by `unit` (so powers stay in range):
/// `Σ(x^k − e^k)`, `Σ(x^k ln x − e^k ln e)` and `Σ(x^k ln²x − e^k ln²e)`.
fn power_sums(units: &[Unit], unit: f64, k: f64) -> (f64, f64, f64) {
    let term = |age: f64| {
        if age <= 0.0 {
            return (0.0, 0.0, 0.0);
        }
        let x = age / unit;
        let (p, l) = (x.powf(k), x.ln());
        (p, p * l, p * l * l)
    };
    units.iter().fold((0.0, 0.0, 0.0), |acc, u| {
        let (a, b) = (term(u.exit_s), term(u.entry_s));
        (acc.0 + a.0 - b.0, acc.1 + a.1 - b.1, acc.2 + a.2 - b.2)
    })
}

/// The Weibull maximum-likelihood fit with right censoring and delayed entry; `None` with fewer
/// than two failures, or when all failures happen at one age (the shape is then unbounded).
pub fn weibull(units: &[Unit]) -> Option<WeibullFit> {
    let failures: Vec<f64> = units
        .iter()
        .filter(|u| u.failed && u.exit_s > 0.0)
        .map(|u| u.exit_s)
        .collect();
    let r = failures.len() as f64;
    let first = *failures.first()?;
    if failures.len() < 2 || failures.iter().all(|&t| t == first) {
        return None;
    }
    let unit = units.iter().map(|u| u.exit_s).fold(0.0, f64::max);
    let sum_log: f64 = failures.iter().map(|t| (t / unit).ln()).sum();
    // d/dk of the profile log-likelihood; it decreases in k.
    let slope = |k: f64| {
        let (p, pl, _) = power_sums(units, unit, k);
        r / k + sum_log - r * pl / p
    };
    let (mut lo, mut hi) = (1e-3f64.ln(), 1e3f64.ln());
    if slope(lo.exp()) <= 0.0 || slope(hi.exp()) >= 0.0 {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if slope(mid.exp()) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let k = (0.5 * (lo + hi)).exp();
    let (p, pl, pll) = power_sums(units, unit, k);
    let scale_units = (p / r).powf(1.0 / k);
    // Observed information in (k, λ) with λ in `unit`s, at the optimum where Σ(x/λ)^k terms
    // equal r: with z = (x/λ)^k and L = ln(x/λ), Σz = r, ΣzL = (pl − ln λ·p)/λ^k,
    // ΣzL² = (pll − 2 ln λ·pl + ln²λ·p)/λ^k.
    let lam = scale_units;
    let lk = lam.powf(k);
    let ln_lam = lam.ln();
    let z_l = (pl - ln_lam * p) / lk;
    let z_ll = (pll - 2.0 * ln_lam * pl + ln_lam * ln_lam * p) / lk;
    let i_kk = r / (k * k) + z_ll;
    let i_ll = r * k * k / (lam * lam);
    let i_kl = -(k / lam) * z_l;
    let det = i_kk * i_ll - i_kl * i_kl;
    let (var_k, var_l) = if det > 0.0 {
        (i_ll / det, i_kk / det)
    } else {
        (f64::NAN, f64::NAN)
    };
    let interval = |value: f64, variance: f64| {
        let half = 1.959_963_984_540_054 * variance.sqrt() / value;
        if half.is_finite() {
            [value * (-half).exp(), value * half.exp()]
        } else {
            [0.0, f64::INFINITY]
        }
    };
    let scale_ci = interval(lam, var_l);
    Some(WeibullFit {
        shape: k,
        scale_s: lam * unit,
        shape_ci: interval(k, var_k),
        scale_ci_s: [scale_ci[0] * unit, scale_ci[1] * unit],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(exit_s: f64) -> Unit {
        Unit {
            entry_s: 0.0,
            exit_s,
            failed: true,
        }
    }

    fn censored(exit_s: f64) -> Unit {
        Unit {
            entry_s: 0.0,
            exit_s,
            failed: false,
        }
    }

    #[test]
    fn the_seed_example_gives_a_mean_failed_life_of_12() {
        let s = summarize(&[fails(10.0), fails(12.0), fails(14.0)]);
        assert_eq!(s.mean_failed_life_s, Some(12.0));
        assert_eq!(s.mttf_s, Some(12.0));
        assert_eq!((s.units, s.failed, s.censored), (3, 3, 0));
        // S drops by 1 - 1/3, then 1 - 1/2, then 1 - 1/1.
        let (s1, s2) = (1.0 - 1.0 / 3.0, (1.0 - 1.0 / 3.0) * 0.5);
        assert_eq!(s.km, vec![[10.0, s1], [12.0, s2], [14.0, 0.0]]);
    }

    #[test]
    fn censored_units_count_in_exposure_and_afr() {
        // One failure at 1 year among ten units observed for a year: 10 unit-years, AFR 10 %.
        let mut units = vec![fails(YEAR)];
        units.extend(std::iter::repeat_n(censored(YEAR), 9));
        let s = summarize(&units);
        assert_eq!(s.exposure_s, 10.0 * YEAR);
        assert_eq!(s.afr, Some(0.1));
        assert_eq!(s.mttf_s, Some(10.0 * YEAR));
        assert_eq!(s.mean_failed_life_s, Some(YEAR));
    }

    #[test]
    fn poisson_intervals_match_the_published_tables() {
        // Garwood's exact 95 % limits (as in Ulm's table): 0 → [0, 3.689], 1 → [0.0253,
        // 5.572], 10 → [4.795, 18.39].
        let close = |a: f64, b: f64| (a - b).abs() < 1e-3 * b.max(1.0);
        let [lo, hi] = poisson_interval(0);
        assert!(lo == 0.0 && close(hi, 3.689), "{hi}");
        let [lo, hi] = poisson_interval(1);
        assert!(close(lo, 0.02532) && close(hi, 5.5716), "{lo} {hi}");
        let [lo, hi] = poisson_interval(10);
        assert!(close(lo, 4.7954) && close(hi, 18.390), "{lo} {hi}");
    }

    #[test]
    fn kaplan_meier_with_censoring_by_hand() {
        // Lives: 2 (fail), 3 (censored), 5 (fail), 8 (censored).
        // S = 3/4 at 2, 3/4 * (1 - 1/2) = 3/8 at 5.
        let km = kaplan_meier(&[fails(5.0), censored(8.0), fails(2.0), censored(3.0)]);
        assert_eq!(km, vec![[2.0, 0.75], [5.0, 0.375]]);
        // At t=4 one fails and one is censored among 2 at risk: S drops to 1/2.
        assert_eq!(kaplan_meier(&[fails(4.0), censored(4.0)]), vec![[4.0, 0.5]]);
    }

    #[test]
    fn kaplan_meier_with_delayed_entry_by_hand() {
        // A enters at 0 and fails at 4; B enters at 5 (already 5 old) and fails at 6;
        // C enters at 3 and is censored at 10. At 4: A and C at risk → 1/2. At 6: B and C → 1/4.
        let units = [
            fails(4.0),
            Unit {
                entry_s: 5.0,
                exit_s: 6.0,
                failed: true,
            },
            Unit {
                entry_s: 3.0,
                exit_s: 10.0,
                failed: false,
            },
        ];
        assert_eq!(kaplan_meier(&units), vec![[4.0, 0.5], [6.0, 0.25]]);
    }

    #[test]
    fn weibull_recovers_the_exponential_case() {
        // Failures at 1, 2, 3 (no censoring): the exponential MLE has mean 2; the Weibull fit's
        // likelihood is at least as high, so its shape is near 1 only for exponential-like data.
        // Here we check the profile-likelihood identity: λ^k = Σ t^k / r at the optimum.
        let units = [fails(1.0), fails(2.0), fails(3.0)];
        let w = weibull(&units).unwrap();
        let sum: f64 = [1.0f64, 2.0, 3.0].iter().map(|t| t.powf(w.shape)).sum();
        assert!((w.scale_s.powf(w.shape) - sum / 3.0).abs() < 1e-9);
        assert!(w.shape_ci[0] < w.shape && w.shape < w.shape_ci[1]);
        assert!(weibull(&[fails(1.0), fails(1.0)]).is_none());
        assert!(weibull(&[fails(1.0), censored(3.0)]).is_none());
    }
}
