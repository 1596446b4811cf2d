"""Report what makes a notebook hard to read: long code cells, maths before the first picture, packed code, lab notes.

For each notebook in `nbs/` (or the notebooks named on the command line) it prints
  - every code cell with more than `MAX_LINES` lines of code (non-blank lines, nbdev `#|` directives included),
  - the cell index of the first figure and of the first formula, and whether the figure comes first,
  - statements joined with `;` on one line (a trailing `;` that hides a plot's return value is not one),
  - calls of the project's functions with more than `MAX_POSITIONAL` positional arguments,
  - markdown that cites a run folder the repository does not hold: a measured run lives in `results/<run>/`
    (its `summary.json`, read by a cell); `runs/` is where runs are made and is not committed, so prose may name
    the folders `make demo` writes (`runs/smoke`, `runs/laptop`, `runs/paper`) as places, never as a source of numbers,
  - with `--prose`: markdown phrases that tell the history of the code instead of the method.
It reads the notebooks' JSON and the library's source only (nothing is executed). Exit status 1 when any of these
is found (`--lines-only` checks the length rule alone; the figure order is checked unless `--lines-only`).

    python tools/check_notebooks.py                  # all notebooks
    python tools/check_notebooks.py nbs/01_potts.ipynb --prose
"""
import argparse, ast, functools, io, json, re, sys, tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 40
MAX_POSITIONAL = 4
USER_RUNS = {'smoke', 'laptop', 'paper'}  # the run folders `make demo PROFILE=...` writes: places a reader's own run lands
RUN_FOLDER = re.compile(r'(?<![\w/.])(runs|results)/([A-Za-z0-9][\w.-]*)((?:/[\w.-]+)*)')
# A figure: a plotting call in a code cell that runs (not an export cell defining functions, not `#| eval: false`),
# an image among a cell's outputs, or an image in markdown.
FIG_CALL = re.compile(r'\bplt\.|\bshow_images\(|\bshow_pair\(|\.plot\(|\.imshow\(|(?<![\w.])plot_\w+\(')
MD_IMAGE = re.compile(r'!\[[^\]]*\]\([^)]+\)|<img\b')
CODE_FENCE = re.compile(r'```.*?```', re.S)
CODE_SPAN = re.compile(r'```.*?```|`[^`\n]*`', re.S)
FORMULA = re.compile(r'\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]*?\S\$(?!\w)', re.S)
HISTORY = re.compile(r'\bthe issue\b|\bissue \d+|\bfirst version\b|\bwe used to\b|\blast stop\b|\bused to be\b|'
                     r'\bpreviously\b|\bno longer\b|\bnow (?:uses|takes|runs|is)\b|\bwas changed\b|\breview\b', re.I)

def source(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s

def code_lines(cell) -> int:
    "Non-blank lines of a code cell."
    return sum(1 for l in source(cell).splitlines() if l.strip())

def directives(cell) -> set:
    return {l[3:].strip() for l in source(cell).splitlines() if l.startswith('#|')}

def is_figure(cell) -> bool:
    if cell['cell_type'] == 'markdown': return bool(MD_IMAGE.search(source(cell)))
    if cell['cell_type'] != 'code': return False
    if any(k.startswith('image/') for o in cell.get('outputs', []) for k in o.get('data', {})): return True
    d = directives(cell)
    if d & {'export', 'exporti', 'eval: false', 'eval:false'}: return False
    code = [l for l in source(cell).splitlines() if not l.lstrip().startswith(('#', 'def '))]
    return any(FIG_CALL.search(l) for l in code)

def is_formula(cell) -> bool:
    return cell['cell_type'] == 'markdown' and bool(FORMULA.search(CODE_SPAN.sub('', source(cell))))

def python_of(cell) -> str:
    "A code cell's source with IPython magics and shell lines commented out, so that `ast`/`tokenize` read it."
    return '\n'.join('#' + l if l.lstrip().startswith(('%', '!')) else l for l in source(cell).splitlines()) + '\n'

def joined_statements(src: str) -> list:
    "Line numbers (1-based) of `src` where `;` joins two statements."
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    ends = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER}
    return sorted({t.start[0] for t, nxt in zip(toks, toks[1:]) if t.type == tokenize.OP and t.string == ';' and nxt.type not in ends})

@functools.cache
def project_callables(root: Path = ROOT) -> frozenset:
    "Names of the functions, methods and classes the library defines (dunder methods left out)."
    names = set()
    for p in (root/'microsynth').glob('*.py'):
        for n in ast.walk(ast.parse(p.read_text())):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith('__'): names.add(n.name)
    return frozenset(names)

