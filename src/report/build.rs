//! `faultline report`: everything a trace's availability report needs, written to one folder.
//!
//! `DIR/index.html`, `DIR/report.md`, `DIR/metrics.json` (the `analyze` JSON) and
//! `DIR/plots/*.svg|png`, each written atomically.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::document::{Figure, html, markdown};
use super::figures;
use super::plot::{Plot, PlotError};
use crate::analytics::breakdown::Breakdown;
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

/// Renders plots into `DIR/plots`, returning them for embedding.
pub fn render_plots(dir: &Path, plots: &[Plot]) -> Result<Vec<Figure>, ReportError> {
    let folder = dir.join("plots");
    std::fs::create_dir_all(&folder).map_err(|source| ReportError::Write {
        path: folder.display().to_string(),
        source,
    })?;
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

/// Writes the availability report of `trace` into `dir`; returns the page to open.
pub fn write_report(
    trace: &Trace,
    options: &AnalyzeOptions,
    dir: &Path,
) -> Result<PathBuf, ReportError> {
    let analysis = analyze(trace, options)?;
    let window = window_of(trace, options)?;
    let months = if trace.time_kind == TimeKind::Datetime {
        let by_month = AnalyzeOptions {
            by: Some(Breakdown::Month),
            ..options.clone()
        };
        analyze(trace, &by_month)?.groups.unwrap_or_default()
    } else {
        Vec::new()
    };
    let system = system_timeline(trace, options.system, &window).down;
    let mut plots = vec![figures::timeline(
        trace,
        &window,
        &system,
        &options.system.to_string(),
    )];
    if !months.is_empty() {
        plots.extend(figures::monthly(&months));
    }
    let (tbf, ttr) = figures::tbf_ttr(trace, &window);
    plots.extend(figures::distribution(
        "time-between-failures",
        "time between failures",
        &tbf,
    ));
    plots.extend(figures::distribution(
        "time-to-repair",
        "time to repair",
        &ttr,
    ));
    let rendered = render_plots(dir, &plots)?;
    let title = "Availability report";
    write(
        &dir.join("index.html"),
        html(title, &trace.sources, &analysis, &months, &rendered).as_bytes(),
    )?;
    write(
        &dir.join("report.md"),
        markdown(title, &trace.sources, &analysis, &months, &rendered).as_bytes(),
    )?;
    write(
        &dir.join("metrics.json"),
        &json_pretty(&analysis).unwrap_or_default(),
    )?;
    Ok(dir.join("index.html"))
}
