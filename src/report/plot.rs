//! Plots, drawn with plotters: every plot as SVG (text, embeddable in HTML) and as PNG.
//!
//! # Legible on a phone
//!
//! A report is read on laptops and on phones, where the SVG is scaled to a column about 360 px
//! wide. Text in a plot shrinks with the plot, so plots are drawn at a small logical size
//! ([`SIZE`], 640 × 400) with large text ([`TEXT_SIZE`]): SVG `font-size` 16.1, still 9 px when
//! the plot is shown 360 px wide, and about 22 px at 900 px. The PNG copies are drawn at
//! [`PNG_SCALE`] times that size, so they stay sharp on high-density screens.
//!
//! Large text leaves little room, so the layout spends it carefully. From top to bottom: the
//! title (made smaller, then wrapped, when long), the y axis's description written horizontally
//! above the plot (a vertical label would have to fit the plot's height), the plot with its tick
//! labels, the x axis's description, and the legend *below* the plot, so that a long legend never
//! covers the data.
//!
//! # Axes
//!
//! Ticks are chosen here, not by plotters, so that labels never overlap: the step between ticks
//! grows until neighbouring labels stand apart at the plot's actual size; category labels too
//! many to fit are written vertically or thinned (months to whole quarters or years), and a
//! point label that would cover another is left out. Counts get whole-number ticks: an axis whose
//! values are all whole numbers never shows `2.5`. Times of dated traces (epoch seconds) are
//! labelled with UTC dates (`2004-03`, `2004-03-15`, or `14:30` within a day).
//!
//! Log axes ([`wants_log`]: positive values spanning more than [`LOG_DECADES`] decades) are
//! labelled at powers of ten. Only positive values have a place on them; values of zero or less
//! are drawn on a separate tick labelled `0` at the axis's low end, so a timeout with no mistakes
//! still shows.
//!
//! # Font
//!
//! PNGs need a font to draw text; plotters' `ab_glyph` backend uses only fonts registered at run
//! time, so DejaVu Sans (free licence, `assets/fonts/`) is compiled into the binary and registered
//! once: no system font or library is needed. The same font measures text for the layout; the
//! SVG names the generic `sans-serif`, which browsers draw no wider than DejaVu Sans.
//!
//! Each drawing function is generic over the plotters backend and is rendered twice by
//! [`Plot::render`].

use std::path::Path;
use std::sync::Once;

use chrono::{DateTime, Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform};
use thiserror::Error;

use crate::output::write_atomically;
use crate::units::{DAY, HOUR, MINUTE, three_significant};

/// The embedded font.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The font family every plot uses.
const FAMILY: &str = "sans-serif";

/// Logical size of every plot, pixels: the SVG's size and `viewBox`. Only [`Chart::HBars`] with
/// many rows is taller (see [`Plot::size`]).
pub const SIZE: (u32, u32) = (640, 400);
/// PNGs are drawn at this multiple of the logical size.
pub const PNG_SCALE: u32 = 2;
/// Nominal size of all text but the title. plotters writes SVG text with `font-size` = size /
/// 1.24, so 20 gives 16.1 px: 9 px once a 640-wide plot is shown 360 px wide.
pub const TEXT_SIZE: f64 = 20.0;
/// Nominal size of the title, reduced down to [`TEXT_SIZE`] when the title is long.
const TITLE_SIZE: f64 = 24.0;
/// Height of one line of text.
const LINE: f64 = 24.0;
/// Space around the whole plot.
const MARGIN: f64 = 10.0;
/// Space between a label and what it labels.
const GAP: f64 = 6.0;
/// Least space between neighbouring tick labels along the x axis.
const LABEL_GAP: f64 = 14.0;
/// Height of one row of [`Chart::HBars`].
const ROW_PITCH: f64 = 30.0;
/// Longest row label of [`Chart::HBars`] and [`Chart::Strips`], in characters; longer ones are
/// cut and end with `…`.
pub const MAX_LABEL_CHARS: usize = 30;
/// Longest category label under a bar, in characters.
const MAX_TICK_CHARS: usize = 16;
/// Positive values must span more than this many decades for [`wants_log`].
pub const LOG_DECADES: f64 = 2.0;
/// Width of a legend entry's sample line or box.
const LEGEND_MARK: f64 = 24.0;

const INK: RGBColor = RGBColor(33, 37, 41);
const AXIS: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(222, 222, 222);
const MINOR_GRID: RGBColor = RGBColor(241, 241, 241);

/// A plot that could not be drawn or written.
#[derive(Debug, Error)]
#[error("plot `{name}`: {reason}")]
pub struct PlotError {
    /// The plot's file name.
    pub name: String,
    /// What went wrong.
    pub reason: String,
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to be valid; if registration failed anyway, PNG text
        // would be missing, which the plot tests would catch.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Colours of successive series.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// A named series of points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points `(x, y)`, in order of x.
    pub points: Vec<(f64, f64)>,
    /// Drawn as a right-continuous step function: each point's y holds from its x up to the
    /// next point's x (a Kaplan–Meier curve, an empirical CDF). Otherwise points are joined by
    /// straight lines.
    pub step: bool,
    /// The palette index to draw it in; by default its position among the series. A series
    /// that shares another's colour (a fit drawn over its data) takes no legend entry.
    pub colour: Option<usize>,
}

impl Series {
    /// Points joined by straight lines.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
            step: false,
            colour: None,
        }
    }

    /// The same series drawn in palette colour `index`, without a legend entry of its own: for
    /// a curve that belongs to the series of that colour.
    pub fn coloured_like(self, index: usize) -> Self {
        Self {
            colour: Some(index),
            ..self
        }
    }

    /// A right-continuous step function through the points.
    pub fn steps(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            step: true,
            ..Self::new(label, points)
        }
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One strip per row, red where the row is down: `(row name, down intervals)`.
    Strips {
        /// Rows from top to bottom; labels are thinned when the rows are too close to label all.
        rows: Vec<(String, Vec<(f64, f64)>)>,
        /// X range.
        range: (f64, f64),
        /// X values are epoch seconds, labelled with UTC dates; otherwise plain numbers.
        dates: bool,
        /// Each row's time in service, where its green band is drawn (empty: every row is in
        /// service over the whole range).
        in_service: Vec<(f64, f64)>,
    },
    /// Vertical bars, one per category, left to right.
    Bars {
        /// `(category, value)`.
        bars: Vec<(String, f64)>,
    },
    /// Horizontal bars, one per labelled row, top to bottom in the given order. The plot grows
    /// taller when the rows need it, so every row keeps its label.
    HBars {
        /// `(row label, value)`; labels longer than [`MAX_LABEL_CHARS`] are cut with `…`.
        bars: Vec<(String, f64)>,
        /// A value to mark with a vertical dashed line (e.g. the fleet's).
        reference: Option<f64>,
    },
    /// Lines (and, with `marks`, points labelled with text).
    Lines {
        /// The series.
        series: Vec<Series>,
        /// Point labels `(x, y, text)`, placed so that they do not overlap; one that cannot be
        /// placed is left out, so put the most important first.
        marks: Vec<(f64, f64, String)>,
        /// Log-scale x axis (see the module docs for values ≤ 0).
        log_x: bool,
        /// Log-scale y axis.
        log_y: bool,
        /// An x interval to shade behind the lines (e.g. a trigger's time).
        shade: Option<(f64, f64)>,
    },
    /// Lines over calendar time: x is epoch seconds, labelled with UTC dates.
    DateLines {
        /// The series.
        series: Vec<Series>,
    },
    /// Values by percentile, HdrHistogram style: x is the percentile as a fraction in `[0, 1)`,
    /// drawn on a log scale of `1/(1 − p)` so that 90 %, 99 % and 99.9 % are equally far apart.
    Percentiles {
        /// The series, points `(p, value)`.
        series: Vec<Series>,
    },
    /// A histogram (bars over `[lo, hi)` bins) with overlaid curves. The x axis is logarithmic
    /// when every bin is positive and the bins span more than [`LOG_DECADES`] decades.
    Histogram {
        /// `(lo, hi, height)`.
        bins: Vec<(f64, f64, f64)>,
        /// Curves over the same axes.
        curves: Vec<Series>,
    },
}

