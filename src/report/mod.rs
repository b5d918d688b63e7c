//! Rendering results for people and programs.
//!
//! - [`analysis`]: `analyze` output as table, JSON, CSV, Parquet or Markdown;
//! - [`parquet_table`]: a CSV table as a typed Parquet file (`--format parquet`);
//! - [`replay`]: replay summaries; [`fault_sweep`] and [`timeout_sweep`]: the sweeps' tables;
//!   [`hgrm`]: latency histograms in HdrHistogram's text format;
//! - [`policy_compare`]: client policies side by side, table and plots;
//! - [`plot`]: plots as SVG and PNG (plotters, embedded font);
//! - [`figures`]: which plots a report shows, from the data;
//! - [`comparisons`]: per-group and per-cause bars, survival curves;
//! - [`document`]: the HTML and Markdown report pages;
//! - [`build`]: `faultline report`, everything written to one folder.

pub mod analysis;
pub mod build;
pub mod comparisons;
pub mod document;
pub mod fault_sweep;
pub mod figures;
pub mod gfs_sweep;
pub mod hgrm;
pub mod parquet_table;
pub mod pause_sweep;
pub mod plot;
pub mod policy_compare;
pub mod replay;
pub mod timeout_sweep;
