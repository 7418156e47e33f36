"""The PostgreSQL test server itself: it starts, listens on 127.0.0.1 only, and gives fresh databases."""

import shutil
import subprocess


def test_fresh_databases_are_empty_and_apart(pg_cluster, pg_database):
    other = pg_cluster.new_database()
    assert other != pg_database
    psql = shutil.which("psql")
    assert psql, "psql is installed with the server"
    tables = subprocess.run([psql, pg_database, "-qAt", "-c",
                             "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert tables == "0"
    listen = subprocess.run([psql, pg_cluster.url, "-qAt", "-c", "SHOW listen_addresses"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert listen in ("127.0.0.1", "localhost")