/// A plot: file name (without extension), title, axis labels and content.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// File name without extension.
    pub name: String,
    /// Title.
    pub title: String,
    /// X axis label, with units.
    pub x_label: String,
    /// Y axis label, with units; written horizontally above the plot.
    pub y_label: String,
    /// What to draw.
    pub chart: Chart,
}

impl Plot {
    /// A plot of lines on linear axes, nothing shaded and no point labels.
    pub fn lines(
        name: &str,
        title: &str,
        x_label: &str,
        y_label: &str,
        series: Vec<Series>,
    ) -> Self {
        Plot {
            name: name.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            chart: Chart::Lines {
                series,
                marks: Vec::new(),
                log_x: false,
                log_y: false,
                shade: None,
            },
        }
    }
}

/// Whether values deserve a log axis: their positive values span more than [`LOG_DECADES`]
/// decades. Values of zero or less are ignored (a log axis draws them at its `0` tick).
pub fn wants_log(values: &[f64]) -> bool {
    match extent(values.iter().copied().filter(|v| *v > 0.0)) {
        Some((lo, hi)) => (hi / lo).log10() > LOG_DECADES,
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Text

fn font(size: f64) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

/// Width of `text` at nominal `size`, logical pixels.
fn text_width(text: &str, size: f64) -> f64 {
    font(size)
        .box_size(text)
        .map(|(w, _)| f64::from(w))
        .unwrap_or(0.6 * size * text.chars().count() as f64)
}

/// `text` cut to at most `max` characters, ending with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// `text`, cut with `…` until it is at most `width` wide.
fn fit_width(text: &str, size: f64, width: f64) -> String {
    let mut keep = text.chars().count();
    let mut fitted = text.to_string();
    while keep > 1 && text_width(&fitted, size) > width {
        keep -= 1;
        fitted = shorten(text, keep);
    }
    fitted
}

/// `text` broken into at most `max_lines` lines at most `width` wide.
fn wrap(text: &str, size: f64, width: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let longer = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(&longer, size) <= width {
            current = longer;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines
        .into_iter()
        .map(|line| fit_width(&line, size, width))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// The smallest and largest finite value.
fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A range with a little room at both ends (or around a single value).
fn padded(range: Option<(f64, f64)>) -> (f64, f64) {
    match range {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi > lo => {
            let pad = (hi - lo) * 0.04;
            (lo - pad, hi + pad)
        }
        Some((v, _)) => {
            let pad = (v.abs() * 0.1).max(0.5);
            (v - pad, v + pad)
        }
    }
}

/// A range from zero (or below, for negative values) with a little room at the far end.
fn from_zero(range: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = range.unwrap_or((0.0, 1.0));
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    if hi > lo {
        let pad = (hi - lo) * 0.05;
        (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
    } else {
        (0.0, 1.0)
    }
}

/// Whether there are values and all of them are whole numbers (counts).
fn all_whole(values: impl IntoIterator<Item = f64>) -> bool {
    let mut any = false;
    for v in values.into_iter().filter(|v| v.is_finite()) {
        if v.fract() != 0.0 || v.abs() > 9e15 {
            return false;
        }
        any = true;
    }
    any
}

/// Decimals that tell apart multiples of `step` (a 1, 2 or 5 times a power of ten).
fn decimals(step: f64) -> usize {
    (-(step.log10() + 1e-9).floor()).max(0.0) as usize
}

/// A tick value with `decimals` decimals, in millions (`2.5M`) when `millions`.
fn tick_number(v: f64, decimals: usize, millions: bool) -> String {
    let v = if millions { v / 1e6 } else { v };
    let mut text = format!("{:.*}", decimals, v);
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    if millions {
        text.push('M');
    }
    text
}

/// `10^k` as a tick label: plain (`0.01`, `1000`), or as a power (`10⁶`) when `powers` and
/// |k| ≥ 3. An axis uses powers when a plain label would be too long (beyond 0.001 or 100000).
fn decade_label(k: i32, powers: bool) -> String {
    if (0..=5).contains(&k) && !(powers && k >= 3) {
        format!("{}", 10u64.pow(k as u32))
    } else if (-3..0).contains(&k) && !(powers && k <= -3) {
        format!("{:.*}", (-k) as usize, 10f64.powi(k))
    } else {
        let exponent: String = k
            .to_string()
            .chars()
            .map(|c| match c {
                '-' => '⁻',
                d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d as usize - '0' as usize],
            })
            .collect();
        format!("10{exponent}")
    }
}

// ---------------------------------------------------------------------------------------------
// Axes

/// Which way an axis runs: labels along x must leave room for their width, along y for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Along {
    X,
    Y,
}

/// One axis: its range, scale and labelled ticks. It is also the plotters coordinate, so data
/// and labels are placed by the same arithmetic.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    /// On a log axis, where values ≤ 0 are drawn (the `0` tick), if any.
    floor: Option<f64>,
    /// Labelled ticks.
    ticks: Vec<(f64, String)>,
    /// Unlabelled grid lines (a log axis's 2…9 × 10^k).
    minor: Vec<f64>,
    /// Whether ticks get grid lines (not between categories).
    grid: bool,
    /// Labels written vertically (x only).
    rotated: bool,
    /// Appended to the axis description (the day of a time-of-day axis).
    note: String,
}

impl Axis {
    fn new(lo: f64, hi: f64, log: bool) -> Self {
        Axis {
            lo,
            hi,
            log,
            floor: None,
            ticks: Vec::new(),
            minor: Vec::new(),
            grid: true,
            rotated: false,
            note: String::new(),
        }
    }

    /// Where `v` falls, 0 at `lo` and 1 at `hi`.
    fn frac(&self, v: f64) -> f64 {
        let f = if self.log {
            let v = if v > 0.0 {
                v
            } else {
                self.floor.unwrap_or(self.lo)
            };
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        if f.is_nan() { 0.0 } else { f.clamp(-1.0, 2.0) }
    }

    /// Width of the widest tick label.
    fn widest(&self) -> f64 {
        self.ticks
            .iter()
            .map(|(_, label)| text_width(label, TEXT_SIZE))
            .fold(0.0, f64::max)
    }

    /// Whether its tick labels stand apart on an axis `len` long.
    fn spaced(&self, len: f64, along: Along) -> bool {
        let most = match along {
            Along::X => 10,
            Along::Y => 8,
        };
        self.ticks.len() <= most
            && self.ticks.windows(2).all(|pair| {
                let apart = (self.frac(pair[1].0) - self.frac(pair[0].0)).abs() * len;
                match along {
                    Along::X => {
                        let half = (text_width(&pair[0].1, TEXT_SIZE)
                            + text_width(&pair[1].1, TEXT_SIZE))
                            / 2.0;
                        apart >= half + LABEL_GAP
                    }
                    Along::Y => apart >= 1.6 * LINE,
                }
            })
    }

    /// A linear axis over `lo..hi` with round ticks (1, 2 or 5 times a power of ten; whole
    /// numbers only when `whole`), as many as fit.
    fn linear(lo: f64, hi: f64, len: f64, whole: bool, along: Along) -> Axis {
        let mut axis = Axis::new(lo, hi, false);
        let millions = lo.abs().max(hi.abs()) >= 1e6;
        let first_exponent = ((hi - lo) / 50.0).log10().floor() as i32;
        for exponent in first_exponent..first_exponent + 6 {
            for mantissa in [1.0, 2.0, 5.0] {
                let step = mantissa * 10f64.powi(exponent);
                if whole && step < 1.0 {
                    continue;
                }
                let first = (lo / step - 1e-9).ceil() as i64;
                let last = (hi / step + 1e-9).floor() as i64;
                if last - first > 40 {
                    continue;
                }
                let shown = decimals(if millions { step / 1e6 } else { step });
                axis.ticks = (first..=last)
                    .map(|k| {
                        let v = k as f64 * step;
                        (v, tick_number(v, shown, millions))
                    })
                    .collect();
                // Fewer than two ticks only when no finer step fits.
                if axis.ticks.len() <= 1 || (axis.spaced(len, along) && axis.ticks.len() >= 2) {
                    if axis.ticks.is_empty() {
                        axis.ticks = vec![(lo, three_significant(lo)), (hi, three_significant(hi))];
                    }
                    return axis;
                }
            }
        }
        axis
    }

    /// A log axis over the positive `range` (padded here), with a `0` tick below it when
    /// `zero` (some values are ≤ 0).
    fn log(range: (f64, f64), len: f64, along: Along, zero: bool) -> Axis {
        let (mut l, mut h) = (range.0.log10(), range.1.log10());
        let pad = ((h - l) * 0.04).max(0.05);
        let floor_exponent = l.floor() as i32 - 1;
        if zero {
            // The `0` tick a decade below the smallest positive value's decade.
            l = f64::from(floor_exponent) - pad;
        } else {
            l -= pad;
        }
        h += pad;
        let mut axis = Axis::new(10f64.powf(l), 10f64.powf(h), true);
        if zero {
            axis.floor = Some(10f64.powi(floor_exponent));
        }
        let (k0, k1) = (l.floor() as i32, h.floor() as i32);
        let decades = h - l;
        let mut candidates: Vec<(i32, &[f64])> = Vec::new();
        if decades <= 2.5 {
            candidates.push((1, &[1.0, 2.0, 5.0]));
        }
        for stride in [1, 2, 3, 5, 10, 20] {
            candidates.push((stride, &[1.0]));
        }
        let powers = !(-3..=5).contains(&k0) || !(-3..=5).contains(&k1);
        for (stride, mantissas) in candidates {
            let mut ticks: Vec<(f64, String)> = Vec::new();
            for k in k0..=k1 {
                if k.rem_euclid(stride) != 0 {
                    continue;
                }
                for &m in mantissas {
                    let v = m * 10f64.powi(k);
                    if v < axis.lo || v > axis.hi || axis.floor.is_some_and(|f| v <= f) {
                        continue;
                    }
                    let label = if m == 1.0 {
                        decade_label(k, powers)
                    } else {
                        tick_number(v, (-k).max(0) as usize, false)
                    };
                    ticks.push((v, label));
                }
            }
            axis.ticks = ticks;
            if axis.spaced(len, along) || stride == 20 {
                axis.minor = if stride == 1 && mantissas.len() == 1 && decades <= 8.0 {
                    (k0..=k1)
                        .flat_map(|k| (2..=9).map(move |m| f64::from(m) * 10f64.powi(k)))
                        .filter(|v| *v > axis.lo && *v < axis.hi)
                        .filter(|v| axis.floor.is_none_or(|f| *v > f * 10.0))
                        .collect()
                } else {
                    Vec::new()
                };
                break;
            }
        }
        if let Some(floor) = axis.floor {
            // The `0` tick, and room for its label: a tick too close to it goes.
            axis.ticks.insert(0, (floor, "0".to_string()));
            while axis.ticks.len() > 2 && !axis.spaced(len, along) {
                axis.ticks.remove(1);
            }
        }
        axis
    }

    /// A percentile axis: x = `1/(1 − p)` from 1 (0 %) to `hi`, on a log scale, labelled as
    /// percentiles (90 %, 99 %, 99.9 %).
    fn percentiles(hi: f64, len: f64) -> Axis {
        let hi = hi.max(10.0);
        let mut axis = Axis::new(1.0, 10f64.powf(hi.log10() + 0.03), true);
        let label = |x: f64| {
            let p = (1.0 - 1.0 / x) * 100.0;
            let decimals = (x.log10().round() as usize).saturating_sub(2);
            format!("{} %", tick_number(p, decimals, false))
        };
        let top = hi.log10().floor() as i32;
        let decades = || (0..=top).map(|k| 10f64.powi(k));
        let candidates: [Vec<f64>; 3] = [
            [1.0, 2.0, 4.0]
                .into_iter()
                .chain(decades().skip(1))
                .collect(),
            decades().collect(),
            decades().step_by(2).collect(),
        ];
        for xs in candidates {
            axis.ticks = xs.into_iter().map(|x| (x, label(x))).collect();
            if axis.spaced(len, Along::X) {
                break;
            }
        }
        axis
    }

    /// A time axis over epoch seconds, labelled with UTC dates: months (`2004-03`) for long
    /// spans, days (`2004-03-15`) for shorter ones, times of day (`14:30`, the day in the note)
    /// within a day or two.
    fn dates(lo: f64, hi: f64, len: f64) -> Axis {
        let mut axis = Axis::new(lo, hi, false);
        let at = |t: f64| DateTime::from_timestamp(t.floor() as i64, 0);
        let month_start = |index: i64| {
            NaiveDate::from_ymd_opt(
                index.div_euclid(12) as i32,
                index.rem_euclid(12) as u32 + 1,
                1,
            )
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp() as f64)
        };
        let span = hi - lo;
        // Steps within a day or two, in seconds, labelled with the time of day.
        let clock: Vec<f64> = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0]
            .iter()
            .map(|m| m * MINUTE)
            .chain([1.0, 2.0, 3.0, 6.0, 12.0].iter().map(|h| h * HOUR))
            .collect();
        if span <= 2.0 * DAY {
            for &step in &clock {
                let ticks: Vec<(f64, String)> = ((lo / step).ceil() as i64
                    ..=(hi / step).floor() as i64)
                    .filter_map(|k| {
                        let t = k as f64 * step;
                        Some((t, at(t)?.format("%H:%M").to_string()))
                    })
                    .collect();
                axis.ticks = ticks;
                if axis.ticks.len() >= 2 && axis.spaced(len, Along::X) {
                    break;
                }
            }
            if let (Some(first), Some(last)) = (at(lo), at(hi)) {
                let day = first.format("%Y-%m-%d");
                axis.note = if first.date_naive() == last.date_naive() {
                    format!(" on {day}")
                } else {
                    format!(", from {day}")
                };
            }
            if axis.ticks.len() >= 2 {
                return axis;
            }
        }
        if span <= 120.0 * DAY {
            for days in [1.0, 2.0, 7.0, 14.0] {
                let step = days * DAY;
                // Weeks start on Mondays (the epoch was a Thursday).
                let monday = if days >= 7.0 { 4.0 * DAY } else { 0.0 };
                axis.ticks = (((lo - monday) / step).ceil() as i64
                    ..=((hi - monday) / step).floor() as i64)
                    .filter_map(|k| {
                        let t = k as f64 * step + monday;
                        Some((t, at(t)?.format("%Y-%m-%d").to_string()))
                    })
                    .collect();
                if axis.ticks.len() >= 2 && axis.spaced(len, Along::X) {
                    axis.note.clear();
                    return axis;
                }
            }
        }
        let (Some(first), Some(last)) = (at(lo), at(hi)) else {
            return axis;
        };
        let index = |d: DateTime<chrono::Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
        for months in [1, 2, 3, 6, 12, 24, 60, 120, 240] {
            let ticks: Vec<(f64, String)> = (index(first)..=index(last))
                .filter(|i| i.rem_euclid(months) == 0)
                .filter_map(|i| {
                    let t = month_start(i)?;
                    (t >= lo && t <= hi).then(|| {
                        (
                            t,
                            at(t)
                                .map(|d| d.format("%Y-%m").to_string())
                                .unwrap_or_default(),
                        )
                    })
                })
                .collect();
            if ticks.is_empty() {
                break;
            }
            axis.ticks = ticks;
            axis.note.clear();
            if axis.spaced(len, Along::X) {
                break;
            }
        }
        axis
    }

    /// Categories left to right, one per unit (`i..i + 1`), labelled at their middles: all of
    /// them horizontally if they fit, else months thinned to round steps (quarters, years), else
    /// written vertically, every k-th one if even that is too tight.
    fn categories_x(names: &[String], len: f64) -> Axis {
        let n = names.len().max(1);
        let mut axis = Axis::new(0.0, n as f64, false);
        axis.grid = false;
        let labels: Vec<String> = names.iter().map(|s| shorten(s, MAX_TICK_CHARS)).collect();
        let widest = labels
            .iter()
            .map(|l| text_width(l, TEXT_SIZE))
            .fold(0.0, f64::max);
        let slot = len / n as f64;
        let months: Option<Vec<i64>> = names.iter().map(|s| month_index(s)).collect();
        let keep: Box<dyn Fn(usize) -> bool> = if widest + LABEL_GAP <= slot {
            Box::new(|_| true)
        } else if let Some(months) = months {
            let every = [1, 2, 3, 6, 12, 24, 60, 120, 240]
                .into_iter()
                .find(|k| *k as f64 * slot >= widest + LABEL_GAP)
                .unwrap_or(480);
            Box::new(move |i| months[i].rem_euclid(every) == 0)
        } else {
            axis.rotated = true;
            let every = (LINE / slot).ceil().max(1.0) as usize;
            Box::new(move |i| i % every == 0)
        };
        axis.ticks = labels
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(i, label)| (i as f64 + 0.5, label))
            .collect();
        axis
    }

    /// Rows top to bottom, one per unit (row i spans `n − i − 1..n − i`), labelled at their
    /// middles; every k-th row (from the first) when rows are closer than a line of text.
    fn categories_y(names: &[String], len: f64) -> Axis {
        let n = names.len().max(1);
        let mut axis = Axis::new(0.0, n as f64, false);
        axis.grid = false;
        let every = (LINE / (len / n as f64)).ceil().max(1.0) as usize;
        axis.ticks = names
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, name)| ((n - i) as f64 - 0.5, shorten(name, MAX_LABEL_CHARS)))
            .collect();
        axis
    }
}

