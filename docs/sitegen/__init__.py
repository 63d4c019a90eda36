"""Build-time generators of the documentation site: every page here is made from the code, never copied from it.

``generate(srcdir)`` is called by ``docs/conf.py`` before Sphinx reads the sources. It writes:

- ``_generated/*.md``: the references (parameter registry, metrics catalogue, provider kinds, scenario-file
  fields, the command-line ``--help`` of every command, the Python API's autodoc directives);
- ``course/``: the eight notebooks, executed (or reused from the test run's cache, see ``course.py``), with
  their solutions folded and their run times shown;
- ``gallery/``: every shipped scenario with its question, design and a small run's report (``gallery.py``);
- ``_generated/screenshots/``: the dashboard page by page (``screenshots.py``), when Chromium is installed.

Everything it writes is ignored by git.
"""

from __future__ import annotations

import time
from pathlib import Path


def generate(srcdir: Path) -> None:
    """Write every generated source of the site under ``srcdir``, saying how long each part took."""
    from . import course, gallery, references, screenshots

    # screenshots first: the references' dashboard page shows them
    for name, part in [("screenshots", screenshots.write), ("references", references.write),
                       ("course", course.write), ("gallery", gallery.write)]:
        start = time.monotonic()
        part(srcdir)
        print(f"docs: {name} generated in {time.monotonic() - start:.1f} s", flush=True)
