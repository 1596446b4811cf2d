"Notebooks that teach (issue 14): no code cell over 40 lines, and a picture before the first formula. Reads the notebooks' JSON only."
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from check_notebooks import MAX_LINES, check, notebooks

NOTEBOOKS = notebooks([])

def test_there_are_notebooks(): assert len(NOTEBOOKS) > 10

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_over_40_lines(nb):
    long = check(nb)['long']
    assert not long, f"{nb.name}: code cells over {MAX_LINES} non-blank lines: " + ', '.join(f'cell {i} (id {c}): {n}' for i, c, n in long)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_first_figure_before_first_formula(nb):
    r = check(nb)
    assert r['figure_first'], f"{nb.name}: first formula in cell {r['formula']}, first figure in cell {r['figure']}"

def test_checker_counts_lines_and_finds_formulas(tmp_path):
    import json
    cell = lambda t, s: dict(cell_type=t, source=s, metadata={}, **({'outputs': []} if t == 'code' else {}))
    nb = dict(cells=[cell('markdown', 'cost `$x$` in code, then $E = J$'), cell('code', 'plt.plot(x)'),
                     cell('code', '\n'.join(['x = 1', ''] * 41))], metadata={}, nbformat=4, nbformat_minor=5)
    p = tmp_path/'t.ipynb'; p.write_text(json.dumps(nb))
    r = check(p)
    assert r['formula'] == 0 and r['figure'] == 1 and not r['figure_first']
    assert [(i, n) for i, _, n in r['long']] == [(2, 41)]