/// `YYYY-MM` as a count of months since year 0.
fn month_index(name: &str) -> Option<i64> {
    let (year, month) = name.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let (year, month): (i64, i64) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        limit.0 + (f64::from(limit.1 - limit.0) * self.frac(*value)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.iter().map(|(v, _)| *v).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

// ---------------------------------------------------------------------------------------------
// Layout

/// A rectangle in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    l: f64,
    t: f64,
    r: f64,
    b: f64,
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Swatch {
    Line(RGBColor),
    Box(RGBColor),
}

/// Where everything goes, in logical pixels.
#[derive(Debug, Clone)]
struct Frame {
    width: f64,
    title: Vec<String>,
    title_size: f64,
    /// The y description and the top of its line.
    y_desc: Option<(String, f64)>,
    plot: Rect,
    x: Axis,
    y: Axis,
    /// The x description and the top of its line.
    x_desc: Option<(String, f64)>,
    /// Legend entries: left, top, swatch, text.
    legend: Vec<(f64, f64, Swatch, String)>,
}

impl Frame {
    /// Lays out a plot `size` big around axes made by `make_x` and `make_y` from their lengths.
    fn new(
        plot: &Plot,
        size: (f64, f64),
        swatches: &[(Swatch, &str)],
        make_x: &dyn Fn(f64) -> Axis,
        make_y: &dyn Fn(f64) -> Axis,
    ) -> Frame {
        let (width, height) = size;
        let inner = width - 2.0 * MARGIN;
        let mut title_size = TITLE_SIZE;
        while title_size > TEXT_SIZE && text_width(&plot.title, title_size) > inner {
            title_size -= 1.0;
        }
        let title = wrap(&plot.title, title_size, inner, 2);
        let mut top = MARGIN + title.len() as f64 * title_size * 1.2;
        if !title.is_empty() {
            top += GAP;
        }
        let y_desc = (!plot.y_label.is_empty()).then(|| {
            let line = (fit_width(&plot.y_label, TEXT_SIZE, inner), top);
            top += LINE;
            line
        });
        // The legend flows left to right in rows under everything else.
        let mut rows: Vec<Vec<(f64, Swatch, String)>> = Vec::new();
        let mut left = 0.0;
        for (swatch, text) in swatches {
            let text = fit_width(text, TEXT_SIZE, inner - LEGEND_MARK - GAP);
            let w = LEGEND_MARK + GAP + text_width(&text, TEXT_SIZE);
            match rows.last_mut() {
                Some(row) if left + w <= inner => row.push((left, *swatch, text)),
                _ => {
                    left = 0.0;
                    rows.push(vec![(0.0, *swatch, text)]);
                }
            }
            left += w + 2.0 * LABEL_GAP;
        }
        let legend_top = height - MARGIN - rows.len() as f64 * LINE;
        let legend = rows
            .into_iter()
            .enumerate()
            .flat_map(|(i, row)| {
                row.into_iter().map(move |(x, swatch, text)| {
                    (MARGIN + x, legend_top + i as f64 * LINE, swatch, text)
                })
            })
            .collect();
        let mut bottom = legend_top;
        if !swatches.is_empty() {
            bottom -= GAP;
        }
        if !plot.x_label.is_empty() {
            bottom -= LINE;
        }
        // Room for the top y label's upper half.
        let plot_top = top + LINE / 2.0;
        // Tick labels decide the plot's size and the plot's size decides the ticks: settle in
        // a few rounds.
        let (mut x_ticks, mut right, mut indent) = (LINE, width - MARGIN, 0.0);
        let mut rect = Rect {
            l: MARGIN,
            t: plot_top,
            r: right,
            b: bottom,
        };
        let (mut x, mut y) = (Axis::new(0.0, 1.0, false), Axis::new(0.0, 1.0, false));
        for _ in 0..3 {
            rect.b = (bottom - x_ticks - GAP).max(plot_top + LINE);
            y = make_y(rect.b - rect.t);
            rect.l = MARGIN + y.widest() + GAP + indent;
            rect.r = right;
            x = make_x(rect.r - rect.l);
            x_ticks = if x.rotated { x.widest() + GAP } else { LINE };
            // The end x labels may stick out past the plot, not past the margins.
            if x.rotated {
                continue;
            }
            let half = |label: &str| text_width(label, TEXT_SIZE) / 2.0;
            let at = |v: f64| rect.l + x.frac(v) * (rect.r - rect.l);
            if let Some((v, label)) = x.ticks.last() {
                let overhang = at(*v) + half(label) - (width - MARGIN);
                if overhang > 0.0 {
                    right = (rect.r - overhang).max(rect.l + LINE);
                }
            }
            if let Some((v, label)) = x.ticks.first() {
                let overhang = MARGIN - (at(*v) - half(label));
                if overhang > 0.0 {
                    indent += overhang;
                }
            }
        }
        let x_desc = (!plot.x_label.is_empty()).then(|| {
            let text = format!("{}{}", plot.x_label, x.note);
            (fit_width(&text, TEXT_SIZE, inner), rect.b + GAP + x_ticks)
        });
        Frame {
            width,
            title,
            title_size,
            y_desc,
            plot: rect,
            x,
            y,
            x_desc,
            legend,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

fn err<E: std::fmt::Display>(name: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError {
        name: name.to_string(),
        reason: e.to_string(),
    }
}

/// Draws on the whole plot in logical pixels, scaled to the backend.
struct Pen<'a, DB: DrawingBackend> {
    root: &'a DrawingArea<DB, Shift>,
    scale: f64,
    name: &'a str,
}

impl<DB: DrawingBackend> Pen<'_, DB>
where
    DB::ErrorType: 'static,
{
    fn px(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }

    /// A width in backend pixels, at least one.
    fn stroke(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }

    fn text(
        &self,
        text: &str,
        size: f64,
        at: (f64, f64),
        anchor: (HPos, VPos),
        vertical: bool,
    ) -> Result<(), PlotError> {
        let mut style = TextStyle::from(font(size * self.scale))
            .color(&INK)
            .pos(Pos::new(anchor.0, anchor.1));
        if vertical {
            style = style.transform(FontTransform::Rotate270);
        }
        self.root
            .draw_text(text, &style, (self.px(at.0), self.px(at.1)))
            .map_err(err(self.name))
    }

    fn line(&self, from: (f64, f64), to: (f64, f64), color: RGBColor) -> Result<(), PlotError> {
        self.root
            .draw(&PathElement::new(
                vec![
                    (self.px(from.0), self.px(from.1)),
                    (self.px(to.0), self.px(to.1)),
                ],
                color.stroke_width(self.stroke(1.0)),
            ))
            .map_err(err(self.name))
    }
}

/// The points of a series as drawn: joined directly, or as right-continuous steps.
fn path(series: &Series) -> Vec<(f64, f64)> {
    if !series.step {
        return series.points.clone();
    }
    let mut path = Vec::with_capacity(series.points.len() * 2);
    for (i, &(x, y)) in series.points.iter().enumerate() {
        if i > 0 {
            path.push((x, series.points[i - 1].1));
        }
        path.push((x, y));
    }
    path
}

/// Intervals as drawn in a strip over `range`: clipped to it, at least `min_width` (a pixel)
/// wide so that short ones show, and merged where they overlap once widened, since they would
/// be drawn over each other anyway (a ten-year trace has outages every few hours per node:
/// merging keeps the SVG a fraction of the size). Gaps stay as wide as they are.
fn spans(intervals: &[(f64, f64)], range: (f64, f64), min_width: f64) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = intervals
        .iter()
        .map(|&(a, b)| (a.max(range.0), b.min(range.1)))
        .filter(|(a, b)| a <= b)
        .map(|(a, b)| (a, b.max(a + min_width)))
        .collect();
    sorted.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(sorted.len());
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Legend swatches of lines in the palette's colours from `first_colour` on.
fn line_swatches(series: &[Series], first_colour: usize) -> Vec<(Swatch, &str)> {
    series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.colour.is_none())
        .map(|(i, s)| {
            (
                Swatch::Line(PALETTE[(i + first_colour) % PALETTE.len()]),
                s.label.as_str(),
            )
        })
        .collect()
}

/// The legend of a chart of lines: none when there is only one line to tell apart.
fn lines_legend(series: &[Series]) -> Vec<(Swatch, &str)> {
    let swatches = line_swatches(series, 0);
    if swatches.len() > 1 {
        swatches
    } else {
        Vec::new()
    }
}

/// Draws each series as a line in the palette's colours (from `first_colour` on), and marks its
/// points where there are few enough to tell apart (not on steps, whose corners show them).
fn lines<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
    pen: &Pen<'_, DB>,
    series: &[Series],
    first_colour: usize,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let e = err(pen.name);
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[s.colour.unwrap_or(i + first_colour) % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                path(s),
                color.stroke_width(pen.stroke(2.0)),
            ))
            .map_err(&e)?;
        if !s.step && s.points.len() <= 40 {
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| Circle::new(p, pen.px(3.5), color.filled())),
                )
                .map_err(&e)?;
        }
    }
    Ok(())
}

