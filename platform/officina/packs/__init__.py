"""Packs: manifests, the catalogue of available packs, dependency resolution,
and installing, upgrading and removing them on a site.

catalog, resolve and versions may import officina.definitions and
officina.errors only, never Flask or SQLAlchemy. changes (planning),
apply, seeding (with seed_records and seed_refresh) and site_file (the
site's pack changes) also use the site, schema, records and runtime
layers; never Flask.
"""
