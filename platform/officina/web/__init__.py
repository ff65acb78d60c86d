"""The web layer: the REST API (and, later, the UI) as Flask blueprints.

May import: Flask, officina.records, officina.auth, officina.definitions.
Writes records only through the records service.
"""