impl Plot {
    /// The plot's logical size (the SVG's size and `viewBox`): [`SIZE`], but taller for
    /// [`Chart::HBars`] whose rows would otherwise be closer than a line of text.
    pub fn size(&self) -> (u32, u32) {
        register_font();
        let (w, h) = SIZE;
        if let Chart::HBars { bars, .. } = &self.chart {
            let frame = self.frame((f64::from(w), f64::from(h)));
            let need = bars.len() as f64 * ROW_PITCH - (frame.plot.b - frame.plot.t);
            if need > 0.0 {
                return (w, h + need.ceil() as u32);
            }
        }
        (w, h)
    }

    /// The layout at logical `size`.
    fn frame(&self, size: (f64, f64)) -> Frame {
        let whole_y =
            |series: &[Series]| all_whole(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        match &self.chart {
            Chart::Strips {
                rows, range, dates, ..
            } => {
                let names: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
                Frame::new(
                    self,
                    size,
                    &[],
                    &|len| {
                        if *dates {
                            Axis::dates(range.0, range.1, len)
                        } else {
                            Axis::linear(range.0, range.1, len, false, Along::X)
                        }
                    },
                    &|len| Axis::categories_y(&names, len),
                )
            }
            Chart::Bars { bars } => {
                let names: Vec<String> = bars.iter().map(|(name, _)| name.clone()).collect();
                let values = || bars.iter().map(|(_, v)| *v);
                let (lo, hi) = from_zero(extent(values()));
                Frame::new(
                    self,
                    size,
                    &[],
                    &|len| Axis::categories_x(&names, len),
                    &|len| Axis::linear(lo, hi, len, all_whole(values()), Along::Y),
                )
            }
            Chart::HBars { bars, reference } => {
                let names: Vec<String> = bars.iter().map(|(name, _)| name.clone()).collect();
                let values = || bars.iter().map(|(_, v)| *v).chain(*reference);
                let (lo, hi) = from_zero(extent(values()));
                Frame::new(
                    self,
                    size,
                    &[],
                    &|len| Axis::linear(lo, hi, len, all_whole(values()), Along::X),
                    &|len| Axis::categories_y(&names, len),
                )
            }
            Chart::Lines {
                series,
                log_x,
                log_y,
                ..
            } => {
                let xs = || series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
                let ys = || series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
                let axis = |values: Vec<f64>, log: bool, along: Along, len: f64| {
                    let positive = extent(values.iter().copied().filter(|v| *v > 0.0));
                    match positive {
                        Some(range) if log => {
                            let zero = values.iter().any(|v| v.is_finite() && *v <= 0.0);
                            Axis::log(range, len, along, zero)
                        }
                        _ => {
                            let (lo, hi) = padded(extent(values.iter().copied()));
                            Axis::linear(lo, hi, len, all_whole(values), along)
                        }
                    }
                };
                let swatches = lines_legend(series);
                Frame::new(
                    self,
                    size,
                    &swatches,
                    &|len| axis(xs().collect(), *log_x, Along::X, len),
                    &|len| axis(ys().collect(), *log_y, Along::Y, len),
                )
            }
            Chart::DateLines { series } => {
                let xs = extent(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
                    .unwrap_or((0.0, DAY));
                let ys = padded(extent(
                    series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                ));
                let swatches = lines_legend(series);
                Frame::new(
                    self,
                    size,
                    &swatches,
                    &|len| Axis::dates(xs.0, xs.1.max(xs.0 + 1.0), len),
                    &|len| Axis::linear(ys.0, ys.1, len, whole_y(series), Along::Y),
                )
            }
            Chart::Percentiles { series } => {
                let top = series
                    .iter()
                    .flat_map(|s| s.points.iter().map(|p| percentile_x(p.0)))
                    .fold(10.0, f64::max);
                let (lo, hi) = from_zero(extent(
                    series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                ));
                let swatches = lines_legend(series);
                Frame::new(
                    self,
                    size,
                    &swatches,
                    &|len| Axis::percentiles(top, len),
                    &|len| Axis::linear(lo, hi, len, whole_y(series), Along::Y),
                )
            }
            Chart::Histogram { bins, curves } => {
                let edges: Vec<f64> = bins.iter().flat_map(|b| [b.0, b.1]).collect();
                let (x0, x1) = extent(edges.iter().copied()).unwrap_or((0.0, 1.0));
                let log = x0 > 0.0 && wants_log(&edges);
                let heights = bins.iter().map(|b| b.2);
                let curve_ys = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
                let (lo, hi) = from_zero(extent(heights.clone().chain(curve_ys)));
                let whole = all_whole(heights);
                let mut swatches = vec![(Swatch::Box(PALETTE[0]), "observed")];
                swatches.extend(line_swatches(curves, 1));
                Frame::new(
                    self,
                    size,
                    &swatches,
                    &|len| {
                        if log {
                            let mut axis = Axis::log((x0, x1), len, Along::X, false);
                            // Bins fill the axis: no padding.
                            (axis.lo, axis.hi) = (x0, x1);
                            axis.ticks.retain(|(v, _)| *v >= x0 && *v <= x1);
                            axis.minor.retain(|v| *v >= x0 && *v <= x1);
                            axis
                        } else {
                            Axis::linear(x0, x1.max(x0 + 1e-9), len, false, Along::X)
                        }
                    },
                    &|len| Axis::linear(lo, hi, len, whole, Along::Y),
                )
            }
        }
    }

    /// Draws the plot on any backend; the backend's width sets the scale (the logical size is
    /// [`Plot::size`]).
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        register_font();
        let e = err(&self.name);
        let (w, h) = self.size();
        let scale = f64::from(root.dim_in_pixel().0) / f64::from(w);
        let pen = Pen {
            root,
            scale,
            name: &self.name,
        };
        root.fill(&WHITE).map_err(&e)?;
        let frame = self.frame((f64::from(w), f64::from(h)));
        let p = frame.plot;
        let area = root.clone().shrink(
            (pen.px(p.l), pen.px(p.t)),
            (pen.px(p.r) - pen.px(p.l), pen.px(p.b) - pen.px(p.t)),
        );
        let mut chart = ChartBuilder::on(&area)
            .build_cartesian_2d(frame.x.clone(), frame.y.clone())
            .map_err(&e)?;
        let (x, y) = (&frame.x, &frame.y);
        // Grid first, under the data.
        let hairline = pen.stroke(1.0);
        let grid = |values: Vec<f64>, along: Along, color: RGBColor| {
            values
                .into_iter()
                .map(move |v| {
                    let ends = match along {
                        Along::X => vec![(v, y.lo), (v, y.hi)],
                        Along::Y => vec![(x.lo, v), (x.hi, v)],
                    };
                    PathElement::new(ends, color.stroke_width(hairline))
                })
                .collect::<Vec<_>>()
        };
        for (axis, along) in [(x, Along::X), (y, Along::Y)] {
            chart
                .draw_series(grid(axis.minor.clone(), along, MINOR_GRID))
                .map_err(&e)?;
            if axis.grid {
                let at = axis.ticks.iter().map(|(v, _)| *v).collect();
                chart.draw_series(grid(at, along, GRID)).map_err(&e)?;
            }
        }
        self.content(&mut chart, &pen, &frame)?;
        // Axes, tick labels and descriptions.
        pen.line((p.l, p.b), (p.r, p.b), AXIS)?;
        pen.line((p.l, p.t), (p.l, p.b), AXIS)?;
        // A y label in the corner could meet the first x label: it gives way.
        let first_x =
            x.ticks.first().filter(|_| !x.rotated).map(|(v, label)| {
                p.l + x.frac(*v) * (p.r - p.l) - text_width(label, TEXT_SIZE) / 2.0
            });
        for (v, label) in &y.ticks {
            let at = p.b - y.frac(*v) * (p.b - p.t);
            let cornered = at + LINE / 2.0 > p.b + GAP && first_x.is_some_and(|l| l < p.l - GAP);
            if !cornered {
                pen.text(
                    label,
                    TEXT_SIZE,
                    (p.l - GAP, at),
                    (HPos::Right, VPos::Center),
                    false,
                )?;
            }
        }
        for (v, label) in &x.ticks {
            let at = p.l + x.frac(*v) * (p.r - p.l);
            if x.rotated {
                pen.text(
                    label,
                    TEXT_SIZE,
                    (at, p.b + GAP),
                    (HPos::Right, VPos::Center),
                    true,
                )?;
            } else {
                pen.text(
                    label,
                    TEXT_SIZE,
                    (at, p.b + GAP),
                    (HPos::Center, VPos::Top),
                    false,
                )?;
            }
        }
        for (i, line) in frame.title.iter().enumerate() {
            let top = MARGIN + i as f64 * frame.title_size * 1.2;
            pen.text(
                line,
                frame.title_size,
                (frame.width / 2.0, top),
                (HPos::Center, VPos::Top),
                false,
            )?;
        }
        if let Some((text, top)) = &frame.y_desc {
            pen.text(
                text,
                TEXT_SIZE,
                (MARGIN, *top),
                (HPos::Left, VPos::Top),
                false,
            )?;
        }
        if let Some((text, top)) = &frame.x_desc {
            let middle = ((p.l + p.r) / 2.0).max(MARGIN + text_width(text, TEXT_SIZE) / 2.0);
            pen.text(
                text,
                TEXT_SIZE,
                (middle, *top),
                (HPos::Center, VPos::Top),
                false,
            )?;
        }
        for (left, top, swatch, text) in &frame.legend {
            let middle = top + LINE / 2.0;
            match swatch {
                Swatch::Line(color) => root
                    .draw(&PathElement::new(
                        vec![
                            (pen.px(*left), pen.px(middle)),
                            (pen.px(left + LEGEND_MARK), pen.px(middle)),
                        ],
                        color.stroke_width(pen.stroke(2.5)),
                    ))
                    .map_err(&e)?,
                Swatch::Box(color) => root
                    .draw(&Rectangle::new(
                        [
                            (pen.px(*left), pen.px(middle - 7.0)),
                            (pen.px(left + LEGEND_MARK), pen.px(middle + 7.0)),
                        ],
                        color.mix(0.5).filled(),
                    ))
                    .map_err(&e)?,
            }
            pen.text(
                text,
                TEXT_SIZE,
                (left + LEGEND_MARK + GAP, middle),
                (HPos::Left, VPos::Center),
                false,
            )?;
        }
        root.present().map_err(&e)?;
        Ok(())
    }

    /// Draws the data inside the plot area.
    fn content<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
        pen: &Pen<'_, DB>,
        frame: &Frame,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let e = err(&self.name);
        let p = frame.plot;
        match &self.chart {
            Chart::Strips {
                rows,
                range,
                in_service,
                ..
            } => {
                let n = rows.len();
                // At least a pixel wide, so that short outages show.
                let min_width = (range.1 - range.0) / ((p.r - p.l) * pen.scale).max(1.0);
                let gap = if (p.b - p.t) / n.max(1) as f64 >= 8.0 {
                    0.15
                } else {
                    0.0
                };
                for (i, (_, down)) in rows.iter().enumerate() {
                    let (y0, y1) = ((n - i - 1) as f64 + gap, (n - i) as f64 - gap);
                    let (from, to) = in_service.get(i).copied().unwrap_or(*range);
                    let (from, to) = (from.max(range.0), to.min(range.1));
                    if from < to {
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(from, y0), (to, y1)],
                                PALETTE[2].mix(0.35).filled(),
                            )))
                            .map_err(&e)?;
                    }
                    chart
                        .draw_series(
                            spans(down, *range, min_width).into_iter().map(|(a, b)| {
                                Rectangle::new([(a, y0), (b, y1)], PALETTE[3].filled())
                            }),
                        )
                        .map_err(&e)?;
                }
            }
            Chart::Bars { bars } => {
                chart
                    .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                        Rectangle::new(
                            [(i as f64 + 0.12, 0.0), (i as f64 + 0.88, *v)],
                            PALETTE[0].filled(),
                        )
                    }))
                    .map_err(&e)?;
            }
            Chart::HBars { bars, reference } => {
                let n = bars.len();
                chart
                    .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                        let row = (n - i - 1) as f64;
                        Rectangle::new([(0.0, row + 0.18), (*v, row + 0.82)], PALETTE[0].filled())
                    }))
                    .map_err(&e)?;
                if let Some(r) = reference {
                    chart
                        .draw_series(std::iter::once(DashedPathElement::new(
                            vec![(*r, 0.0), (*r, n as f64)],
                            pen.px(6.0),
                            pen.px(4.0),
                            INK.stroke_width(pen.stroke(2.0)),
                        )))
                        .map_err(&e)?;
                }
            }
            Chart::Lines {
                series,
                marks,
                shade,
                ..
            } => {
                if let Some((a, b)) = *shade {
                    let y = chart.y_range();
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(a, y.start), (b, y.end)],
                            RGBColor(120, 120, 120).mix(0.15).filled(),
                        )))
                        .map_err(&e)?;
                }
                lines(chart, pen, series, 0)?;
                self.marks(pen, frame, marks)?;
            }
            Chart::DateLines { series } => lines(chart, pen, series, 0)?,
            Chart::Percentiles { series } => {
                let series: Vec<Series> = series
                    .iter()
                    .map(|s| Series {
                        points: s
                            .points
                            .iter()
                            .map(|&(q, v)| (percentile_x(q), v))
                            .collect(),
                        ..s.clone()
                    })
                    .collect();
                lines(chart, pen, &series, 0)?;
            }
            Chart::Histogram { bins, curves } => {
                chart
                    .draw_series(bins.iter().map(|&(lo, hi, h)| {
                        let mut bar =
                            Rectangle::new([(lo, 0.0), (hi, h)], PALETTE[0].mix(0.5).filled());
                        bar.set_margin(0, 0, 0, pen.stroke(1.0));
                        bar
                    }))
                    .map_err(&e)?;
                lines(chart, pen, curves, 1)?;
            }
        }
        Ok(())
    }

    /// Writes point labels beside their points where they cover no other label or point.
    fn marks<DB: DrawingBackend>(
        &self,
        pen: &Pen<'_, DB>,
        frame: &Frame,
        marks: &[(f64, f64, String)],
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let p = frame.plot;
        let at = |x: f64, y: f64| {
            (
                p.l + frame.x.frac(x) * (p.r - p.l),
                p.b - frame.y.frac(y) * (p.b - p.t),
            )
        };
        let points: Vec<(f64, f64)> = marks.iter().map(|(x, y, _)| at(*x, *y)).collect();
        let mut taken: Vec<Rect> = Vec::new();
        let overlaps = |a: &Rect, b: &Rect| a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
        for (i, (_, _, text)) in marks.iter().enumerate() {
            let (px, py) = points[i];
            let (w, h) = (text_width(text, TEXT_SIZE), TEXT_SIZE);
            // Above right, below right, above left, below left of the point.
            let corners = [(1.0, -1.0), (1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)];
            let free = corners.into_iter().find_map(|(sx, sy): (f64, f64)| {
                let (x, y) = (px + sx * GAP, py + sy * GAP);
                let r = Rect {
                    l: x.min(x + sx * w),
                    r: x.max(x + sx * w),
                    t: y.min(y + sy * h),
                    b: y.max(y + sy * h),
                };
                let inside = r.l >= p.l && r.r <= p.r && r.t >= p.t && r.b <= p.b;
                let covers_point = points.iter().enumerate().any(|(j, &(qx, qy))| {
                    j != i && qx > r.l - 3.0 && qx < r.r + 3.0 && qy > r.t - 3.0 && qy < r.b + 3.0
                });
                let anchor = (
                    if sx > 0.0 { HPos::Left } else { HPos::Right },
                    if sy > 0.0 { VPos::Top } else { VPos::Bottom },
                );
                (inside && !covers_point && !taken.iter().any(|t| overlaps(t, &r))).then_some((
                    anchor,
                    (x, y),
                    r,
                ))
            });
            if let Some((anchor, at, r)) = free {
                pen.text(text, TEXT_SIZE, at, anchor, false)?;
                taken.push(r);
            }
        }
        Ok(())
    }

    /// The plot as SVG text, at its logical size.
    pub fn svg(&self) -> Result<String, PlotError> {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, self.size()).into_drawing_area();
            self.draw(&root)?;
        }
        Ok(text)
    }

    /// Writes `DIR/NAME.svg` and `DIR/NAME.png` (at [`PNG_SCALE`] times the logical size),
    /// atomically; returns the SVG text.
    pub fn render(&self, dir: &Path) -> Result<String, PlotError> {
        let e = err(&self.name);
        let svg = self.svg()?;
        write_atomically(&dir.join(format!("{}.svg", self.name)), |w| {
            w.write_all(svg.as_bytes())
        })
        .map_err(&e)?;
        // The bitmap backend writes its own file: draw into a temporary name, then rename.
        let partial = dir.join(format!(".{}.partial.png", self.name));
        let _pending = crate::output::Pending::new(&partial);
        {
            let (w, h) = self.size();
            let root =
                BitMapBackend::new(&partial, (w * PNG_SCALE, h * PNG_SCALE)).into_drawing_area();
            self.draw(&root)?;
        }
        std::fs::rename(&partial, dir.join(format!("{}.png", self.name))).map_err(&e)?;
        Ok(svg)
    }
}

