"""Per-node availability from an interval CSV with pandas: what a user would write instead of
`faultline analyze`. Same rules: outages of one node that overlap or touch are merged, the window
is the earliest start to the latest end, outages are clipped to it, and a failure is an outage
that starts inside it. Prints the fleet totals so the result can be checked against faultline.

usage: python analyze_pandas.py TRACE.csv
"""
import sys

import pandas as pd

df = pd.read_csv(sys.argv[1], usecols=["node", "start", "end"],
                 dtype={"node": "string", "start": "float64", "end": "float64"})
w0, w1 = df["start"].min(), df["end"].max()
df = df.sort_values(["node", "start"], kind="stable", ignore_index=True)
prev_end = df.groupby("node", sort=False)["end"].cummax().groupby(df["node"], sort=False).shift(1)
new_outage = prev_end.isna() | (df["start"] > prev_end)
df["outage"] = new_outage.cumsum()
merged = df.groupby("outage", sort=False).agg(node=("node", "first"), start=("start", "min"),
                                               end=("end", "max"))
merged["down"] = (merged["end"].clip(upper=w1) - merged["start"].clip(lower=w0)).clip(lower=0)
merged["failed"] = (merged["start"] >= w0) & (merged["start"] < w1)
nodes = merged.groupby("node").agg(downtime=("down", "sum"), failures=("failed", "sum"))
T = w1 - w0
nodes["uptime"] = T - nodes["downtime"]
nodes["availability"] = nodes["uptime"] / T
nodes["mtbf"] = T / nodes["failures"]
nodes["mttf"] = nodes["uptime"] / nodes["failures"]
nodes["mttr"] = nodes["downtime"] / nodes["failures"]
print(f"nodes={len(nodes)} failures={int(nodes['failures'].sum())} "
      f"downtime={nodes['downtime'].sum():.3f}")
