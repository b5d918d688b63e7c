//! Non-repairable units (`--non-repairable`, or a source such as Backblaze that says so).
//!
//! A unit lives from its birth (the window start, or its own first observation when the trace
//! records one) until its first failure, or is *right-censored* when observation stops first (the
//! window ends, or the unit was last seen working). Then
//! - `MTTF` = the mean time to first failure over the units that failed (units failing at 10, 12
//!   and 14 give 12);
//! - the Kaplan–Meier estimate of the survival function `S(t)` uses the censored units too
//!   (Kaplan & Meier, "Nonparametric estimation from incomplete observations", JASA 1958): at each
//!   failure time `t_j` with `d_j` failures among `n_j` units still at risk, `S` drops by the
//!   factor `1 - d_j / n_j`; units censored at `t_j` count as at risk there;
//! - the Kaplan–Meier mean life is the area under `S(t)` up to the longest observed life (the
//!   *restricted* mean: beyond the last observation the data say nothing). Without censoring it
//!   equals the MTTF.

use serde::Serialize;

/// One unit's observed life, relative to its birth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Seconds from birth to failure or censoring.
    pub life_s: f64,
    /// Whether the life ended in failure.
    pub failed: bool,
}

/// Lifetime statistics of a population of non-repairable units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LifetimeSummary {
    /// Units observed.
    pub units: u64,
    /// Units that failed while observed.
    pub failed: u64,
    /// Units still working when observation stopped.
    pub censored: u64,
    /// Mean time to first failure over the failed units; null when none failed.
    pub mttf_s: Option<f64>,
    /// Kaplan–Meier restricted mean life; null when there are no units.
    pub km_mean_life_s: Option<f64>,
    /// The horizon of that mean: the longest observed life.
    pub km_horizon_s: Option<f64>,
    /// Kaplan–Meier survival probability at the horizon.
    pub km_survival_at_horizon: Option<f64>,
}

/// Summarises observed lives.
pub fn summarize(mut lives: Vec<Observed>) -> LifetimeSummary {
    let units = lives.len() as u64;
    let failed_lives: Vec<f64> = lives
        .iter()
        .filter(|l| l.failed)
        .map(|l| l.life_s)
        .collect();
    let failed = failed_lives.len() as u64;
    let mttf_s = (failed > 0).then(|| failed_lives.iter().sum::<f64>() / failed as f64);
    lives.sort_by(|a, b| a.life_s.total_cmp(&b.life_s));
    let (km_mean, horizon, survival) = kaplan_meier_mean(&lives);
    LifetimeSummary {
        units,
        failed,
        censored: units - failed,
        mttf_s,
        km_mean_life_s: km_mean,
        km_horizon_s: horizon,
        km_survival_at_horizon: survival,
    }
}

/// Restricted mean, horizon and final survival of the Kaplan–Meier curve of sorted lives.
fn kaplan_meier_mean(sorted: &[Observed]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let Some(last) = sorted.last() else {
        return (None, None, None);
    };
    let horizon = last.life_s;
    let mut at_risk = sorted.len() as f64;
    let mut survival = 1.0;
    let mut area = 0.0;
    let mut previous = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].life_s;
        let (mut deaths, mut leaving) = (0.0, 0.0);
        while i < sorted.len() && sorted[i].life_s == t {
            if sorted[i].failed {
                deaths += 1.0;
            }
            leaving += 1.0;
            i += 1;
        }
        area += survival * (t - previous);
        previous = t;
        if deaths > 0.0 {
            survival *= 1.0 - deaths / at_risk;
        }
        at_risk -= leaving;
    }
    (Some(area), Some(horizon), Some(survival))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(life_s: f64) -> Observed {
        Observed {
            life_s,
            failed: true,
        }
    }

    fn censored(life_s: f64) -> Observed {
        Observed {
            life_s,
            failed: false,
        }
    }

    #[test]
    fn the_seed_example_gives_mttf_12() {
        let s = summarize(vec![fails(10.0), fails(12.0), fails(14.0)]);
        assert_eq!(s.mttf_s, Some(12.0));
        assert_eq!((s.units, s.failed, s.censored), (3, 3, 0));
        // Without censoring the Kaplan–Meier mean is the plain mean.
        assert_eq!(s.km_mean_life_s, Some(12.0));
        assert_eq!(s.km_survival_at_horizon, Some(0.0));
    }

    #[test]
    fn kaplan_meier_with_censoring_by_hand() {
        // Lives: 2 (fail), 3 (censored), 5 (fail), 8 (censored).
        // S = 1 on [0,2), 3/4 on [2,5), 3/4 * (1 - 1/2) = 3/8 on [5,8].
        // Area = 2*1 + 3*0.75 + 3*0.375 = 5.375.
        let s = summarize(vec![fails(5.0), censored(8.0), fails(2.0), censored(3.0)]);
        assert_eq!(s.km_mean_life_s, Some(5.375));
        assert_eq!(s.km_horizon_s, Some(8.0));
        assert_eq!(s.km_survival_at_horizon, Some(0.375));
        assert_eq!(s.mttf_s, Some(3.5));
        assert_eq!((s.failed, s.censored), (2, 2));
    }

    #[test]
    fn ties_count_censored_units_as_at_risk() {
        // At t=4 one fails and one is censored among 2 at risk: S drops to 1/2.
        let s = summarize(vec![fails(4.0), censored(4.0)]);
        assert_eq!(s.km_survival_at_horizon, Some(0.5));
        assert_eq!(s.km_mean_life_s, Some(4.0));
    }

    #[test]
    fn no_units_no_figures() {
        let s = summarize(vec![]);
        assert_eq!((s.mttf_s, s.km_mean_life_s), (None, None));
    }
}
