#!/usr/bin/env python3
"""stats.py DIR VARIANT ANCHOR: the median of VARIANT's samples, its ratio to ANCHOR's median and a
95% confidence interval on that ratio.

DIR/NAME.runs holds one sample (ns) per round, in round order, for every variant, so line i of two
files comes from the same round. The interval is a paired bootstrap: rounds are resampled with
replacement (2,000 times, fixed seed) and the ratio of medians recomputed, so drift that hits a whole
round cancels as it does in the estimate itself. Prints: median_ns ratio low high.
"""
import random
import statistics
import sys


def load(path):
    with open(path) as f:
        return [int(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: stats.py DIR VARIANT ANCHOR")
    d, name, anchor = sys.argv[1:]
    v, a = load(f"{d}/{name}.runs"), load(f"{d}/{anchor}.runs")
    if not v or len(v) != len(a):
        sys.exit(f"stats.py: {name} has {len(v)} samples, {anchor} {len(a)}; they must pair up")
    ratio = statistics.median(v) / statistics.median(a)
    rng = random.Random(1)
    n = len(v)
    boots = []
    for _ in range(2000):
        idx = [rng.randrange(n) for _ in range(n)]
        boots.append(statistics.median(v[i] for i in idx) / statistics.median(a[i] for i in idx))
    boots.sort()
    print(int(statistics.median(v)), f"{ratio:.3f}", f"{boots[49]:.3f}", f"{boots[1949]:.3f}")


if __name__ == "__main__":
    main()
