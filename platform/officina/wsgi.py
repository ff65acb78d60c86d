"""The WSGI entry point for gunicorn: `officina.wsgi:app`.

The site folder comes from OFFICINA_SITE (default: the working folder).
"""

from officina.app import create_app

app = create_app()
