"""Migration Wizard: move the objects of one storage location into another, verified and resumable."""

__version__ = "0.1.0"
