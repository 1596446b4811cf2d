"What the tests that run the `microsynth` command share: the command itself, and the one-line error it must print."
import os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MICROSYNTH = str(Path(sys.executable).parent/'microsynth')
ENV = {**os.environ, 'PYTHONPATH': str(ROOT)}

def cli(*args, env=None):
    "Exit status, stdout and stderr of the installed `microsynth` command (this worktree's package via PYTHONPATH)."
    r = subprocess.run([MICROSYNTH, *map(str, args)], capture_output=True, text=True, env={**ENV, **(env or {})})
    return r.returncode, r.stdout, r.stderr

def one_line(err, *parts):
    "`err` is one line `microsynth: error: ...` holding every one of `parts`, and no traceback."
    assert err.count('\n') == 1 and err.startswith('microsynth: error: '), err
    assert 'Traceback' not in err
    for p in parts: assert str(p) in err, (p, err)

def files_under(p):
    "Paths (relative, sorted) of the files under `p`; none if it does not exist."
    return sorted(str(q.relative_to(p)) for q in Path(p).rglob('*') if q.is_file()) if Path(p).exists() else []
