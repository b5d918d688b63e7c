//! Plots, drawn with plotters: every plot as SVG (text, embeddable in HTML) and as PNG.
//!
//! PNGs need a font to draw text; plotters' `ab_glyph` backend uses only fonts registered at run
//! time, so DejaVu Sans (free licence, `assets/fonts/`) is compiled into the binary and registered
//! once: no system font or library is needed. Every plot has a title, axes labelled with their
//! units, and a legend when it shows more than one series.
//!
//! Each drawing function is generic over the plotters backend and is rendered twice by
//! [`Plot::render`].

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::FontStyle;
use thiserror::Error;

use crate::output::write_atomically;

/// The embedded font.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The font family every plot uses.
const FAMILY: &str = "sans-serif";

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
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One strip per row, red where the row is down: `(row name, down intervals)`.
    Strips {
        /// Rows from top to bottom.
        rows: Vec<(String, Vec<(f64, f64)>)>,
        /// X range.
        range: (f64, f64),
    },
    /// Vertical bars, one per category.
    Bars {
        /// `(category, value)`.
        bars: Vec<(String, f64)>,
    },
    /// Lines (and, with `marks`, points labelled with text).
    Lines {
        /// The series.
        series: Vec<Series>,
        /// Point labels `(x, y, text)`.
        marks: Vec<(f64, f64, String)>,
        /// Log-scale x axis (positive x only).
        log_x: bool,
    },
    /// A histogram (bars over `[lo, hi)` bins) with overlaid curves.
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
    /// Y axis label, with units.
    pub y_label: String,
    /// What to draw.
    pub chart: Chart,
}

/// Size of every plot, pixels.
pub const SIZE: (u32, u32) = (960, 540);

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

fn err<E: std::fmt::Display>(name: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError {
        name: name.to_string(),
        reason: e.to_string(),
    }
}

/// Draws each series as a line in the palette's colours (from `first_colour` on) with its legend
/// entry, and marks its points where there are few enough to tell apart.
fn lines<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    series: &[Series],
    first_colour: usize,
    name: &str,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let e = err(name);
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[(i + first_colour) % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(2)))
            .map_err(&e)?
            .label(&s.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        let few = if s.points.len() <= 40 {
            s.points.len()
        } else {
            0
        };
        chart
            .draw_series(
                s.points[..few]
                    .iter()
                    .map(|&p| Circle::new(p, 3, color.filled())),
            )
            .map_err(&e)?;
    }
    Ok(())
}

/// Draws the legend box when there is more than one series to tell apart.
fn legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    needed: bool,
    name: &str,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if !needed {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .label_font((FAMILY, 14))
        .draw()
        .map_err(err(name))
}

