"""perf/report_common.py — what the summary scripts perf/http/report.py and
perf/proxy/report.py share (imported by them, not run).

Provides:
  number(text)                  a field of run.sh's rows or a --meta value: int, float,
                                True/False, None for "-", else the text
  arg_parser()                  argparse with --runs, --json and --meta
  parse_meta(pairs)             --meta's key=value pairs as a dict of number()s
  read_runs(path, fields)       run.sh's tab-separated rows as dicts, plus "errors":
                                the sum of ERROR_FIELDS
  spread(values)                {"median", "min", "max"}; None when a value is None
  ratio(a, b, metric)           ratio of the medians of two summaries, with the paired
                                per-round ratios and their median; None without data
  disturbed_warning(count)      the warning about DISTURBED runs
  noisy_warning(labels)         the warning about per-round ratios further apart than
                                NOISY_SPREAD
  now_iso()                     local time for the JSON line
  append_json_line(path, record)
  ERROR_FIELDS, NOISY_SPREAD, LOAD_BOUND_PCT
"""
import argparse
import datetime
import json
import statistics

ERROR_FIELDS = ["err_connect", "err_read", "err_write", "err_timeout", "non2xx"]
NOISY_SPREAD = 0.10  # per-round ratios further apart than this: unreliable
LOAD_BOUND_PCT = 90  # server core less busy than this: wrk was the bottleneck


def number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "-": None}.get(text, text)


def arg_parser():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--meta", nargs="*", default=[], help="key=value pairs for the JSON")
    return ap


def parse_meta(pairs):
    return {k: number(v) for k, v in (kv.split("=", 1) for kv in pairs)}


def read_runs(path, fields):
    runs = []
    with open(path) as f:
        for line in f:
            row = dict(zip(fields, (number(v) for v in line.rstrip("\n").split("\t"))))
            row["errors"] = sum(row[k] for k in ERROR_FIELDS)
            runs.append(row)
    return runs


def spread(values):
    if None in values:  # latency of pipelined runs: wrk's figures are wrong
        return None
    return {"median": round(statistics.median(values), 3), "min": min(values),
            "max": max(values)}


def ratio(a, b, metric):
    """Ratio of medians of the summaries a and b (each with metric's spread()
    and by_round: round -> row), plus the paired per-round ratios (rounds
    interleave, so a slow drift of the machine cancels out of those); None
    without data."""
    if a[metric] is None or b[metric] is None or not b[metric]["median"]:
        return None
    rounds = sorted(set(a["by_round"]) & set(b["by_round"]))
    per_round = [a["by_round"][r][metric] / b["by_round"][r][metric] for r in rounds
                 if b["by_round"][r][metric]]
    return {"ratio": round(a[metric]["median"] / b[metric]["median"], 3),
            "per_round": [round(x, 3) for x in per_round],
            "paired_median": round(statistics.median(per_round), 3) if per_round else None}


def disturbed_warning(count):
    return (f"warning: {count} run(s) had another process busy on these CPUs"
            " (DISTURBED above); their figures are in the medians")


def noisy_warning(labels):
    return (f"warning: per-round ratios vary by more than {NOISY_SPREAD:.0%} for: "
            + "; ".join(labels) + ". Rerun on a quiet machine or with more ROUNDS")


def now_iso():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def append_json_line(path, record):
    with open(path, "a") as f:
        f.write(json.dumps(record, separators=(",", ":")) + "\n")
