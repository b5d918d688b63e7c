"""Per-node availability from an interval CSV with polars (lazy): what a user would write instead
of `faultline analyze`, with the same rules as analyze_pandas.py. Prints the fleet totals.

usage: python analyze_polars.py TRACE.csv
"""
import sys

import polars as pl

lf = pl.scan_csv(sys.argv[1], schema_overrides={"node": pl.Utf8, "start": pl.Float64,
                                                "end": pl.Float64}).select("node", "start", "end")
bounds = lf.select(pl.col("start").min().alias("w0"), pl.col("end").max().alias("w1")).collect()
w0, w1 = bounds["w0"][0], bounds["w1"][0]
T = w1 - w0
merged = (
    lf.sort("node", "start")
    .with_columns(pl.col("end").cum_max().shift(1).over("node").alias("prev_end"))
    .with_columns((pl.col("prev_end").is_null() | (pl.col("start") > pl.col("prev_end")))
                  .cum_sum().alias("outage"))
    .group_by("outage")
    .agg(pl.col("node").first(), pl.col("start").min(), pl.col("end").max())
)
nodes = (
    merged.with_columns(
        (pl.min_horizontal(pl.col("end"), pl.lit(w1)) - pl.max_horizontal(pl.col("start"), pl.lit(w0)))
        .clip(lower_bound=0).alias("down"),
        ((pl.col("start") >= w0) & (pl.col("start") < w1)).alias("failed"),
    )
    .group_by("node")
    .agg(pl.col("down").sum().alias("downtime"), pl.col("failed").sum().alias("failures"))
    .with_columns((T - pl.col("downtime")).alias("uptime"))
    .with_columns(
        (pl.col("uptime") / T).alias("availability"),
        (T / pl.col("failures")).alias("mtbf"),
        (pl.col("uptime") / pl.col("failures")).alias("mttf"),
        (pl.col("downtime") / pl.col("failures")).alias("mttr"),
    )
    .collect()
)
print(f"nodes={nodes.height} failures={nodes['failures'].sum()} "
      f"downtime={nodes['downtime'].sum():.3f}")
