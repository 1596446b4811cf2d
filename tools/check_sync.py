"""Fail if `nbdev_export` would change the library or `nbdev_clean` would change the notebooks.

Works on a dirty tree too: it compares file contents before and after, not against git.
"""
import hashlib, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def snapshot(*dirs):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for d in dirs for p in sorted((root/d).rglob('*')) if p.is_file() and '__pycache__' not in p.parts}

def changed(cmd, *dirs):
    before = snapshot(*dirs)
    subprocess.run([cmd], cwd=root, check=True)
    after = snapshot(*dirs)
    return sorted(str(p.relative_to(root)) for p in set(before) | set(after) if before.get(p) != after.get(p))

bad = False
if (diff := changed('nbdev_export', 'microsynth')):
    print('nbdev_export changed the library (edit the notebooks, not microsynth/*.py; then export and commit both):', *diff, sep='\n  ')
    bad = True
if (diff := changed('nbdev_clean', 'nbs')):
    print('nbdev_clean changed notebooks (commit the cleaned notebooks):', *diff, sep='\n  ')
    bad = True
if bad: sys.exit(1)
print('export and notebooks in sync')
