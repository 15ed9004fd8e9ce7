/**
 * The PostgreSQL schema, by version (frozen: never edit a shipped migration, add the next one),
 * recorded in irr_schema. Same tables and semantics as the SQLite file; the hashed payload is a
 * text column (not jsonb, which would re-encode it and break the chain).
 */
export const PG_MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE playbooks (
        hash      text PRIMARY KEY,
        id        text NOT NULL,
        version   text NOT NULL,
        content   text NOT NULL,
        source    text NOT NULL,
        stored_at text NOT NULL
      );
      CREATE TABLE incidents (
        id            text PRIMARY KEY,
        title         text NOT NULL,
        mode          text NOT NULL CHECK (mode IN ('real', 'drill')),
        playbook_hash text NOT NULL REFERENCES playbooks(hash),
        opened_at     text NOT NULL
      );
      -- Race-free incident ids: one row per prefix and year, bumped under its row lock.
      CREATE TABLE incident_counters (
        stem text PRIMARY KEY,
        n    integer NOT NULL
      );
      CREATE TABLE events (
        incident    text    NOT NULL REFERENCES incidents(id),
        seq         integer NOT NULL CHECK (seq >= 1),
        type        text    NOT NULL,
        at          text    NOT NULL,
        recorded_at text    NOT NULL,
        actor       text    NOT NULL,
        payload     text    NOT NULL,
        prev_hash   text    NOT NULL,
        hash        text    NOT NULL,
        PRIMARY KEY (incident, seq)
      );
      CREATE TABLE snapshots (
        incident     text PRIMARY KEY REFERENCES incidents(id),
        seq          integer NOT NULL,
        state        text NOT NULL,
        head_hash    text,
        state_sha256 text
      );

      CREATE FUNCTION irr_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'IR001';
      END
      $fn$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER playbooks_immutable BEFORE UPDATE OR DELETE ON playbooks FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER playbooks_no_truncate BEFORE TRUNCATE ON playbooks FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER incidents_immutable BEFORE UPDATE OR DELETE ON incidents FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();

      -- Least privilege: group roles (NOLOGIN) a responder's own login role is made a member of.
      -- No role but the owner has UPDATE or DELETE on the log; the triggers refuse even the owner.
      DO $roles$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_responder') THEN CREATE ROLE irr_responder NOLOGIN; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_approver') THEN CREATE ROLE irr_approver NOLOGIN; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_comms') THEN CREATE ROLE irr_comms NOLOGIN; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_auditor') THEN CREATE ROLE irr_auditor NOLOGIN; END IF;
      END
      $roles$;
      GRANT SELECT ON playbooks, incidents, events, snapshots, irr_schema TO irr_responder, irr_approver, irr_auditor;
      GRANT INSERT ON playbooks, incidents, events TO irr_responder, irr_approver;
      GRANT SELECT, INSERT, UPDATE ON incident_counters TO irr_responder, irr_approver;
      GRANT INSERT, UPDATE ON snapshots TO irr_responder, irr_approver;
      GRANT SELECT ON incidents, playbooks, irr_schema TO irr_comms;
      GRANT SELECT ON events TO irr_comms;

      -- The server, not the laptop, decides the actor: a group member may only append as itself.
      -- comms reads the timeline but not the facts and notes.
      ALTER TABLE events ENABLE ROW LEVEL SECURITY;
      CREATE POLICY events_read ON events FOR SELECT TO irr_responder, irr_approver, irr_auditor USING (true);
      CREATE POLICY events_read_comms ON events FOR SELECT TO irr_comms USING (type NOT IN ('facts.recorded', 'note.added'));
      CREATE POLICY events_append_as_self ON events FOR INSERT TO irr_responder, irr_approver WITH CHECK (actor = current_user);
    `,
  },
  {
    version: 2,
    sql: `
      -- Signed entries (issue 13): beside the events, never in them (store/signature.ts).
      CREATE TABLE signatures (
        incident    text    NOT NULL,
        seq         integer NOT NULL,
        fingerprint text    NOT NULL,
        signature   text    NOT NULL,
        -- No foreign key to events: it would make TRUNCATE events fail on the constraint before the
        -- append-only trigger can refuse it by name. verify reports a signature for an absent seq.
        PRIMARY KEY (incident, seq, fingerprint)
      );
      CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();
      GRANT SELECT ON signatures TO irr_responder, irr_approver, irr_auditor, irr_comms;
      GRANT INSERT ON signatures TO irr_responder, irr_approver;
    `,
  },
  {
    version: 3,
    sql: `
      -- Live consoles: after each statement that appends, one notification per incident carrying
      -- ids only (the incident and its new head seq); listeners read the events themselves, under
      -- their own role and its row-level security.
      CREATE FUNCTION irr_notify_append() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT incident, max(seq) AS seq FROM new_rows GROUP BY incident LOOP
          PERFORM pg_notify('irr_events', json_build_object('incident', r.incident, 'seq', r.seq)::text);
        END LOOP;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION irr_notify_append();

      -- A drill is a role-play: its facilitator's process writes the injects and plays the
      -- scripted roles (dpo, legal…), so in a drill incident (mode 'drill', fixed when it was
      -- opened) a member may append as a played role. Real incidents keep actor = current_user.
      DROP POLICY events_append_as_self ON events;
      CREATE POLICY events_append_as_self ON events FOR INSERT TO irr_responder, irr_approver
        WITH CHECK (actor = current_user OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident AND i.mode = 'drill'));
    `,
  },
  {
    version: 4,
    sql: `
      -- Incidents pushed from a laptop keep their ids and move the id counter past them (irr push),
      -- so the ids they skipped were never allocated here. Recorded (append-only) so that verify can
      -- tell those skipped ids from an incident deleted whole (a gap among the allocated ids).
      CREATE TABLE pushed_incidents (
        id             text PRIMARY KEY,
        counter_before integer NOT NULL
      );
      CREATE TRIGGER pushed_incidents_append_only BEFORE UPDATE OR DELETE ON pushed_incidents FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER pushed_incidents_no_truncate BEFORE TRUNCATE ON pushed_incidents FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();
      GRANT SELECT ON pushed_incidents TO irr_responder, irr_approver, irr_auditor, irr_comms;
      GRANT INSERT ON pushed_incidents TO irr_responder, irr_approver;
    `,
  },
  {
    version: 5,
    sql: `
      -- comms reads the timeline and the notices, not the facts and notes. Besides facts.recorded
      -- and note.added, that hides a withdrawal of either (it carries the value a fact returns to)
      -- and a step done or skipped with a note (its payload holds the note's text).
      DROP POLICY events_read_comms ON events;
      CREATE POLICY events_read_comms ON events FOR SELECT TO irr_comms USING (
        type NOT IN ('facts.recorded', 'note.added')
        AND NOT (type = 'entry.retracted' AND (payload::jsonb ->> 'of') IN ('facts.recorded', 'note.added'))
        AND NOT (type IN ('step.completed', 'step.skipped') AND (payload::jsonb ? 'note')));
      -- Every event without its payload (read with the owner's rights, so past the policy above): a
      -- reader who may not see some payloads still sees that those entries exist, and checks the
      -- chain's links across them.
      CREATE VIEW event_headers AS SELECT incident, seq, type, at, recorded_at, actor, prev_hash, hash FROM events;
      GRANT SELECT ON event_headers TO irr_responder, irr_approver, irr_auditor, irr_comms;
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;
