//! The availability formulas of DESIGN.md, applied to totals.
//!
//! For an observed time `T` with `downtime` and `failures` (down intervals that start in the
//! window):
//! - `uptime = T - downtime`, `availability = uptime / T`;
//! - `nines = -log10(1 - availability)`, null when availability is 1;
//! - `MTBF = T / failures`, `MTTF = uptime / failures`, `MTTR = downtime / failures`, all null
//!   when there are no failures; so `MTBF = MTTF + MTTR` and `availability = MTTF / MTBF`;
//! - `annual_downtime = (1 - availability) * 365 days`, the yearly downtime the availability
//!   allows (99 % → 3.65 days).

use serde::Serialize;

use crate::units::YEAR;

/// Availability figures for one node, a fleet, a group or the system.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Observed time `T`, seconds: the window, or for a node its service window inside it, for
    /// a fleet or group the sum over its nodes.
    pub exposure_s: f64,
    /// Down intervals that start inside the window.
    pub failures: u64,
    /// Observed time minus downtime, seconds.
    pub uptime_s: f64,
    /// Total downtime inside the window, seconds.
    pub downtime_s: f64,
    /// `uptime / T`.
    pub availability: f64,
    /// `-log10(1 - availability)`; null when availability is 1.
    pub nines: Option<f64>,
    /// Mean time between failures, `T / failures`.
    pub mtbf_s: Option<f64>,
    /// Mean time to failure, `uptime / failures`.
    pub mttf_s: Option<f64>,
    /// Mean time to repair, `downtime / failures`.
    pub mttr_s: Option<f64>,
    /// Downtime a year at this availability, `(1 - availability) * 365 d`.
    pub annual_downtime_s: f64,
}

impl Metrics {
    /// Applies the formulas to totals over an observed time `observed_s > 0`.
    pub fn from_totals(observed_s: f64, downtime_s: f64, failures: u64) -> Self {
        // Guard against float round-off pushing downtime a hair past the observed time.
        let downtime_s = downtime_s.clamp(0.0, observed_s);
        let uptime_s = observed_s - downtime_s;
        let availability = if observed_s > 0.0 {
            uptime_s / observed_s
        } else {
            1.0
        };
        let per_failure = |total: f64| (failures > 0).then(|| total / failures as f64);
        Self {
            exposure_s: observed_s,
            failures,
            uptime_s,
            downtime_s,
            availability,
            nines: nines(availability),
            mtbf_s: per_failure(observed_s),
            mttf_s: per_failure(uptime_s),
            mttr_s: per_failure(downtime_s),
            // downtime / T * year equals (1 - availability) * year, without the round-off of 1 - A.
            annual_downtime_s: if observed_s > 0.0 {
                downtime_s / observed_s * YEAR
            } else {
                0.0
            },
        }
    }
}

/// `-log10(1 - availability)`, null when availability is 1 (no downtime at all).
pub fn nines(availability: f64) -> Option<f64> {
    (availability < 1.0).then(|| -(1.0 - availability).log10())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::DAY;

    #[test]
    fn the_seed_budget_example_holds() {
        // 99 % availability allows 3.65 days a year.
        assert_eq!(
            Metrics::from_totals(100.0, 1.0, 1).annual_downtime_s,
            3.65 * DAY
        );
    }

    #[test]
    fn formulas_on_hand_computed_totals() {
        // 100 s observed, 2 failures, 10 s down.
        let m = Metrics::from_totals(100.0, 10.0, 2);
        assert_eq!(m.uptime_s, 90.0);
        assert_eq!(m.availability, 0.9);
        assert_eq!(m.mtbf_s, Some(50.0));
        assert_eq!(m.mttf_s, Some(45.0));
        assert_eq!(m.mttr_s, Some(5.0));
        assert!((m.nines.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(m.mtbf_s.unwrap(), m.mttf_s.unwrap() + m.mttr_s.unwrap());
        assert_eq!(m.availability, m.mttf_s.unwrap() / m.mtbf_s.unwrap());
    }

    #[test]
    fn no_failures_means_null_means() {
        let m = Metrics::from_totals(100.0, 0.0, 0);
        assert_eq!(m.availability, 1.0);
        assert_eq!(
            (m.nines, m.mtbf_s, m.mttf_s, m.mttr_s),
            (None, None, None, None)
        );
        assert_eq!(m.annual_downtime_s, 0.0);
    }

    #[test]
    fn downtime_without_a_failure_in_the_window() {
        // An outage that began before the window: downtime counts, the failure does not.
        let m = Metrics::from_totals(100.0, 30.0, 0);
        assert_eq!(m.availability, 0.7);
        assert_eq!(m.mttr_s, None);
    }
}
