"""Packs: manifests, the catalogue of available packs, dependency resolution.

May import: officina.definitions, officina.errors. Never Flask or SQLAlchemy.
"""
