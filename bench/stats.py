#!/usr/bin/env python3
"""stats.py [--diff] DIR VARIANT ANCHOR: the median of VARIANT's samples, its ratio to ANCHOR's
median and a 95% confidence interval on that ratio. With --diff: the median of the per-round
differences VARIANT - ANCHOR (ns) and a 95% confidence interval on it (what VARIANT adds to ANCHOR).
stats.py --added-ratio DIR VARIANT OTHER ANCHOR: what VARIANT adds to ANCHOR over what OTHER adds to
it (the medians of the per-round differences, divided), with its interval: recording's cost against
strace's, measured in the same rounds.

DIR/NAME.runs holds one sample (ns) per round, in round order, for every variant, so line i of two
files comes from the same round. The interval is a paired bootstrap: rounds are resampled with
replacement (2,000 times, fixed seed) and the ratio of medians recomputed, so drift that hits a whole
round cancels as it does in the estimate itself. Prints: median_ns ratio low high, or with --diff:
median_diff_ns low_ns high_ns.
"""
import random
import statistics
import sys


def load(path):
    with open(path) as f:
        return [int(line) for line in f if line.strip()]


def bootstrap(n, estimate):
    """The 2.5% and 97.5% points of estimate(rounds) over 2,000 resamples of the rounds."""
    rng = random.Random(1)
    boots = sorted(estimate([rng.randrange(n) for _ in range(n)]) for _ in range(2000))
    return boots[49], boots[1949]


def added_ratio(d, name, other, anchor):
    v, o, a = (load(f"{d}/{x}.runs") for x in (name, other, anchor))
    if not v or not len(v) == len(o) == len(a):
        sys.exit(f"stats.py: {name}, {other} and {anchor} must have as many samples")
    dv = [x - y for x, y in zip(v, a)]
    do = [x - y for x, y in zip(o, a)]

    def ratio(idx):
        den = statistics.median(do[i] for i in idx)
        return statistics.median(dv[i] for i in idx) / den if den else float("inf")

    low, high = bootstrap(len(v), ratio)
    print(f"{ratio(range(len(v))):.3f}", f"{low:.3f}", f"{high:.3f}")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--added-ratio":
        if len(args) != 5:
            sys.exit("usage: stats.py --added-ratio DIR VARIANT OTHER ANCHOR")
        added_ratio(*args[1:])
        return
    diff = bool(args) and args[0] == "--diff"
    if diff:
        args = args[1:]
    if len(args) != 3:
        sys.exit("usage: stats.py [--diff] DIR VARIANT ANCHOR")
    d, name, anchor = args
    v, a = load(f"{d}/{name}.runs"), load(f"{d}/{anchor}.runs")
    if not v or len(v) != len(a):
        sys.exit(f"stats.py: {name} has {len(v)} samples, {anchor} {len(a)}; they must pair up")
    n = len(v)
    if diff:
        dv = [x - y for x, y in zip(v, a)]
        low, high = bootstrap(n, lambda idx: statistics.median(dv[i] for i in idx))
        print(int(statistics.median(dv)), int(low), int(high))
        return
    ratio = statistics.median(v) / statistics.median(a)
    low, high = bootstrap(n, lambda idx: statistics.median(v[i] for i in idx) / statistics.median(a[i] for i in idx))
    print(int(statistics.median(v)), f"{ratio:.3f}", f"{low:.3f}", f"{high:.3f}")


if __name__ == "__main__":
    main()
