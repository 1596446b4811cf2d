"The run report `runs/<name>/index.html`: every notebook of a run appears with its status and figures, and every link resolves."
import json, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path
import nbformat, pytest
from microsynth.runner import RunError, run, write_report

class Page(HTMLParser):
    "The link targets, image sources and notebook sections (id -> status) of a report page."
    def __init__(self, path):
        super().__init__(); self.links, self.sections, self._sec = [], {}, None
        self.feed(Path(path).read_text())
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.links += [a[k] for k in ('href', 'src') if k in a and not a[k].startswith('#')]
        if tag == 'section': self._sec = a['id']
        if tag == 'span' and self._sec and self._sec not in self.sections: self.sections[self._sec] = a['class']

def toy_nb(path, params_src, body_src):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params_src); p.metadata['tags'] = ['parameters']
    nb.cells = [nbformat.v4.new_markdown_cell(f'# {path.stem}'), p, nbformat.v4.new_code_cell(body_src)]
    nb.metadata['kernelspec'] = dict(name='python3', language='python', display_name='Python 3')
    nbformat.write(nb, path)

@pytest.fixture(scope='module')
def failed_run(tmp_path_factory):
    "A three-notebook run: 01_a draws two figures and records numbers, 02_b fails, 03_c is never reached."
    nbs = tmp_path_factory.mktemp('nbs')
    toy_nb(nbs/'01_a.ipynb', 'n = 2', 'import matplotlib.pyplot as plt\nfrom microsynth.core import record\n'
           'plt.plot(range(n)); plt.show()\nplt.imshow([[0, 1]]); plt.show()\nrecord("score", 0.123456); record("curve", [0.5, 0.25])')
    toy_nb(nbs/'02_b.ipynb', 'msg = "hi"', 'assert msg == "ok", "<b>not escaped</b>"')
    toy_nb(nbs/'03_c.ipynb', 'k = 1', 'print(k)')
    out = nbs.parent/'run'
    with pytest.raises(RunError): run('smoke', out=out, nbs_path=nbs, profiles={'smoke': {}}, log=lambda *a: None)
    return out

def test_every_notebook_appears_with_its_status(failed_run):
    page = Page(failed_run/'index.html')
    assert page.sections == {'01_a': 'ok', '02_b': 'failed', '03_c': 'not-run'}
    html = (failed_run/'index.html').read_text()
    assert 'AssertionError: &lt;b&gt;not escaped&lt;/b&gt;' in html  # the error, escaped
    assert '0.1235' in html and '[0.5, 0.25]' in html  # the recorded numbers
    s = json.loads((failed_run/'summary.json').read_text())
    assert s['sequence'] == ['01_a', '02_b', '03_c'] and {'cpu', 'cores', 'torch', 'device'} <= set(s['machine'])

def test_figures_and_links_resolve(failed_run):
    links = Page(failed_run/'index.html').links
    assert [l for l in links if not (failed_run/l).is_file()] == []
    assert not [l for l in links if '://' in l or l.startswith('/')]  # relative: the folder opens anywhere
    assert {'figures/01_a-01.png', 'figures/01_a-02.png', 'notebooks/01_a.html', 'notebooks/02_b.html', 'summary.json'} <= set(links)
    nb_page = Page(failed_run/'notebooks'/'01_a.html')
    assert '../index.html' in nb_page.links
    assert (failed_run/'notebooks'/'01_a.html').read_text().count('src="data:image/png;base64,') == 2  # figures inside the page

def test_report_of_an_existing_folder_again(failed_run, tmp_path):
    (failed_run/'index.html').unlink()
    assert write_report(failed_run) == failed_run/'index.html' and Page(failed_run/'index.html').sections['03_c'] == 'not-run'
    with pytest.raises(FileNotFoundError, match='no summary.json'): write_report(tmp_path)

def test_cli_report_names_a_folder_that_is_no_run(tmp_path):
    r = subprocess.run([str(Path(sys.executable).parent/'microsynth'), 'report', str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and 'no summary.json' in r.stderr