def long_calls(src: str, names=None, max_positional: int = MAX_POSITIONAL) -> list:
    "(line, name, count) of each call in `src` of a callable in `names` (default: the library's) with more than `max_positional` positional arguments."
    names = project_callables() if names is None else names
    out = []
    for n in ast.walk(ast.parse(src)):
        if not isinstance(n, ast.Call): continue
        f = n.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name in names and len(n.args) > max_positional: out.append((n.lineno, name, len(n.args)))
    return out

def cited_runs(text: str, root: Path = ROOT) -> list:
    "Run folders `text` cites that the repository does not hold: `results/<run>` missing, `runs/<run>` other than `USER_RUNS`, or any `runs/.../summary.json`."
    bad = []
    for m in RUN_FOLDER.finditer(CODE_FENCE.sub('', text)):
        kind, name, rest = m.groups()
        kept = (root/'results'/name).exists()
        if kind == 'results': missing = not (root/'results'/name/rest.lstrip('/')).exists()
        else: missing = 'summary.json' in rest or (name not in USER_RUNS and not kept)
        if missing: bad.append(m.group(0))
    return bad

def check(path: Path, max_lines: int = MAX_LINES) -> dict:
    cells = json.loads(Path(path).read_text())['cells']
    long = [(i, cell.get('id', '?'), code_lines(cell)) for i, cell in enumerate(cells)
            if cell['cell_type'] == 'code' and code_lines(cell) > max_lines]
    first = lambda pred: next((i for i, c in enumerate(cells) if pred(c)), None)
    fig, formula = first(is_figure), first(is_formula)
    history = [(i, m.group(0)) for i, c in enumerate(cells) if c['cell_type'] == 'markdown'
               for m in HISTORY.finditer(source(c))]
    code = [(i, python_of(c)) for i, c in enumerate(cells) if c['cell_type'] == 'code']
    joined = [(i, l) for i, src in code for l in joined_statements(src)]
    calls = [(i, l, f, n) for i, src in code for l, f, n in long_calls(src)]
    runs = [(i, r) for i, c in enumerate(cells) if c['cell_type'] == 'markdown' for r in cited_runs(source(c))]
    return dict(name=Path(path).name, long=long, figure=fig, formula=formula,
                figure_first=formula is None or (fig is not None and fig < formula), history=history,
                joined=joined, calls=calls, runs=runs)

def notebooks(args) -> list:
    return [Path(a) for a in args] if args else sorted((ROOT/'nbs').glob('[!_.]*.ipynb'))

def report(r: dict, prose: bool = False) -> str:
    fmt = lambda i: '-' if i is None else f'cell {i}'
    order = 'ok' if r['figure_first'] else 'FORMULA FIRST'
    out = [f"{r['name']}: {len(r['long'])} long cell(s); first figure {fmt(r['figure'])}, first formula {fmt(r['formula'])}: {order}"]
    out += [f"    cell {i} (id {cid}): {n} lines" for i, cid, n in r['long']]
    out += [f"    cell {i}, line {l}: statements joined with ';'" for i, l in r['joined']]
    out += [f"    cell {i}, line {l}: {f}(...) with {n} positional arguments (more than {MAX_POSITIONAL}: pass them by name)" for i, l, f, n in r['calls']]
    out += [f"    cell {i}: cites {run}, which the repository does not hold (a measured run lives in results/<run>/)" for i, run in r['runs']]
    if prose: out += [f"    cell {i}: history? {w!r}" for i, w in r['history']]
    return '\n'.join(out)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('paths', nargs='*', help='notebooks (default: every notebook in nbs/)')
    p.add_argument('--max-lines', type=int, default=MAX_LINES)
    p.add_argument('--prose', action='store_true', help='also list phrases that tell the history of the code')
    p.add_argument('--lines-only', action='store_true', help='fail on long cells only, not on the figure order')
    a = p.parse_args(argv)
    results = [check(nb, a.max_lines) for nb in notebooks(a.paths)]
    for r in results: print(report(r, a.prose))
    bad = [r for r in results if r['long'] or (not a.lines_only and (not r['figure_first'] or r['joined'] or r['calls'] or r['runs']))]
    print(f"{len(results)} notebooks, {sum(len(r['long']) for r in results)} cells over {a.max_lines} lines, "
          f"{sum(not r['figure_first'] for r in results)} with a formula before the first figure, "
          f"{sum(len(r['joined']) for r in results)} joined statements, {sum(len(r['calls']) for r in results)} long positional calls, "
          f"{sum(len(r['runs']) for r in results)} citations of runs not kept")
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
