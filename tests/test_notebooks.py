"Notebooks that teach: no code cell over 40 lines, a picture before the first formula, one statement a line, calls past four arguments by name, and no lab notes citing runs the repository lacks. Reads the notebooks' JSON only."
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from check_notebooks import MAX_LINES, MAX_POSITIONAL, check, cited_runs, joined_statements, long_calls, notebooks

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

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_one_statement_a_line(nb):
    joined = check(nb)['joined']
    assert not joined, f"{nb.name}: statements joined with ';' in " + ', '.join(f'cell {i} line {l}' for i, l in joined)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_long_calls_pass_arguments_by_name(nb):
    calls = check(nb)['calls']
    assert not calls, f"{nb.name}: calls with more than {MAX_POSITIONAL} positional arguments: " + ', '.join(f'cell {i} line {l} {f}({n})' for i, l, f, n in calls)

@pytest.mark.parametrize('py', sorted([*(ROOT/'tests').glob('*.py'), *(ROOT/'bench').glob('*.py')]), ids=lambda p: f'{p.parent.name}/{p.name}')
def test_scripts_pass_long_calls_by_name(py):
    calls = long_calls(py.read_text())
    assert not calls, f"{py.name}: " + ', '.join(f'line {l} {f}({n})' for l, f, n in calls)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_cites_only_kept_runs(nb):
    runs = check(nb)['runs']
    assert not runs, f"{nb.name}: markdown cites run folders the repository does not hold: " + ', '.join(f'cell {i}: {r}' for i, r in runs)

def test_checker_finds_packed_code_and_lab_notes(tmp_path):
    test_src = 'a = 1; b = 2\nplt.plot(x);\nc = "x; y"  # z; w\n'
    assert joined_statements(test_src) == [1]
    assert long_calls('f(1, 2, 3, 4, 5)\nf(1, 2, 3, 4, e=5)\ng(1, 2, 3, 4, 5)\n', names={'f'}) == [(1, 'f', 5)]
    (tmp_path/'results'/'kept').mkdir(parents=True)
    (tmp_path/'results'/'kept'/'summary.json').write_text('{}')
    text = ('`make demo` writes runs/smoke; see results/kept/summary.json and runs/kept, '
            'not runs/laptop-x, runs/laptop/summary.json or results/gone')
    assert cited_runs(text, root=tmp_path) == ['runs/laptop-x', 'runs/laptop/summary.json', 'results/gone']
