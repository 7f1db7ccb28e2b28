"""Compiling catalogues for a test: a language's .po files into .mo files in a temporary folder
that the app then reads, so tests need no `make install` and leave the real folder alone."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from dispatch.extensions import babel

HERE = Path(__file__).parent
TEST_CATALOGUES = HERE / "catalogue"
REAL_CATALOGUES = HERE.parents[1] / "dispatch" / "translations"


def compile_into(source: Path, target: Path) -> list[str]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``source`` into ``target``; the
    languages compiled. Fuzzy entries are left out, as ``pybabel compile`` does."""
    languages = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        language = po.parts[-3]
        with po.open("rb") as f:
            catalogue = read_po(f, locale=language)
        out = target / language / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.mo").open("wb") as f:
            write_mo(f, catalogue)
        languages.append(language)
    return languages


@contextmanager
def catalogues_of(app: Flask, source: Path, target: Path):
    """The app translates with the catalogues of ``source`` (compiled into ``target``) inside
    the block. Flask-Babel keeps loaded translations for the process: emptied before and after,
    so that no other test sees these."""
    compile_into(source, target)
    config = app.extensions["babel"]
    before = config.translation_directories
    config.translation_directories = [str(target)]
    babel.domain_instance.cache.clear()
    try:
        yield
    finally:
        config.translation_directories = before
        babel.domain_instance.cache.clear()
