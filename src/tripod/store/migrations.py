"""The evidence store's schema, as an ordered list of migrations.

Migration N (1-based) takes a database at version N-1 to version N. Never edit a released
step: append a new one. The SQL is kept portable (no SQLite-only types or functions) so
that the same steps can seed a PostgreSQL store later; the SQLite-specific bits (the
version counter, pragmas, AUTOINCREMENT-free integer keys) live in `tripod.store.sqlite`.
Times are ISO 8601 UTC text (`2026-11-27T23:05:00Z`), so they sort as text and the month
is `substr(time, 1, 7)`.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the first schema.
    (
        """
        CREATE TABLE runs (
            run_id      VARCHAR(64) PRIMARY KEY,
            playbook    TEXT,
            inventory   TEXT NOT NULL DEFAULT '[]',   -- JSON list of inventory sources
            clients     TEXT NOT NULL DEFAULT '[]',   -- JSON list, filled at the end of the run
            check_mode  INTEGER NOT NULL DEFAULT 0,
            started_at  VARCHAR(32) NOT NULL,
            ended_at    VARCHAR(32),
            status      VARCHAR(16) NOT NULL DEFAULT 'running'  -- running | ok | failed
        )
        """,
        "CREATE INDEX runs_started ON runs (started_at)",
        """
        CREATE TABLE run_hosts (
            run_id       VARCHAR(64) NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            host         TEXT NOT NULL,
            client       TEXT,
            tier         TEXT,
            status       VARCHAR(16) NOT NULL,  -- ok | changed | failed | unreachable | skipped
            ok           INTEGER NOT NULL DEFAULT 0,
            changed      INTEGER NOT NULL DEFAULT 0,
            failures     INTEGER NOT NULL DEFAULT 0,
            unreachable  INTEGER NOT NULL DEFAULT 0,
            skipped      INTEGER NOT NULL DEFAULT 0,
            rescued      INTEGER NOT NULL DEFAULT 0,
            ignored      INTEGER NOT NULL DEFAULT 0,
            message      TEXT,
            finished_at  VARCHAR(32) NOT NULL,
            PRIMARY KEY (run_id, host)
        )
        """,
        "CREATE INDEX run_hosts_client ON run_hosts (client, finished_at)",
        "CREATE INDEX run_hosts_host ON run_hosts (host, finished_at)",
        """
        CREATE TABLE fact_snapshots (
            id            INTEGER PRIMARY KEY,
            run_id        VARCHAR(64) NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            host          TEXT NOT NULL,
            client        TEXT,
            collected_at  VARCHAR(32) NOT NULL,
            facts         TEXT NOT NULL   -- JSON: ansible_facts.tripod_compliance
        )
        """,
        "CREATE INDEX fact_snapshots_client ON fact_snapshots (client, collected_at)",
        "CREATE INDEX fact_snapshots_host ON fact_snapshots (host, collected_at)",
        "CREATE INDEX fact_snapshots_run ON fact_snapshots (run_id, host)",
        """
        CREATE TABLE findings (
            id           INTEGER PRIMARY KEY,
            run_id       VARCHAR(64) NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            host         TEXT NOT NULL,
            client       TEXT,
            tier         TEXT,
            time         VARCHAR(32) NOT NULL,
            area         VARCHAR(16) NOT NULL,
            check_id     VARCHAR(32) NOT NULL,
            title        TEXT NOT NULL,
            severity     VARCHAR(16) NOT NULL,
            status       VARCHAR(16) NOT NULL,
            evidence     TEXT NOT NULL DEFAULT '',
            remediation  TEXT NOT NULL DEFAULT '',
            waiver       TEXT
        )
        """,
        "CREATE INDEX findings_client_time ON findings (client, time)",
        "CREATE INDEX findings_host_check ON findings (host, check_id, time)",
        "CREATE INDEX findings_run ON findings (run_id, host)",
        """
        CREATE TABLE actions (
            id        INTEGER PRIMARY KEY,
            run_id    VARCHAR(64) NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            host      TEXT NOT NULL,
            client    TEXT,
            tier      TEXT,
            time      VARCHAR(32) NOT NULL,
            area      VARCHAR(16) NOT NULL,
            kind      VARCHAR(32) NOT NULL,
            detail    TEXT NOT NULL,
            bytes     BIGINT,
            changed   INTEGER NOT NULL
        )
        """,
        "CREATE INDEX actions_client_time ON actions (client, time)",
        "CREATE INDEX actions_host_kind ON actions (host, kind, time)",
        "CREATE INDEX actions_run ON actions (run_id, host)",
        # What survives retention: per client, host, month and area, the latest result of
        # every check in that month counted by status, and the actions of the month.
        """
        CREATE TABLE monthly_summaries (
            client          TEXT NOT NULL,
            host            TEXT NOT NULL,
            month           VARCHAR(7) NOT NULL,   -- YYYY-MM
            area            VARCHAR(16) NOT NULL,
            pass            INTEGER NOT NULL DEFAULT 0,
            fail            INTEGER NOT NULL DEFAULT 0,
            error           INTEGER NOT NULL DEFAULT 0,
            not_applicable  INTEGER NOT NULL DEFAULT 0,
            waived          INTEGER NOT NULL DEFAULT 0,
            not_assessed    INTEGER NOT NULL DEFAULT 0,
            score           REAL,
            findings        INTEGER NOT NULL DEFAULT 0,  -- raw finding rows rolled up
            actions         INTEGER NOT NULL DEFAULT 0,
            actions_changed INTEGER NOT NULL DEFAULT 0,
            bytes_reclaimed BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (client, host, month, area)
        )
        """,
        "CREATE INDEX monthly_summaries_month ON monthly_summaries (client, month)",
    ),
)

LATEST_VERSION = len(MIGRATIONS)