impl Plot {
    /// Draws the plot on any backend.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        register_font();
        let e = err(&self.name);
        root.fill(&WHITE).map_err(&e)?;
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(&self.title, (FAMILY, 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72);
        match &self.chart {
            Chart::Strips { rows, range } => {
                let n = rows.len().max(1);
                let longest = rows
                    .iter()
                    .map(|(name, _)| name.chars().count())
                    .max()
                    .unwrap_or(0);
                builder.y_label_area_size(40 + 7 * longest as u32);
                // A segmented range `0..m` has m + 1 segments.
                let mut chart = builder
                    .build_cartesian_2d(range.0..range.1, (0..n - 1).into_segmented())
                    .map_err(&e)?;
                // Segment 0 is at the bottom; the first row is drawn at the top.
                let names: Vec<String> = rows.iter().rev().map(|(name, _)| name.clone()).collect();
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .y_labels(n)
                    .y_label_formatter(&|v| match v {
                        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                        _ => String::new(),
                    })
                    .disable_y_mesh()
                    .label_style((FAMILY, 12))
                    .draw()
                    .map_err(&e)?;
                let min_width = (range.1 - range.0) / 2000.0;
                for (i, (_, down)) in rows.iter().enumerate() {
                    let segment = n - 1 - i;
                    let strip = |a: f64, b: f64, style: ShapeStyle| {
                        let mut r = Rectangle::new(
                            [
                                (a, SegmentValue::Exact(segment)),
                                (b, SegmentValue::Exact(segment + 1)),
                            ],
                            style,
                        );
                        r.set_margin(3, 3, 0, 0);
                        r
                    };
                    chart
                        .draw_series(std::iter::once(strip(
                            range.0,
                            range.1,
                            PALETTE[2].mix(0.35).filled(),
                        )))
                        .map_err(&e)?;
                    chart
                        .draw_series(down.iter().map(|&(a, b)| {
                            let (a, b) = (a.max(range.0), b.min(range.1));
                            strip(a, b.max(a + min_width), PALETTE[3].filled())
                        }))
                        .map_err(&e)?;
                }
            }
            Chart::Bars { bars } => {
                let (_, hi) = bounds(bars.iter().map(|(_, v)| *v).chain([0.0]));
                let n = bars.len().max(1);
                // A segmented range `0..m` has m + 1 segments.
                let mut chart = builder
                    .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..hi.max(1e-12))
                    .map_err(&e)?;
                let names: Vec<String> = bars.iter().map(|(name, _)| name.clone()).collect();
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .x_labels(n.min(24))
                    .x_label_formatter(&|v| match v {
                        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                        _ => String::new(),
                    })
                    .disable_x_mesh()
                    .label_style((FAMILY, 12))
                    .draw()
                    .map_err(&e)?;
                chart
                    .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(i), 0.0),
                                (SegmentValue::Exact(i + 1), *v),
                            ],
                            PALETTE[0].filled(),
                        );
                        bar.set_margin(0, 0, 4, 4);
                        bar
                    }))
                    .map_err(&e)?;
            }
            Chart::Lines {
                series,
                marks,
                log_x,
            } => {
                let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
                let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
                let (x0, x1) = bounds(xs);
                let (y0, y1) = bounds(ys);
                if *log_x {
                    // The percentile axis: x = 1/(1 - p) from 1 (0 %) upwards, labelled as p.
                    let top = series
                        .iter()
                        .flat_map(|s| s.points.iter().map(|p| p.0))
                        .fold(10.0f64, f64::max);
                    let ymax = series
                        .iter()
                        .flat_map(|s| s.points.iter().map(|p| p.1))
                        .fold(0.0f64, f64::max);
                    let mut chart = builder
                        .build_cartesian_2d((1.0..top).log_scale(), 0.0..(ymax * 1.1).max(1e-9))
                        .map_err(&e)?;
                    chart
                        .configure_mesh()
                        .x_desc(&self.x_label)
                        .y_desc(&self.y_label)
                        .x_label_formatter(&|x| {
                            let p = (1.0 - 1.0 / x) * 100.0;
                            let text = format!("{p:.3}");
                            format!("{} %", text.trim_end_matches('0').trim_end_matches('.'))
                        })
                        .label_style((FAMILY, 12))
                        .draw()
                        .map_err(&e)?;
                    lines(&mut chart, series, 0, &self.name)?;
                    legend(&mut chart, series.len() > 1, &self.name)?;
                } else {
                    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(&e)?;
                    chart
                        .configure_mesh()
                        .x_desc(&self.x_label)
                        .y_desc(&self.y_label)
                        .label_style((FAMILY, 12))
                        .draw()
                        .map_err(&e)?;
                    lines(&mut chart, series, 0, &self.name)?;
                    chart
                        .draw_series(marks.iter().map(|(x, y, text)| {
                            Text::new(text.clone(), (*x, *y), (FAMILY, 13).into_font())
                        }))
                        .map_err(&e)?;
                    legend(&mut chart, series.len() > 1, &self.name)?;
                }
            }
            Chart::Histogram { bins, curves } => {
                let (x0, x1) = bounds(bins.iter().flat_map(|b| [b.0, b.1]));
                let heights = bins.iter().map(|b| b.2);
                let curve_ys = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
                let (_, y1) = bounds(heights.chain(curve_ys).chain([0.0]));
                let mut chart = builder
                    .build_cartesian_2d(x0.max(0.0)..x1, 0.0..y1)
                    .map_err(&e)?;
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .label_style((FAMILY, 12))
                    .draw()
                    .map_err(&e)?;
                chart
                    .draw_series(bins.iter().map(|&(lo, hi, h)| {
                        Rectangle::new([(lo, 0.0), (hi, h)], PALETTE[0].mix(0.5).filled())
                    }))
                    .map_err(&e)?
                    .label("observed")
                    .legend(|(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 20, y + 5)], PALETTE[0].mix(0.5).filled())
                    });
                lines(&mut chart, curves, 1, &self.name)?;
                legend(&mut chart, true, &self.name)?;
            }
        }
        root.present().map_err(&e)?;
        Ok(())
    }

    /// The plot as SVG text.
    pub fn svg(&self) -> Result<String, PlotError> {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
            self.draw(&root)?;
        }
        Ok(text)
    }

    /// Writes `DIR/NAME.svg` and `DIR/NAME.png`, atomically; returns the SVG text.
    pub fn render(&self, dir: &Path) -> Result<String, PlotError> {
        let e = err(&self.name);
        let svg = self.svg()?;
        write_atomically(&dir.join(format!("{}.svg", self.name)), |w| {
            w.write_all(svg.as_bytes())
        })
        .map_err(&e)?;
        // The bitmap backend writes its own file: draw into a temporary name, then rename.
        let partial = dir.join(format!(".{}.partial.png", self.name));
        {
            let root = BitMapBackend::new(&partial, SIZE).into_drawing_area();
            self.draw(&root)?;
        }
        std::fs::rename(&partial, dir.join(format!("{}.png", self.name))).map_err(&e)?;
        Ok(svg)
    }
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
}
