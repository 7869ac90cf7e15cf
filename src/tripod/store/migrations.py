"""The evidence store's schema, as an ordered list of migrations.

Migration N (1-based) takes a database at version N-1 to version N. Never edit a released
step: append a new one. The SQL is kept portable (no SQLite-only types or functions): the
same steps build the SQLite and the PostgreSQL store. What differs (the version counter, the
column types PostgreSQL spells otherwise: INTEGER keys, REAL) lives in `tripod.store.dialect`.
Times are ISO 8601 UTC text (`2026-11-27T23:05:00Z`), so they sort as text and the month
is `substr(time, 1, 7)`.
"""

from __future__ import annotations

#: Fills `latest_results` from the findings (migration 4; also for stores written row by row).
LATEST_RESULTS_FROM_FINDINGS = """
    INSERT INTO latest_results (client, month, host, check_id, time, finding_id)
    SELECT client, month, host, check_id, time, id FROM (
        SELECT client, substr(time, 1, 7) AS month, host, check_id, time, id,
               ROW_NUMBER() OVER (PARTITION BY client, substr(time, 1, 7), host, check_id
                                  ORDER BY time DESC, id DESC) AS rn
        FROM findings WHERE client IS NOT NULL
    ) AS ranked
    WHERE rn = 1
"""


