"""The desktop wizard: the only package that may import PySide6 or qasync (its pages arrive with the GUI issue).

``wizard.engine`` and ``wizard.storage`` must never import this package; an import-linter contract in
``make test`` enforces it.
"""
