//! `faultline report`: everything a trace's availability report needs, written to one folder.
//!
//! `DIR/index.html`, `DIR/report.md`, `DIR/metrics.json` (the `analyze` JSON) and
//! `DIR/plots/*.svg|png`, each written atomically.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::analysis::system_label;
use super::comparisons;
use super::document::{Figure, Page, Sections, html, markdown};
use super::figures;
use super::plot::{Plot, PlotError};
use crate::analytics::NodeRow;
use crate::analytics::breakdown::{Breakdown, GroupRow};
use crate::analytics::{AnalyzeError, AnalyzeOptions, analyze, system_timeline, window_of};
use crate::output::{json_pretty, write_atomically};
use crate::trace::{TimeKind, Trace};

/// Why a report could not be written.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The analysis failed.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// A plot failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A file could not be written.
    #[error("{path}: cannot write")]
    Write {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomically(path, |w| w.write_all(bytes)).map_err(|source| ReportError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Renders plots into `DIR/plots`, returning them for embedding. Plots an earlier run left
/// there and this one does not draw are removed, so the folder shows one run's plots.
pub fn render_plots(dir: &Path, plots: &[Plot]) -> Result<Vec<Figure>, ReportError> {
    let folder = dir.join("plots");
    std::fs::create_dir_all(&folder).map_err(|source| ReportError::Write {
        path: folder.display().to_string(),
        source,
    })?;
    remove_stale_plots(&folder, plots);
    plots
        .iter()
        .map(|p| {
            Ok(Figure {
                name: p.name.clone(),
                title: p.title.clone(),
                svg: p.render(&folder)?,
            })
        })
        .collect()
}

/// Removes the SVG and PNG files of `folder` that none of `plots` will write. Only plot files
/// are touched; a file that cannot be removed is left (it is stale, not wrong).
fn remove_stale_plots(folder: &Path, plots: &[Plot]) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_plot = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("svg" | "png")
        );
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if is_plot && !plots.iter().any(|p| p.name == stem) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Nodes listed among the top offenders.
pub const OFFENDERS: usize = 20;

/// A breakdown of the same trace and options, or nothing when it has no rows.
fn breakdown_of(
    trace: &Trace,
    options: &AnalyzeOptions,
    by: Breakdown,
) -> Result<Vec<GroupRow>, ReportError> {
    let options = AnalyzeOptions {
        by: Some(by),
        ..options.clone()
    };
    Ok(analyze(trace, &options)?.groups.unwrap_or_default())
}

/// What a report wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The page to open.
    pub page: PathBuf,
    /// The analysis's warnings, also shown on the page.
    pub warnings: Vec<String>,
}

/// Writes the availability report of `trace` into `dir`.
///
/// Repairable fleets get headline cards, a per-group comparison, the top offenders, cause
/// shares, month trends (normalised by the nodes in service) and the plots; units that are
/// replaced rather than repaired get their lifetimes instead: AFR per group and survival curves.
pub fn write_report(
    trace: &Trace,
    options: &AnalyzeOptions,
    dir: &Path,
) -> Result<Written, ReportError> {
    let analysis = analyze(trace, options)?;
    let window = window_of(trace, options)?;
    let mut plots = Vec::new();
    let mut sections = Sections::default();
    if let Some(lifetimes) = &analysis.lifetimes {
        if !lifetimes.groups.is_empty() {
            plots.push(comparisons::group_afr(&lifetimes.groups, &lifetimes.fleet));
        }
        plots.push(comparisons::survival(&lifetimes.groups, &lifetimes.fleet));
    } else {
        let distinct_groups: BTreeSet<Option<&str>> =
            trace.nodes.iter().map(|n| n.group()).collect();
        if distinct_groups.len() > 1 {
            sections.groups = breakdown_of(trace, options, Breakdown::Group)?;
            let fleet_nines = analysis.fleet.as_ref().and_then(|f| f.metrics.nines);
            plots.push(comparisons::group_availability(
                &sections.groups,
                fleet_nines,
            ));
        }
        if !trace.causes.is_empty() {
            sections.causes = breakdown_of(trace, options, Breakdown::Cause)?;
            plots.push(comparisons::cause_shares(&sections.causes));
        }
        if trace.time_kind == TimeKind::Datetime {
            sections.months = breakdown_of(trace, options, Breakdown::Month)?;
            plots.extend(figures::monthly(&sections.months));
        }
        let system = system_timeline(trace, &options.system, &window)?.down;
        plots.push(figures::timeline(
            trace,
            &window,
            &system,
            &system_label(&options.system),
        ));
        let (tbf, ttr) = figures::tbf_ttr(trace, &window);
        plots.extend(figures::distribution(
            "time-between-failures",
            "time between a node's consecutive failures",
            &tbf,
        ));
        plots.extend(figures::distribution(
            "time-to-repair",
            "time to repair",
            &ttr,
        ));
        let mut offenders: Vec<&NodeRow> = analysis
            .nodes
            .iter()
            .filter(|n| n.metrics.failures > 0 || n.metrics.downtime_s > 0.0)
            .collect();
        offenders.sort_by(|a, b| {
            b.metrics
                .downtime_s
                .total_cmp(&a.metrics.downtime_s)
                .then(b.metrics.failures.cmp(&a.metrics.failures))
        });
        sections.offenders = offenders
            .into_iter()
            .take(OFFENDERS)
            .map(|n| {
                let group = trace
                    .nodes
                    .iter()
                    .find(|t| t.name == n.node)
                    .and_then(|t| t.group())
                    .unwrap_or("")
                    .to_string();
                (n.clone(), group)
            })
            .collect();
    }
    let figures = render_plots(dir, &plots)?;
    let page = Page {
        title: if analysis.lifetimes.is_some() {
            "Lifetime report"
        } else {
            "Availability report"
        },
        sources: &trace.sources,
        time_kind: trace.time_kind,
        analysis: &analysis,
        sections: &sections,
        figures: &figures,
    };
    write(&dir.join("index.html"), html(&page).as_bytes())?;
    write(&dir.join("report.md"), markdown(&page).as_bytes())?;
    write(
        &dir.join("metrics.json"),
        &json_pretty(&analysis).unwrap_or_default(),
    )?;
    Ok(Written {
        page: dir.join("index.html"),
        warnings: analysis.warnings.clone(),
    })
}
