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
/// Survival curves drawn at most (the largest groups with failures).
pub const MAX_CURVES: usize = 5;

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

/// Groups with less exposure than this fraction of the average group's are left out of the AFR
/// bars: a model with 15 drives and 7 failures has an AFR of 400 % that says little and would
/// set the scale for everyone else (the table still lists it). Relative to the average, so that
/// a fleet split evenly into many groups keeps them all.
pub const MIN_EXPOSURE_OF_AVERAGE: f64 = 0.1;

/// Annualised failure rate per group, highest first, with the fleet's as the reference.
pub fn group_afr(groups: &[GroupLifetimes], fleet: &LifetimeSummary) -> Plot {
    let average = fleet.exposure_s / groups.len().max(1) as f64;
    let enough = |g: &&GroupLifetimes| g.summary.exposure_s >= MIN_EXPOSURE_OF_AVERAGE * average;
    let shown: Vec<&GroupLifetimes> = groups.iter().filter(enough).collect();
    let small = groups.len() - shown.len();
    let mut bars: Vec<(String, f64)> = shown
        .iter()
        .filter_map(|g| g.summary.afr.map(|a| (g.group.clone(), a * 100.0)))
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    bars.truncate(MAX_BARS);
    Plot {
        name: "groups".into(),
        title: format!(
            "Annualised failure rate per group, highest first{}{}",
            cut_note(shown.len()),
            if small > 0 {
                format!(
                    " ({small} small group{} left out)",
                    if small == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
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
        series.push(Series::steps(*name, points));
    }
    // Each fit in its group's colour, after all the steps so that colours follow the groups.
    for (colour, (name, summary)) in largest.iter().enumerate() {
        let Some(w) = summary.weibull else { continue };
        let horizon = summary.km.last().map_or(YEAR, |p| p[0]);
        let fit: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let t = horizon * f64::from(i) / 60.0;
                (t / DAY, (-(t / w.scale_s).powf(w.shape)).exp())
            })
            .collect();
        series.push(Series::new(format!("{name} (Weibull)"), fit).coloured_like(colour));
    }
    Plot::lines(
        "survival",
        "Survival by age: Kaplan–Meier (steps) and fitted Weibull (smooth)",
        "age (days since the unit's start)",
        "fraction still working",
        series,
    )
}

fn cut_note(total: usize) -> String {
    if total > MAX_BARS {
        format!(" ({MAX_BARS} of {total} shown)")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::lifetimes::{Unit, summarize};
    use crate::analytics::metrics::Metrics;

    fn group(name: &str, downtime: f64) -> GroupRow {
        GroupRow {
            group: name.into(),
            nodes: 1,
            share_of_downtime: None,
            metrics: Metrics::from_totals(1000.0, downtime, 1),
        }
    }

    #[test]
    fn groups_are_drawn_worst_first_with_the_fleet_as_reference() {
        // 10 s down of 1000 is 2 nines, 1 s is 3, none is drawn at the cap.
        let plot = group_availability(
            &[group("a", 1.0), group("b", 10.0), group("c", 0.0)],
            Some(2.5),
        );
        let Chart::HBars { bars, reference } = plot.chart else {
            panic!("bars")
        };
        let names: Vec<&str> = bars.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(names, vec!["b", "a", "c"]);
        assert_eq!(bars[2].1, NINES_CAP);
        assert_eq!(reference, Some(2.5));
    }

    #[test]
    fn afr_bars_leave_out_groups_far_smaller_than_the_average() {
        // Three groups of 10, 10 and 0.5 unit-years: the average is 6.83, a tenth of it 0.68,
        // so the third group is left out of the bars.
        let group = |name: &str, years: f64, failed: bool| GroupLifetimes {
            group: name.into(),
            summary: summarize(&[Unit {
                entry_s: 0.0,
                exit_s: years * YEAR,
                failed,
            }]),
        };
        let groups = [
            group("a", 10.0, true),
            group("b", 10.0, false),
            group("tiny", 0.5, true),
        ];
        let fleet = summarize(&[
            Unit {
                entry_s: 0.0,
                exit_s: 10.0 * YEAR,
                failed: true,
            },
            Unit {
                entry_s: 0.0,
                exit_s: 10.0 * YEAR,
                failed: false,
            },
            Unit {
                entry_s: 0.0,
                exit_s: 0.5 * YEAR,
                failed: true,
            },
        ]);
        let plot = group_afr(&groups, &fleet);
        let Chart::HBars { bars, .. } = &plot.chart else {
            panic!("bars")
        };
        assert_eq!(bars, &vec![("a".to_string(), 10.0), ("b".to_string(), 0.0)]);
        assert!(
            plot.title.ends_with("(1 small group left out)"),
            "{}",
            plot.title
        );
    }

    #[test]
    fn each_weibull_fit_takes_its_groups_colour_and_no_legend_entry() {
        let units = |ages: &[f64]| -> Vec<Unit> {
            ages.iter()
                .map(|&a| Unit {
                    entry_s: 0.0,
                    exit_s: a * DAY,
                    failed: true,
                })
                .collect()
        };
        let groups = vec![
            GroupLifetimes {
                group: "small".into(),
                summary: summarize(&units(&[1.0, 3.0])),
            },
            GroupLifetimes {
                group: "large".into(),
                summary: summarize(&units(&[2.0, 4.0, 5.0])),
            },
        ];
        let fleet = summarize(&units(&[1.0, 2.0, 3.0, 4.0, 5.0]));
        let Chart::Lines { series, .. } = survival(&groups, &fleet).chart else {
            panic!("lines")
        };
        // Largest group first; steps from (0, 1) through each failure age in days.
        assert_eq!(series[0].label, "large");
        assert!(series[0].step);
        assert_eq!(series[0].points[..2], [(0.0, 1.0), (2.0, 1.0 - 1.0 / 3.0)]);
        assert_eq!(series[2].label, "large (Weibull)");
        assert_eq!((series[2].colour, series[3].colour), (Some(0), Some(1)));
    }
}
