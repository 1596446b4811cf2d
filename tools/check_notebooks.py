"""Report what makes a notebook hard to read: long code cells, and maths before the first picture.

For each notebook in `nbs/` (or the notebooks named on the command line) it prints
  - every code cell with more than `MAX_LINES` lines of code (non-blank lines, nbdev `#|` directives included),
  - the cell index of the first figure and of the first formula, and whether the figure comes first,
  - with `--prose`: markdown phrases that tell the history of the code instead of the method.
It reads the notebooks' JSON only (nothing is executed). Exit status 1 when a cell is too long
or a formula comes before the first figure (`--lines-only` checks the length rule alone).

    python tools/check_notebooks.py                  # all notebooks
    python tools/check_notebooks.py nbs/01_potts.ipynb --prose
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 40
# A figure: a plotting call in a code cell that runs (not an export cell defining functions, not `#| eval: false`),
# an image among a cell's outputs, or an image in markdown.
FIG_CALL = re.compile(r'\bplt\.|\bshow_images\(|\bshow_pair\(|\.plot\(|\.imshow\(|(?<![\w.])plot_\w+\(')
MD_IMAGE = re.compile(r'!\[[^\]]*\]\([^)]+\)|<img\b')
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

def check(path: Path, max_lines: int = MAX_LINES) -> dict:
    cells = json.loads(Path(path).read_text())['cells']
    long = [(i, cell.get('id', '?'), code_lines(cell)) for i, cell in enumerate(cells)
            if cell['cell_type'] == 'code' and code_lines(cell) > max_lines]
    first = lambda pred: next((i for i, c in enumerate(cells) if pred(c)), None)
    fig, formula = first(is_figure), first(is_formula)
    history = [(i, m.group(0)) for i, c in enumerate(cells) if c['cell_type'] == 'markdown'
               for m in HISTORY.finditer(source(c))]
    return dict(name=Path(path).name, long=long, figure=fig, formula=formula,
                figure_first=formula is None or (fig is not None and fig < formula), history=history)

def notebooks(args) -> list:
    return [Path(a) for a in args] if args else sorted((ROOT/'nbs').glob('[!_.]*.ipynb'))

def report(r: dict, prose: bool = False) -> str:
    fmt = lambda i: '-' if i is None else f'cell {i}'
    order = 'ok' if r['figure_first'] else 'FORMULA FIRST'
    out = [f"{r['name']}: {len(r['long'])} long cell(s); first figure {fmt(r['figure'])}, first formula {fmt(r['formula'])}: {order}"]
    out += [f"    cell {i} (id {cid}): {n} lines" for i, cid, n in r['long']]
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
    bad = [r for r in results if r['long'] or (not a.lines_only and not r['figure_first'])]
    print(f"{len(results)} notebooks, {sum(len(r['long']) for r in results)} cells over {a.max_lines} lines, "
          f"{sum(not r['figure_first'] for r in results)} with a formula before the first figure")
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
