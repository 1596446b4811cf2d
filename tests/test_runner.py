"Profiles, the runner's notebook selection, and the CLI."
import ast, json, subprocess, sys
from pathlib import Path
import nbformat, pytest
from microsynth.runner import declared_parameters, load_profiles, sequence

NBS = Path(__file__).resolve().parents[1]/'nbs'

def parameters_cell(nb):
    cells = [c for c in nbformat.read(nb, as_version=4).cells if 'parameters' in c.metadata.get('tags', [])]
    return {t.id: ast.literal_eval(n.value) for n in ast.parse(cells[0].source).body if isinstance(n, ast.Assign) for t in n.targets}

@pytest.mark.parametrize('nb', sequence(NBS), ids=lambda p: p.stem)
def test_notebook_defaults_are_the_smoke_profile(nb):
    "A notebook's parameters cell holds the smoke values, so a plain run and nbdev_test are the smoke run."
    profs, vals = load_profiles(), parameters_cell(nb)
    smoke = {**{k: v for k, v in profs['smoke'].get('all', {}).items() if k in vals}, **profs['smoke'].get(nb.stem, {})}
    assert {k: vals[k] for k in smoke} == smoke
    for prof in ('laptop', 'paper'):
        assert set(profs[prof].get(nb.stem, {})) <= set(vals), f'{prof} sets names {nb.stem} does not declare'
        assert set(profs[prof].get(nb.stem, {})) == set(profs['smoke'].get(nb.stem, {})), f'{prof} and smoke set different names for {nb.stem}'

@pytest.mark.parametrize('nb', sequence(NBS), ids=lambda p: p.stem)
def test_papermill_reads_every_parameter(nb):
    "papermill's own parser must see each name, else it warns 'Unable to parse line' (e.g. quotes or '=' in a comment)."
    from papermill.translators import PythonTranslator
    cell = [c for c in nbformat.read(nb, as_version=4).cells if 'parameters' in c.metadata.get('tags', [])][0]
    assert [p.name for p in PythonTranslator.inspect(cell)] == declared_parameters(nb)

def test_every_profile_section_names_a_notebook():
    stems = {p.stem for p in NBS.glob('*.ipynb')}
    for prof, secs in load_profiles().items():
        named = {k for k, v in secs.items() if v} - {'all'}
        assert not named - stems, f'[{prof}.*] sets values for notebooks that do not exist: {named - stems}'

def test_only_selects_by_prefix():
    assert [p.stem for p in sequence(NBS, only=['00c'])] == ['00c_realdata']
    with pytest.raises(ValueError, match='no notebook'): sequence(NBS, only=['99'])
    with pytest.raises(ValueError, match=r"--only 99: no notebook in .* starts with '99' \(they are 00_core, "): sequence(NBS, only=['00c', '99'])  # one bad prefix is enough

def cli(*args):
    return subprocess.run([str(Path(sys.executable).parent/'microsynth'), *args], capture_output=True, text=True)  # the installed console script

def test_cli_unknown_profile():
    r = cli('run', '--profile', 'huge')
    assert r.returncode == 2 and "unknown profile 'huge'" in r.stderr and 'smoke' in r.stderr

def test_cli_profiles_lists_all_three():
    r = cli('profiles')
    assert r.returncode == 0 and {'smoke', 'laptop', 'paper'} <= set(json.loads(r.stdout))

def test_cli_predict_reports_a_missing_folder(tmp_path):
    r = cli('predict', str(tmp_path/'model'), str(tmp_path/'nowhere'), str(tmp_path/'out'))
    assert r.returncode == 2 and 'nowhere does not exist' in r.stderr
    assert not (tmp_path/'out').exists()

def test_cli_predict_help_lists_options():
    r = cli('predict', '-h')
    assert r.returncode == 0 and '--pixel-size-um' in r.stdout

def test_cli_set_needs_name_equals_value():
    r = cli('run', '--profile', 'smoke', '--only', '00_core', '--set', 'pretrained')
    assert r.returncode == 2 and 'NAME=VALUE' in r.stderr

def test_cli_set_unknown_parameter_names_it(tmp_path):
    r = cli('run', '--profile', 'smoke', '--only', '00_core', '--out', str(tmp_path), '--set', 'pretrained=false')
    assert r.returncode == 2 and '--set pretrained' in r.stderr
    assert not (tmp_path/'notebooks').exists()  # refused before anything ran

def test_cli_run_records_its_command(tmp_path):
    "Each notebook's entry in summary.json names the command that ran it: a committed result says how to make it again."
    nbs = tmp_path/'nbs'
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1', metadata=dict(tags=['parameters'])), nbformat.v4.new_code_cell('print(x)')])
    nbformat.write(nb, nbs/'00_toy.ipynb')
    r = cli('run', '--profile', 'smoke', '--nbs', str(nbs), '--out', str(tmp_path/'out'), '--set', 'x=2')
    assert r.returncode == 0, r.stderr
    entry = json.loads((tmp_path/'out'/'summary.json').read_text())['notebooks']['00_toy']
    assert entry['command'] == f"microsynth run --profile smoke --out {tmp_path/'out'} --nbs {nbs} --set x=2"
    assert entry['parameters']['x'] == 2
