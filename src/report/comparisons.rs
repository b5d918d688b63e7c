//! The report's comparison plots: availability or AFR per group, each cause's share of the
//! downtime, and Kaplan–Meier survival curves per group with their Weibull fits.
//!
//! Groups and causes are drawn as horizontal bars, one labelled row each, so forty drive models
//! or twenty LANL systems stay readable; the fleet's figure is the dashed reference line.

use super::figures::{NINES_CAP, nines_label};
use super::plot::{Chart, Plot, Series};
use crate::analytics::breakdown::GroupRow;
use crate::analytics::lifetimes::{GroupLifetimes, LifetimeSummary};
use crate::units::{DAY, YEAR};

/// Groups drawn at most in one bar chart (the worst ones; the table lists them all).
pub const MAX_BARS: usize = 40;
/// Survival curves drawn at most (the largest groups).
pub const MAX_CURVES: usize = 6;

/// Availability per group in nines, worst first, with the fleet's as the reference.
pub fn group_availability(groups: &[GroupRow], fleet_nines: Option<f64>) -> Plot {
    let nines = |n: Option<f64>| n.unwrap_or(NINES_CAP).min(NINES_CAP);
    let mut bars: Vec<(String, f64)> = groups
        .iter()
        .map(|g| (g.group.clone(), nines(g.metrics.nines)))
        .collect();
    bars.sort_by(|a, b| a.1.total_cmp(&b.1));
    bars.truncate(MAX_BARS);
    Plot {
        name: "groups".into(),
        title: format!(
            "Availability per group, worst first{}",
            cut_note(groups.len())
        ),
        x_label: format!("{}; dashed: the fleet", nines_label()),
        y_label: "group".into(),
        chart: Chart::HBars {
            bars,
            reference: Some(nines(fleet_nines)),
        },
    }
}

/// Annualised failure rate per group, highest first, with the fleet's as the reference.
pub fn group_afr(groups: &[GroupLifetimes], fleet: &LifetimeSummary) -> Plot {
    let mut bars: Vec<(String, f64)> = groups
        .iter()
        .filter_map(|g| g.summary.afr.map(|a| (g.group.clone(), a * 100.0)))
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    bars.truncate(MAX_BARS);
    Plot {
        name: "groups".into(),
        title: format!(
            "Annualised failure rate per group, highest first{}",
            cut_note(groups.len())
        ),
        x_label: "AFR (% of units failing per unit-year); dashed: all units".into(),
        y_label: "group".into(),
        chart: Chart::HBars {
            bars,
            reference: fleet.afr.map(|a| a * 100.0),
        },
    }
}

/// Each cause's share of the fleet's downtime, largest first.
pub fn cause_shares(causes: &[GroupRow]) -> Plot {
    let bars: Vec<(String, f64)> = causes
        .iter()
        .take(MAX_BARS)
        .map(|c| (c.group.clone(), c.share_of_downtime.unwrap_or(0.0) * 100.0))
        .collect();
    Plot {
        name: "causes".into(),
        title: format!("Share of downtime by cause{}", cut_note(causes.len())),
        x_label: "share of the fleet's downtime (%)".into(),
        y_label: "cause".into(),
        chart: Chart::HBars {
            bars,
            reference: None,
        },
    }
}

/// Kaplan–Meier survival curves of the largest groups (or of all units when there are no
/// groups), each with its fitted Weibull survival `exp(-(t/λ)^k)`, over age in days.
pub fn survival(groups: &[GroupLifetimes], fleet: &LifetimeSummary) -> Plot {
    let mut largest: Vec<(&str, &LifetimeSummary)> = groups
        .iter()
        .filter(|g| g.summary.failed > 0)
        .map(|g| (g.group.as_str(), &g.summary))
        .collect();
    largest.sort_by_key(|g| std::cmp::Reverse(g.1.units));
    largest.truncate(MAX_CURVES);
    if largest.is_empty() {
        largest.push(("all units", fleet));
    }
    let mut series = Vec::new();
    for (name, summary) in &largest {
        let mut points = vec![(0.0, 1.0)];
        points.extend(summary.km.iter().map(|&[t, s]| (t / DAY, s)));
        series.push(Series::steps(format!("{name} (Kaplan–Meier)"), points));
    }
    for (name, summary) in &largest {
        let Some(w) = summary.weibull else { continue };
        let horizon = summary.km.last().map_or(YEAR, |p| p[0]);
        let fit: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let t = horizon * f64::from(i) / 60.0;
                (t / DAY, (-(t / w.scale_s).powf(w.shape)).exp())
            })
            .collect();
        series.push(Series::new(format!("{name} (Weibull)"), fit));
    }
    Plot {
        name: "survival".into(),
        title: "Survival by age: Kaplan–Meier steps and fitted Weibull curves".into(),
        x_label: "age (days since the unit's start)".into(),
        y_label: "fraction still working".into(),
        chart: Chart::Lines {
            series,
            marks: Vec::new(),
            log_x: false,
            log_y: false,
        },
    }
}

fn cut_note(total: usize) -> String {
    if total > MAX_BARS {
        format!(" ({MAX_BARS} of {total} shown)")
    } else {
        String::new()
    }
}
