//! HdrHistogram's percentile-distribution text (`.hgrm`), which its plotting tools read.

use std::io::{self, Write};

use hdrhistogram::Histogram;

/// Writes a histogram as a percentile distribution (`.hgrm`, values in milliseconds), the text
/// format HdrHistogram's plotting tools read.
pub fn write_hgrm(h: &Histogram<u64>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    )?;
    let ms = |v: u64| v as f64 / 1e6;
    for step in h.iter_quantiles(5) {
        let quantile = step.quantile_iterated_to();
        let inverse = if quantile < 1.0 {
            format!("{:>14.2}", 1.0 / (1.0 - quantile))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>12.3} {:>2.12} {:>10} {inverse}",
            ms(step.value_iterated_to()),
            quantile,
            step.count_since_last_iteration()
        )?;
    }
    writeln!(
        out,
        "#[Mean    = {:>12.3}, StdDeviation   = {:>12.3}]",
        h.mean() / 1e6,
        h.stdev() / 1e6
    )?;
    writeln!(
        out,
        "#[Max     = {:>12.3}, Total count    = {:>12}]",
        ms(h.max()),
        h.len()
    )?;
    writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        h.distinct_values()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_distribution_ends_with_the_totals() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for ms in 1..=100u64 {
            h.record(ms * 1_000_000).unwrap();
        }
        let mut text = Vec::new();
        write_hgrm(&h, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("Total count    =          100"), "{text}");
    }
}