/// A percentile `p` (a fraction) as its place on a percentile axis, `1/(1 − p)`.
fn percentile_x(p: f64) -> f64 {
    1.0 / (1.0 - p.clamp(0.0, 0.999_999_9))
}

/// Fits an exponential (its mean) and a Weibull (shape `k` and scale by maximum likelihood) to
/// positive samples; returns `(mean, k, scale)`.
pub fn fit(samples: &[f64]) -> Option<(f64, f64, f64)> {
    let xs: Vec<f64> = samples
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let mean_ln = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    // The Weibull shape solves sum(x^k ln x)/sum(x^k) - 1/k - mean(ln x) = 0, increasing in k.
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for x in &xs {
            let p = (x / mean).powf(k);
            a += p * x.ln();
            b += p;
        }
        a / b - 1.0 / k - mean_ln
    };
    let (mut lo, mut hi) = (0.01, 50.0);
    if g(lo) > 0.0 || g(hi) < 0.0 {
        return Some((mean, 1.0, mean));
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let k = (lo + hi) / 2.0;
    let scale = (xs.iter().map(|x| (x / mean).powf(k)).sum::<f64>() / n).powf(1.0 / k) * mean;
    Some((mean, k, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(chart: Chart) -> Plot {
        Plot {
            name: "t".into(),
            title: "A plot".into(),
            x_label: "x (units)".into(),
            y_label: "y (units)".into(),
            chart,
        }
    }

    /// Every `font-size` in an SVG.
    fn font_sizes(svg: &str) -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect()
    }

    /// Epoch seconds of a UTC date.
    fn date(text: &str) -> f64 {
        crate::trace::time::parse_datetime(text).unwrap()
    }

    fn labels(axis: &Axis) -> Vec<&str> {
        axis.ticks.iter().map(|(_, l)| l.as_str()).collect()
    }

    /// One sample of every chart kind.
    fn every_kind() -> Vec<Plot> {
        let series = vec![
            Series::new("one", vec![(1.0, 2.0), (2.0, 3.0)]),
            Series::steps("two", vec![(1.0, 1.0), (2.0, 0.5)]),
        ];
        vec![
            plot(Chart::Strips {
                rows: vec![("n1".into(), vec![(1.0, 2.0)])],
                range: (0.0, 10.0),
                dates: false,
                in_service: vec![(0.0, 8.0)],
            }),
            plot(Chart::Bars {
                bars: vec![("a".into(), 1.0), ("b".into(), 2.0)],
            }),
            plot(Chart::HBars {
                bars: vec![("a".into(), 1.0), ("b".into(), 2.0)],
                reference: Some(1.5),
            }),
            plot(Chart::Lines {
                series: series.clone(),
                marks: vec![(1.0, 2.0, "first".into())],
                log_x: false,
                log_y: false,
                shade: None,
            }),
            plot(Chart::DateLines {
                series: series
                    .iter()
                    .map(|s| Series {
                        points: s.points.iter().map(|p| (p.0 * 1e8, p.1)).collect(),
                        ..s.clone()
                    })
                    .collect(),
            }),
            plot(Chart::Percentiles {
                series: vec![Series::new("commit", vec![(0.0, 1.0), (0.999, 9.0)])],
            }),
            plot(Chart::Histogram {
                bins: vec![(0.0, 1.0, 3.0), (1.0, 2.0, 1.0)],
                curves: series,
            }),
        ]
    }

    #[test]
    fn weibull_fit_recovers_its_parameters() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Weibull};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let d = Weibull::new(10.0, 1.5).unwrap();
        let xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        let (_, k, scale) = fit(&xs).unwrap();
        assert!((k - 1.5).abs() < 0.05, "{k}");
        assert!((scale - 10.0).abs() < 0.2, "{scale}");
    }

    #[test]
    fn svg_has_title_and_axis_labels() {
        let plot = Plot {
            name: "t".into(),
            title: "Availability per month".into(),
            x_label: "month".into(),
            y_label: "downtime (h)".into(),
            chart: Chart::Bars {
                bars: vec![("2024-01".into(), 2.0), ("2024-02".into(), 3.5)],
            },
        };
        let svg = plot.svg().unwrap();
        assert!(svg.starts_with("<svg"));
        for text in ["Availability per month", "month", "downtime (h)", "2024-02"] {
            assert!(svg.contains(text), "{text}");
        }
    }

    #[test]
    fn the_svg_opens_at_the_logical_size_with_a_view_box() {
        let svg = every_kind()[0].svg().unwrap();
        assert!(
            svg.starts_with(
                "<svg width=\"640\" height=\"400\" viewBox=\"0 0 640 400\" \
                 xmlns=\"http://www.w3.org/2000/svg\">"
            ),
            "{}",
            &svg[..100]
        );
        assert_eq!(SIZE, (640, 400));
    }

    /// Shown 360 px wide (a phone), every text of every kind of plot is at least 9 px.
    #[test]
    fn text_is_legible_on_a_phone() {
        for plot in every_kind() {
            let svg = plot.svg().unwrap();
            let sizes = font_sizes(&svg);
            assert!(sizes.len() > 3, "{:?}", plot.chart);
            let width = f64::from(plot.size().0);
            for size in sizes {
                assert!(size * 360.0 / width >= 9.0, "{size} in {:?}", plot.chart);
            }
        }
    }

    #[test]
    fn a_dated_timeline_is_labelled_with_dates() {
        let (start, end) = (date("2003-01-01"), date("2005-01-01"));
        let dated = plot(Chart::Strips {
            rows: vec![("n1".into(), vec![(date("2004-03-15"), date("2004-03-16"))])],
            range: (start, end),
            dates: true,
            in_service: Vec::new(),
        });
        let svg = dated.svg().unwrap();
        assert!(
            svg.contains(">\n2004-") || svg.contains(">2004-"),
            "a date tick"
        );
        let frame = dated.frame((640.0, 400.0));
        assert!(
            labels(&frame.x)
                .iter()
                .all(|l| l.len() == 7 && l.starts_with("200"))
        );
        // A short span is labelled by day, a shorter one by time of day with its date.
        let days = Axis::dates(date("2004-03-14"), date("2004-03-17"), 560.0);
        assert!(labels(&days).contains(&"2004-03-15"), "{:?}", labels(&days));
        let minutes = Axis::dates(
            date("2024-01-01T00:01:40Z"),
            date("2024-01-01T00:18:20Z"),
            560.0,
        );
        assert!(
            labels(&minutes).contains(&"00:10"),
            "{:?}",
            labels(&minutes)
        );
        assert_eq!(minutes.note, " on 2024-01-01");
    }

    #[test]
    fn count_axes_have_whole_ticks() {
        // Counts from 0 to 3: a plain axis would step by 0.5.
        let counts = plot(Chart::Bars {
            bars: vec![("a".into(), 1.0), ("b".into(), 3.0), ("c".into(), 2.0)],
        });
        let frame = counts.frame((640.0, 400.0));
        assert!(frame.y.ticks.len() >= 3, "{:?}", labels(&frame.y));
        for label in labels(&frame.y) {
            assert!(!label.contains('.'), "{label}");
            label.parse::<u64>().unwrap();
        }
        // Fractional values keep fractional ticks.
        let hours = Axis::linear(0.0, 3.15, 300.0, false, Along::Y);
        assert!(labels(&hours).contains(&"0.5"), "{:?}", labels(&hours));
        let histogram = plot(Chart::Histogram {
            bins: vec![(0.0, 1.0, 2.0), (1.0, 2.0, 1.0)],
            curves: vec![Series::new("fit", vec![(0.5, 1.7), (1.5, 0.9)])],
        });
        assert!(
            labels(&histogram.frame((640.0, 400.0)).y)
                .iter()
                .all(|l| !l.contains('.'))
        );
    }

    #[test]
    fn log_axes_only_for_data_spanning_decades() {
        assert!(wants_log(&[0.5, 3.0, 70.0, 4_900.0]));
        assert!(!wants_log(&[1.0, 2.5, 9.9]));
        // Only positive values count.
        assert!(wants_log(&[0.0, 0.0, 0.01, 100.0]));
        assert!(!wants_log(&[-1000.0, 1.0, 10.0]));
        let axis = Axis::log((0.5, 4_900.0), 560.0, Along::X, false);
        assert!(axis.log);
        assert_eq!(labels(&axis), ["1", "10", "100", "1000"]);
        // Zero has its own tick below the decades.
        let rates = Axis::log((0.66, 1077.0), 300.0, Along::Y, true);
        assert_eq!(labels(&rates)[0], "0");
        assert!(rates.frac(0.0) < rates.frac(0.66));
        assert!(labels(&rates).contains(&"1000"), "{:?}", labels(&rates));
        // Long decades are written as powers.
        let big = Axis::log((1.0, 1e8), 300.0, Along::Y, false);
        assert!(labels(&big).contains(&"10⁸"), "{:?}", labels(&big));
    }

    #[test]
    fn hbars_show_every_label_and_grow_for_many_rows() {
        let bars: Vec<(String, f64)> = (0..25)
            .map(|i| (format!("system {i}"), f64::from(i)))
            .chain([(
                "a cluster whose name is far too long to show".to_string(),
                3.0,
            )])
            .collect();
        let chart = plot(Chart::HBars {
            bars: bars.clone(),
            reference: Some(12.5),
        });
        let svg = chart.svg().unwrap();
        for (label, _) in &bars[..25] {
            assert!(svg.contains(&format!("{label}\n")), "{label}");
        }
        assert!(svg.contains("a cluster whose name is far t…"));
        let (w, h) = chart.size();
        assert_eq!(w, SIZE.0);
        assert!(f64::from(h) >= 26.0 * ROW_PITCH, "{h}");
        assert!(svg.starts_with(&format!("<svg width=\"{w}\" height=\"{h}\"")));
        // The reference line is drawn in dashes.
        let without = plot(Chart::HBars {
            bars: bars.clone(),
            reference: None,
        });
        let dashes = |svg: &str| svg.matches("<polyline").count();
        assert!(dashes(&svg) > dashes(&without.svg().unwrap()) + 10);
        // Few rows keep the usual size.
        let few = plot(Chart::HBars {
            bars: bars[..3].to_vec(),
            reference: None,
        });
        assert_eq!(few.size(), SIZE);
    }

    /// Neighbouring x labels never overlap, whatever the number of categories.
    #[test]
    fn many_categories_are_thinned_or_turned() {
        let months: Vec<(String, f64)> = (0..120)
            .map(|i| (format!("{}-{:02}", 1996 + i / 12, i % 12 + 1), 1.0))
            .collect();
        let frame = plot(Chart::Bars { bars: months }).frame((640.0, 400.0));
        let x = &frame.x;
        assert!(!x.rotated);
        assert!(x.ticks.len() < 12, "{:?}", labels(x));
        assert!(x.spaced(frame.plot.r - frame.plot.l, Along::X));
        assert!(
            labels(x).iter().all(|l| l.ends_with("-01")),
            "{:?}",
            labels(x)
        );
        let groups: Vec<(String, f64)> = (0..40).map(|i| (format!("group {i}"), 1.0)).collect();
        let frame = plot(Chart::Bars { bars: groups }).frame((640.0, 400.0));
        assert!(frame.x.rotated);
        let slot = (frame.plot.r - frame.plot.l) / 40.0;
        let apart = frame.x.ticks[1].0 - frame.x.ticks[0].0;
        assert!(apart * slot >= LINE, "{apart} slots of {slot}");
        assert!(frame.plot.b < 400.0 - frame.x.widest());
    }

    #[test]
    fn a_long_legend_goes_below_the_plot() {
        let series = (0..6)
            .map(|k| {
                Series::new(
                    format!("series number {k} with a long descriptive label"),
                    vec![(0.0, 0.0), (1.0, f64::from(k))],
                )
            })
            .collect();
        let frame = plot(Chart::Lines {
            series,
            marks: Vec::new(),
            log_x: false,
            log_y: false,
            shade: None,
        })
        .frame((640.0, 400.0));
        assert_eq!(frame.legend.len(), 6);
        for (left, top, _, text) in &frame.legend {
            assert!(*top > frame.plot.b, "{text} is below the plot");
            assert!(left + text_width(text, TEXT_SIZE) <= 640.0);
        }
        assert!(frame.plot.b - frame.plot.t > 3.0 * LINE);
    }

    #[test]
    fn strips_merge_outages_that_would_overlap_on_screen() {
        let down = [(5.0, 5.1), (0.5, 1.0), (1.2, 2.0), (9.5, 12.0), (-1.0, 0.2)];
        // (0, 0.2) widens to (0, 0.5) and meets (0.5, 1); (1.2, 2) stays apart.
        assert_eq!(
            spans(&down, (0.0, 10.0), 0.5),
            [(0.0, 1.0), (1.2, 2.0), (5.0, 5.5), (9.5, 10.0)]
        );
    }

    #[test]
    fn steps_hold_each_value_until_the_next_point() {
        let km = Series::steps("km", vec![(0.0, 1.0), (2.0, 0.5), (5.0, 0.25)]);
        assert_eq!(
            path(&km),
            [(0.0, 1.0), (2.0, 1.0), (2.0, 0.5), (5.0, 0.5), (5.0, 0.25)]
        );
        let line = Series::new("line", km.points.clone());
        assert_eq!(path(&line), line.points);
    }

    #[test]
    fn percentile_axis_is_labelled_in_percent() {
        let axis = Axis::percentiles(1e5, 560.0);
        let shown = labels(&axis);
        for p in ["0 %", "90 %", "99 %", "99.9 %"] {
            assert!(shown.contains(&p), "{shown:?}");
        }
        assert!(axis.frac(percentile_x(0.99)) > axis.frac(percentile_x(0.9)));
    }

    #[test]
    fn long_titles_shrink_then_wrap() {
        let lines = wrap(
            "time between failures: histogram (up to p99) and fitted densities, per system",
            TEXT_SIZE,
            620.0,
            2,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, TEXT_SIZE) <= 620.0));
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(tick_number(-0.0001, 2, false), "0.00");
        assert_eq!(tick_number(2_500_000.0, 1, true), "2.5M");
    }
}
