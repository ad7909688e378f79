"""Django's PostgreSQL backend with a quick probe before each new connection (see base.py)."""
