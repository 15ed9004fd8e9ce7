/**
 * Schema migrations, frozen in time: never edit a shipped migration, add the next one. The version
 * applied is kept in PRAGMA user_version and, with its time, in schema_migrations.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE schema_migrations (
        version    INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL
      );

      -- Pinned playbooks, content-addressed: an incident keeps the exact runbook it was opened with.
      CREATE TABLE playbooks (
        hash      TEXT PRIMARY KEY,
        id        TEXT NOT NULL,
        version   TEXT NOT NULL,
        content   TEXT NOT NULL,   -- canonical JSON of the validated runbook; sha256(content) = hash
        source    TEXT NOT NULL,   -- the YAML text as read, for the record
        stored_at TEXT NOT NULL
      );

      CREATE TABLE incidents (
        id            TEXT PRIMARY KEY,
        title         TEXT NOT NULL,
        mode          TEXT NOT NULL CHECK (mode IN ('real', 'drill')),
        playbook_hash TEXT NOT NULL REFERENCES playbooks(hash),
        opened_at     TEXT NOT NULL
      );

      -- The single source of truth. Append-only; each row chains to the previous one of its incident.
      CREATE TABLE events (
        incident    TEXT    NOT NULL REFERENCES incidents(id),
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        type        TEXT    NOT NULL,
        at          TEXT    NOT NULL,
        recorded_at TEXT    NOT NULL,
        actor       TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        prev_hash   TEXT    NOT NULL,
        hash        TEXT    NOT NULL,
        PRIMARY KEY (incident, seq)
      ) WITHOUT ROWID;

      CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
      CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
      CREATE TRIGGER playbooks_immutable_update BEFORE UPDATE ON playbooks
        BEGIN SELECT RAISE(ABORT, 'pinned playbooks are immutable: UPDATE refused'); END;
      CREATE TRIGGER playbooks_immutable_delete BEFORE DELETE ON playbooks
        BEGIN SELECT RAISE(ABORT, 'pinned playbooks are immutable: DELETE refused'); END;
      CREATE TRIGGER incidents_immutable_update BEFORE UPDATE ON incidents
        BEGIN SELECT RAISE(ABORT, 'incidents are immutable: UPDATE refused'); END;
      CREATE TRIGGER incidents_immutable_delete BEFORE DELETE ON incidents
        BEGIN SELECT RAISE(ABORT, 'incidents are immutable: DELETE refused'); END;

      -- A cache of the folded state, derivable from events; irr verify checks it against a replay.
      CREATE TABLE snapshots (
        incident TEXT PRIMARY KEY REFERENCES incidents(id),
        seq      INTEGER NOT NULL,
        state    TEXT    NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Bind the snapshot cache to the log: the hash of the event it was folded up to, and the
      -- SHA-256 of (that hash, newline, state). A snapshot that does not match is never served.
      ALTER TABLE snapshots ADD COLUMN head_hash TEXT;
      ALTER TABLE snapshots ADD COLUMN state_sha256 TEXT;
    `,
  },
  {
    version: 3,
    sql: `
      -- Incidents whose live copy is elsewhere: pushed to a team server, or pulled from one for
      -- offline reading. Writes to them here are refused, naming where to write.
      CREATE TABLE moved_incidents (
        incident  TEXT PRIMARY KEY REFERENCES incidents(id),
        location  TEXT NOT NULL,   -- the server's URL, without password
        direction TEXT NOT NULL CHECK (direction IN ('pushed', 'pulled')),
        head_hash TEXT NOT NULL,   -- the head as copied
        moved_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      -- Signed entries (issue 13): a responder's Ed25519 signature over a statement naming the
      -- incident, seq and hash of an event (store/signature.ts). Beside the event, never in it: the
      -- hash chain and every log written before stay as they are. Written in the append's transaction.
      CREATE TABLE signatures (
        incident    TEXT    NOT NULL,
        seq         INTEGER NOT NULL,
        fingerprint TEXT    NOT NULL,   -- SHA-256 of the signing key's SPKI DER, hex
        signature   TEXT    NOT NULL,   -- base64 Ed25519 signature
        PRIMARY KEY (incident, seq, fingerprint),
        FOREIGN KEY (incident, seq) REFERENCES events(incident, seq)
      ) WITHOUT ROWID;
      -- Whose keys are registered is asked on every append: found without scanning the log.
      CREATE INDEX events_by_type ON events(incident, type);
      CREATE TRIGGER signatures_append_only_update BEFORE UPDATE ON signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are append-only: UPDATE refused'); END;
      CREATE TRIGGER signatures_append_only_delete BEFORE DELETE ON signatures
        BEGIN SELECT RAISE(ABORT, 'signatures are append-only: DELETE refused'); END;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