class PerDialect(str):
    """A step whose SQL differs by dialect: the string itself is SQLite's ('' for nothing to do),
    `postgresql` PostgreSQL's."""

    postgresql: str

    def __new__(cls, *, sqlite: str, postgresql: str) -> PerDialect:
        step = super().__new__(cls, sqlite)
        step.postgresql = postgresql
        return step


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
    # 2: engineer sign-offs of the twice-yearly review (`tripod review sign`).
    (
        """
        CREATE TABLE review_signoffs (
            id             INTEGER PRIMARY KEY,
            client         TEXT NOT NULL,
            half           VARCHAR(7) NOT NULL,    -- YYYY-H1 or YYYY-H2
            engineer       TEXT NOT NULL,
            notes          TEXT NOT NULL,
            signed_at      VARCHAR(32) NOT NULL,
            review_digest  VARCHAR(64)             -- sha256 of the review's figures when signed
        )
        """,
        "CREATE INDEX review_signoffs_client ON review_signoffs (client, half, signed_at)",
    ),
    # 3: triage. Tickets (at most one open per problem: client, host, check), the outbox of
    # their events to each sink, the per-host cursor over findings, and the alerts held in
    # a maintenance window. docs/triage.md documents every column.
    (
        """
        CREATE TABLE tickets (
            ticket_id       VARCHAR(40) PRIMARY KEY,       -- TRP-TKT-<12 hex digits>
            client          TEXT NOT NULL DEFAULT '',
            host            TEXT NOT NULL,
            tier            TEXT,
            check_id        VARCHAR(128) NOT NULL,         -- TRP-... or alert:<alertname>
            source          VARCHAR(16) NOT NULL,          -- finding | alertmanager
            title           TEXT NOT NULL,
            severity        VARCHAR(16) NOT NULL,          -- info | low | medium | high | critical
            priority        VARCHAR(2) NOT NULL,           -- P1 | P2 | P3 | P4
            desk_tier       INTEGER NOT NULL,              -- Service Desk tier: 1 | 2 | 3
            status          VARCHAR(16) NOT NULL,          -- open | resolved
            evidence        TEXT NOT NULL DEFAULT '',
            remediation     TEXT NOT NULL DEFAULT '',
            occurrences     INTEGER NOT NULL DEFAULT 1,
            opened_at       VARCHAR(32) NOT NULL,
            updated_at      VARCHAR(32) NOT NULL,
            last_seen_at    VARCHAR(32) NOT NULL,
            resolved_at     VARCHAR(32),
            resolution      TEXT,
            source_ref      TEXT NOT NULL,                 -- the last observation: finding:<id> | alert:<fp>@<start>
            delivery        VARCHAR(16) NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
            delivery_error  TEXT
        )
        """,
        # The database itself refuses a second open ticket for the same problem.
        "CREATE UNIQUE INDEX tickets_open_problem ON tickets (client, host, check_id) WHERE status = 'open'",
        "CREATE INDEX tickets_client_opened ON tickets (client, opened_at)",
        "CREATE INDEX tickets_problem ON tickets (client, host, check_id, opened_at)",
        """
        CREATE TABLE ticket_events (
            id               INTEGER PRIMARY KEY,
            ticket_id        VARCHAR(40) NOT NULL REFERENCES tickets (ticket_id) ON DELETE CASCADE,
            seq              INTEGER NOT NULL,             -- 1: opened, then each update, then resolved
            event            VARCHAR(16) NOT NULL,         -- opened | updated | resolved
            sink             VARCHAR(16) NOT NULL,         -- jsonl | webhook | email
            target           TEXT NOT NULL,                -- JSON: the sink's settings, never a secret
            idempotency_key  VARCHAR(80) NOT NULL,         -- <ticket_id>-<seq>, the same for every sink
            payload          TEXT NOT NULL,                -- JSON: the ticket as it was at this event
            status           VARCHAR(16) NOT NULL DEFAULT 'pending',  -- pending | sending | sent | failed
            attempts         INTEGER NOT NULL DEFAULT 0,
            last_error       TEXT,
            claimed_by       TEXT,                         -- host:pid of the process sending it
            claimed_at       VARCHAR(32),
            created_at       VARCHAR(32) NOT NULL,
            sent_at          VARCHAR(32),
            UNIQUE (ticket_id, seq, sink)
        )
        """,
        "CREATE INDEX ticket_events_status ON ticket_events (status, id)",
        """
        CREATE TABLE triage_cursors (
            client      TEXT NOT NULL,
            host        TEXT NOT NULL,
            finding_id  BIGINT NOT NULL,                   -- the host is triaged up to this findings.id
            updated_at  VARCHAR(32) NOT NULL,
            PRIMARY KEY (client, host)
        )
        """,
        """
        CREATE TABLE triage_suppressed (
            id           INTEGER PRIMARY KEY,
            client       TEXT NOT NULL DEFAULT '',
            host         TEXT NOT NULL,
            check_id     VARCHAR(128) NOT NULL,
            severity     VARCHAR(16) NOT NULL,
            source       VARCHAR(16) NOT NULL,             -- finding | alertmanager
            source_ref   TEXT NOT NULL UNIQUE,
            observed_at  VARCHAR(32) NOT NULL,
            reason       TEXT NOT NULL
        )
        """,
        "CREATE INDEX triage_suppressed_client ON triage_suppressed (client, observed_at)",
    ),
    # 4: for reports, each host's latest result of each check per client and month, kept up
    # to date as findings are written (tripod.store.writes), so a monthly report reads it in
    # key order instead of ranking a month of findings. No foreign key: retention deletes a
    # month of these rows with the month's findings (tripod.store.retention).
    (
        """
        CREATE TABLE latest_results (
            client      TEXT NOT NULL,
            month       VARCHAR(7) NOT NULL,    -- YYYY-MM of the finding's time
            host        TEXT NOT NULL,
            check_id    VARCHAR(128) NOT NULL,
            time        VARCHAR(32) NOT NULL,
            finding_id  BIGINT NOT NULL,        -- findings.id of the latest result
            PRIMARY KEY (client, month, host, check_id)
        )
        """,
        LATEST_RESULTS_FROM_FINDINGS,
    ),
    # 5: a finding's waiver as structured data (id, control, scope, owner, ticket, justification,
    # expires), JSON, beside `waiver`, which keeps the id (tripod.store.waiver_columns). Rows
    # written before keep only their `waiver` text.
    (
        "ALTER TABLE findings ADD COLUMN waiver_detail TEXT",
    ),
    # 6: tickets in the order they were opened, on every backend. SQLite has its rowid;
    # PostgreSQL has no row order of its own, so it gets a generated sequence column.
    (
        PerDialect(sqlite="", postgresql="ALTER TABLE tickets ADD COLUMN row_seq BIGINT GENERATED BY DEFAULT AS IDENTITY"),
    ),
)

LATEST_VERSION = len(MIGRATIONS)
