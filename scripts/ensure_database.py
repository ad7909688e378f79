"""Create the database named by DATABASE_URL if it does not exist yet (PostgreSQL only)."""

import os
import sys

import environ
import psycopg2
from psycopg2 import sql

DEFAULT = "postgres://postgres@127.0.0.1:5432/puhui"


def main() -> int:
    url = os.environ.get("DATABASE_URL", DEFAULT)
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        print(f"DATABASE_URL must point at PostgreSQL, not {config['ENGINE']}", file=sys.stderr)
        return 2
    name = config["NAME"]
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "connect_timeout": 5,
    }
    connection = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
