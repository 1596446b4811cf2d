"""Timing shared by the scripts in bench/: median and spread of >= 5 repeats, wall and CPU seconds, and ratios against
a baseline timed in the same run.

The machine may be shared. Candidates and their baseline are timed in turns (A B A B ...), so a neighbour that comes
and goes slows them alike and their ratio keeps its meaning; CPU seconds (this process, its finished child processes
and any live worker processes named by pid) are printed beside the wall time, and the load average beside each table.

    from _timing import Candidate, compare, table
    cs = compare([Candidate('baseline', f0, units=n), Candidate('ours', f1, units=n)], repeats=5)
    print(table(cs, 'images'))
"""
import os, resource, statistics, time

def load() -> float: return os.getloadavg()[0]

def cpu_seconds(pids=()) -> float:
    "CPU seconds (user + system) used so far by this process, its waited-for children and the live processes `pids` (Linux /proc)."
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    t, tick = time.process_time() + ch.ru_utime + ch.ru_stime, os.sysconf('SC_CLK_TCK')
    for pid in pids:
        try:
            with open(f'/proc/{pid}/stat') as f: fields = f.read().rsplit(')', 1)[1].split()
            t += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError): pass
    return t

class Candidate:
    "One thing to time: `f()` does one repeat's work of `units` units (images, iterations, attempts); `pids()` names live worker processes whose CPU time counts."
    def __init__(self, name:str, f, units:float=1., pids=tuple):
        self.name, self.f, self.units, self.pids = name, f, units, pids
        self.wall, self.cpu, self.loads = [], [], []

    def run(self):
        "Time one call of `f`: wall seconds, CPU seconds, the load average (the higher of before and after)."
        ps = tuple(self.pids()); l0, c0, w0 = load(), cpu_seconds(ps), time.perf_counter()
        out = self.f()
        w = time.perf_counter() - w0; c = cpu_seconds(ps) - c0
        self.wall.append(w); self.cpu.append(c); self.loads.append(max(l0, load()))
        return out

    @property
    def median(self) -> float: return statistics.median(self.wall)
    @property
    def median_cpu(self) -> float: return statistics.median(self.cpu)
    @property
    def rate(self) -> float: return self.units / self.median
    @property
    def cpu_rate(self) -> float: return self.units / self.median_cpu
    def spread(self) -> str:
        "min-max of the per-repeat rates, and half their range in percent of the median rate."
        r = sorted(self.units / w for w in self.wall)
        return f"{r[0]:.3g}-{r[-1]:.3g} ±{50 * (r[-1] - r[0]) / self.rate:.0f}%"

def compare(candidates:list, repeats:int=5, warmup:int=1) -> list:
    "Run each candidate `warmup` times untimed, then time them `repeats` times in turns; returns `candidates`."
    if repeats < 5: print(f"note: {repeats} repeats; the benchmarks' rule is at least 5")
    for _ in range(warmup):
        for c in candidates: c.f()
    for _ in range(repeats):
        for c in candidates: c.run()
    return candidates

def table(candidates:list, unit:str='items', baseline:Candidate|None=None) -> str:
    "One line per candidate: median rate (wall), min-max and spread over the repeats, median wall and CPU seconds per repeat, units per CPU-second, ratio to `baseline` (default: the first)."
    base = baseline or candidates[0]
    w = max(len(c.name) for c in candidates)
    rows = [f"load average {load():.2f} now, {min(min(c.loads) for c in candidates):.2f}-{max(max(c.loads) for c in candidates):.2f} "
            f"while timing, on {os.cpu_count()} cores; median of {len(base.wall)} repeats, candidates timed in turns",
            f"{'':{w}}  {unit + '/s':>12}  {'min-max, spread':>22}  {'wall s':>8}  {'CPU s':>8}  {unit + '/CPU-s':>14}  {'vs ' + base.name}"]
    for c in candidates:
        rows.append(f"{c.name:{w}}  {c.rate:12.4g}  {c.spread():>22}  {c.median:8.3f}  {c.median_cpu:8.3f}  {c.cpu_rate:14.4g}  "
                    f"{c.rate / base.rate:.2f}x (CPU {c.cpu_rate / base.cpu_rate:.2f}x)")
    return '\n'.join(rows)
