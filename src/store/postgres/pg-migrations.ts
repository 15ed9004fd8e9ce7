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
        -- Roles are the server's, shared by its databases: an \`irr init\` of another database at the
        -- same moment may create one between the check and the CREATE (duplicate key on pg_authid).
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_responder') THEN BEGIN CREATE ROLE irr_responder NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_approver') THEN BEGIN CREATE ROLE irr_approver NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_comms') THEN BEGIN CREATE ROLE irr_comms NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'irr_auditor') THEN BEGIN CREATE ROLE irr_auditor NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;
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
  {
    version: 6,
    sql: `
      -- Whose keys are registered is asked on every append: found without scanning the log.
      CREATE INDEX events_key_registered ON events (incident, seq) WHERE type = 'key.registered';

      -- The write half of an append in one round trip (store/postgres/pg-store.ts, append): the
      -- client has read the head, the server's clock and the rows since the head it last checked,
      -- re-hashed those rows, hashed and signed the new events and sealed the snapshot; this runs
      -- as one statement, hence one transaction, as the caller (SECURITY INVOKER: the grants and
      -- the row-level security policy actor = current_user apply as to a plain INSERT). It
      -- re-checks, in the transaction that writes: the append-only triggers are all present and
      -- enabled; the incidents row and its pinned playbook still agree with incident.opened; the
      -- head is still the one the client walked the chain to (else 'stale <seq>', nothing
      -- written). A row it would not insert because another writer took that seq first raises
      -- IR002 (the client's StaleHead), so the whole statement writes nothing. Its answer is 'ok',
      -- 'stale <seq>', 'triggers' or 'bindings' (the client names the problem).
      CREATE FUNCTION irr_append(p_incident text, p_expected_seq integer, p_expected_hash text, p_events text, p_signatures text, p_snapshot text, p_seal text)
      RETURNS text LANGUAGE plpgsql AS $fn$
      DECLARE
        h record;
        f record;
        i record;
        pb record;
        o json;
        n integer;
      BEGIN
        -- The incident's lock, shared: an engine that lost a race holds it exclusively while it
        -- re-reads, decides and appends (pg-store.ts, exclusive; its own session is granted this at
        -- once), so a writer that never lost waits here for it, and the queued writer cannot lose
        -- again. Writers that hold no exclusive lock do not wait for each other.
        PERFORM pg_advisory_xact_lock_shared(hashtext(p_incident));
        IF (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname IN ('events', 'incidents', 'playbooks', 'signatures')
              AND t.tgname IN ('events_append_only', 'events_no_truncate', 'playbooks_immutable', 'playbooks_no_truncate',
                               'incidents_immutable', 'incidents_no_truncate', 'signatures_append_only', 'signatures_no_truncate')) <> 8 THEN
          RETURN 'triggers';
        END IF;
        SELECT id, title, mode, playbook_hash, opened_at INTO i FROM incidents WHERE id = p_incident;
        SELECT seq, type, at, payload INTO f FROM events WHERE incident = p_incident ORDER BY seq LIMIT 1;
        IF i.id IS NULL OR f.seq IS DISTINCT FROM 1 OR f.type IS DISTINCT FROM 'incident.opened' THEN
          RETURN 'bindings';
        END IF;
        o := f.payload::json;
        SELECT id, version INTO pb FROM playbooks WHERE hash = i.playbook_hash;
        IF i.title IS DISTINCT FROM o->>'title' OR i.mode IS DISTINCT FROM o->>'mode' OR i.opened_at IS DISTINCT FROM f.at
           OR i.playbook_hash IS DISTINCT FROM o->'playbook'->>'hash'
           OR pb.id IS DISTINCT FROM o->'playbook'->>'id' OR pb.version IS DISTINCT FROM o->'playbook'->>'version' THEN
          RETURN 'bindings';
        END IF;
        SELECT seq, hash INTO h FROM events WHERE incident = p_incident ORDER BY seq DESC LIMIT 1;
        IF h.seq IS DISTINCT FROM p_expected_seq OR h.hash IS DISTINCT FROM p_expected_hash THEN
          RETURN 'stale ' || coalesce(h.seq, 0);
        END IF;
        INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash)
          SELECT p_incident, r.seq, r.type, r.at, r.recorded_at, r.actor, r.payload, r.prev_hash, r.hash
          FROM json_to_recordset(p_events::json) AS r(seq integer, type text, at text, recorded_at text, actor text, payload text, prev_hash text, hash text)
          ORDER BY r.seq
          ON CONFLICT (incident, seq) DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n <> json_array_length(p_events::json) THEN
          RAISE EXCEPTION 'another writer appended to % first', p_incident USING ERRCODE = 'IR002';
        END IF;
        IF p_signatures IS NOT NULL THEN
          INSERT INTO signatures (incident, seq, fingerprint, signature)
            SELECT p_incident, s.seq, s.fingerprint, s.signature
            FROM json_to_recordset(p_signatures::json) AS s(seq integer, fingerprint text, signature text);
        END IF;
        IF p_snapshot IS NOT NULL THEN
          INSERT INTO snapshots (incident, seq, state, head_hash, state_sha256)
            SELECT p_incident, r.seq, p_snapshot, r.hash, p_seal
            FROM json_to_recordset(p_events::json) AS r(seq integer, hash text) ORDER BY r.seq DESC LIMIT 1
          ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, head_hash = excluded.head_hash, state_sha256 = excluded.state_sha256
          WHERE excluded.seq >= snapshots.seq;
        END IF;
        RETURN 'ok';
      END
      $fn$;
    `,
  },
  {
    version: 7,
    sql: `
      -- Incident ids are handed out by the schema owner's functions only (SECURITY DEFINER, the
      -- search_path pinned below), never by a team role's own INSERT or UPDATE: a responder who
      -- could write incident_counters could rewind a counter (the same id handed out twice) or
      -- move it on (a gap, which verify reports as an incident deleted whole although none was).
      -- An allocation counts only with its incident: the deferred checks below refuse, at commit,
      -- an id allocated without its incidents row, an incidents row whose id is neither its
      -- counter's latest (allocated in its transaction: an older one exists already, so the
      -- primary key refuses it) nor pushed, and a pushed id without its incidents row.
      CREATE FUNCTION irr_id_number(p_stem text, p_id text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN left(p_id, length(p_stem)) = p_stem AND substr(p_id, length(p_stem) + 1) ~ '^[0-9]{1,18}$'
                    THEN substr(p_id, length(p_stem) + 1)::bigint END
      $fn$;

      -- The next id of a prefix and year (its stem, e.g. 'INC-2026-'): the counter row's lock
      -- serialises concurrent openers until they commit, so no two incidents get one id.
      CREATE FUNCTION irr_allocate_incident_id(p_stem text) RETURNS text LANGUAGE plpgsql SECURITY DEFINER AS $fn$
      DECLARE n integer;
      BEGIN
        INSERT INTO incident_counters (stem, n) VALUES (p_stem, 1)
          ON CONFLICT (stem) DO UPDATE SET n = incident_counters.n + 1
          RETURNING incident_counters.n INTO n;
        RETURN p_stem || lpad(n::text, greatest(4, length(n::text)), '0');
      END
      $fn$;

      -- irr push: an incident from a laptop keeps its id; the counter of its stem moves past it
      -- (never back) and the ids it skipped are recorded (pushed_incidents), so verify does not
      -- take them for incidents deleted whole. False when the server already has that id.
      CREATE FUNCTION irr_record_pushed_id(p_id text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $fn$
      DECLARE
        m text[];
        before integer := 0;
      BEGIN
        m := regexp_match(p_id, '^([A-Z]+-[0-9]{4}-)([0-9]+)$');
        IF m IS NOT NULL THEN
          -- Locked, so that no id allocated meanwhile is taken for one this push skipped.
          SELECT c.n INTO before FROM incident_counters c WHERE c.stem = m[1] FOR UPDATE;
          before := coalesce(before, 0);
          INSERT INTO incident_counters (stem, n) VALUES (m[1], m[2]::integer)
            ON CONFLICT (stem) DO UPDATE SET n = excluded.n WHERE excluded.n > incident_counters.n;
        END IF;
        IF EXISTS (SELECT 1 FROM incidents WHERE id = p_id) THEN
          RETURN false;
        END IF;
        INSERT INTO pushed_incidents (id, counter_before) VALUES (p_id, before);
        RETURN true;
      END
      $fn$;

      CREATE FUNCTION irr_check_counter() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM incidents WHERE irr_id_number(NEW.stem, id) = NEW.n) THEN
          RAISE EXCEPTION 'incident id % was allocated but no incident was opened with it', NEW.stem || lpad(NEW.n::text, greatest(4, length(NEW.n::text)), '0') USING ERRCODE = 'IR003';
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE FUNCTION irr_check_incident_id() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pushed_incidents WHERE id = NEW.id)
           AND NOT EXISTS (SELECT 1 FROM incident_counters c WHERE irr_id_number(c.stem, NEW.id) = c.n) THEN
          RAISE EXCEPTION 'incident % was not given its id by irr_allocate_incident_id or irr_record_pushed_id', NEW.id USING ERRCODE = 'IR003';
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE FUNCTION irr_check_pushed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM incidents WHERE id = NEW.id) THEN
          RAISE EXCEPTION 'pushed incident % has no incidents row', NEW.id USING ERRCODE = 'IR003';
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE CONSTRAINT TRIGGER incident_counters_allocated AFTER INSERT OR UPDATE ON incident_counters
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION irr_check_counter();
      CREATE CONSTRAINT TRIGGER incidents_id_allocated AFTER INSERT ON incidents
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION irr_check_incident_id();
      CREATE CONSTRAINT TRIGGER pushed_incidents_opened AFTER INSERT ON pushed_incidents
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION irr_check_pushed();

      -- Every function names its tables unqualified: pin the search path to this schema (pg_temp
      -- last), so a caller's temporary table of the same name cannot stand in for one.
      DO $pin$
      DECLARE f text;
      BEGIN
        FOREACH f IN ARRAY ARRAY['irr_id_number(text, text)', 'irr_allocate_incident_id(text)', 'irr_record_pushed_id(text)',
                                 'irr_check_counter()', 'irr_check_incident_id()', 'irr_check_pushed()'] LOOP
          EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
        END LOOP;
      END
      $pin$;
      REVOKE ALL ON FUNCTION irr_allocate_incident_id(text), irr_record_pushed_id(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION irr_allocate_incident_id(text), irr_record_pushed_id(text) TO irr_responder, irr_approver;
      REVOKE INSERT, UPDATE, DELETE ON incident_counters FROM irr_responder, irr_approver;
      REVOKE INSERT ON pushed_incidents FROM irr_responder, irr_approver;
    `,
  },
  {
    version: 8,
    sql: `
      -- comms reads the timeline and the notices, never a fact or a note: besides the entries
      -- migration 5 hides, the entries it may see carry text written from the facts (an
      -- obligation.triggered reason such as "high risk: 52422 people …", a rendered mail merge's
      -- counts per jurisdiction) or written by a responder (reasons, descriptions, an action's
      -- text, a drill inject's message, the note a withdrawal restores). So comms reads no table
      -- of the log at all, only this view: every entry's header, and a payload cut down to the
      -- fields kept per type below (a whitelist: a type not listed is hidden whole), with the
      -- names of the fields withheld. A payload with nothing withheld is the stored text exactly,
      -- so its own hash can still be checked.
      CREATE FUNCTION irr_comms_payload(p_type text, p_payload text, OUT payload text, OUT withheld text[]) LANGUAGE plpgsql IMMUTABLE AS $fn$
      DECLARE
        p jsonb;
        v jsonb;
        keep text[];
        k text;
      BEGIN
        BEGIN
          p := p_payload::jsonb;
        EXCEPTION WHEN others THEN
          payload := NULL; withheld := ARRAY['*']; RETURN;
        END;
        IF jsonb_typeof(p) IS DISTINCT FROM 'object'
           OR p_type IN ('facts.recorded', 'note.added')
           OR (p_type = 'entry.retracted' AND p->>'of' IN ('facts.recorded', 'note.added'))
           OR (p_type IN ('step.completed', 'step.skipped') AND p ? 'note') THEN
          payload := NULL; withheld := ARRAY['*']; RETURN;
        END IF;
        keep := CASE p_type
          WHEN 'incident.opened' THEN ARRAY['title', 'mode', 'playbook', 'drill']
          WHEN 'step.completed' THEN ARRAY['step']
          WHEN 'step.skipped' THEN ARRAY['step']
          WHEN 'phase.advanced' THEN ARRAY['from', 'to']
          WHEN 'phase.reopened' THEN ARRAY['from', 'to']
          WHEN 'incident.closed' THEN ARRAY[]::text[]
          WHEN 'obligation.triggered' THEN ARRAY['obligation']
          WHEN 'obligation.cleared' THEN ARRAY['obligation']
          WHEN 'obligation.recorded' THEN ARRAY['obligation', 'action', 'ref', 'channel', 'exemption', 'override']
          WHEN 'document.rendered' THEN ARRAY['kind', 'template', 'obligation', 'format', 'sha256', 'draft', 'phase', 'to_follow', 'templates']
          WHEN 'action.recorded' THEN ARRAY['id', 'owner', 'due']
          WHEN 'team.assigned' THEN ARRAY['member', 'role']
          WHEN 'key.registered' THEN ARRAY['algorithm', 'public_key', 'fingerprint', 'name']
          WHEN 'evidence.added' THEN ARRAY['id', 'sha256', 'size']
          WHEN 'evidence.transferred' THEN ARRAY['evidence', 'from', 'to']
          WHEN 'drill.advanced' THEN ARRAY['from', 'to']
          WHEN 'drill.inject' THEN ARRAY['inject', 'fired', 'facts']
          WHEN 'drill.ended' THEN ARRAY[]::text[]
          WHEN 'entry.retracted' THEN ARRAY['seq', 'of', 'step', 'obligation']
        END;
        IF keep IS NULL THEN
          payload := NULL; withheld := ARRAY['*']; RETURN;
        END IF;
        v := (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(p) e WHERE e.key = ANY (keep));
        withheld := ARRAY(SELECT e.key FROM jsonb_each(p) e WHERE NOT e.key = ANY (keep) ORDER BY e.key);
        -- What a withdrawal restores, without the note or reason it carries.
        IF p_type = 'entry.retracted' THEN
          IF jsonb_typeof(v #> '{step,progress}') = 'object' THEN
            FOREACH k IN ARRAY ARRAY['note', 'reason'] LOOP
              IF (v #> '{step,progress}') ? k THEN
                v := v #- ARRAY['step', 'progress', k];
                withheld := withheld || ('step.progress.' || k);
              END IF;
            END LOOP;
          END IF;
          IF jsonb_typeof(v #> '{obligation,progress}') = 'object' THEN
            IF (v #> '{obligation,progress}') ? 'reason' THEN
              v := v #- '{obligation,progress,reason}';
              withheld := withheld || 'obligation.progress.reason'::text;
            END IF;
            IF jsonb_typeof(v #> '{obligation,progress,supplements}') = 'array'
               AND EXISTS (SELECT 1 FROM jsonb_array_elements(v #> '{obligation,progress,supplements}') s WHERE s ? 'reason') THEN
              v := jsonb_set(v, '{obligation,progress,supplements}',
                (SELECT jsonb_agg(CASE WHEN jsonb_typeof(t.s) = 'object' THEN t.s - 'reason' ELSE t.s END ORDER BY t.n)
                 FROM jsonb_array_elements(v #> '{obligation,progress,supplements}') WITH ORDINALITY AS t(s, n)));
              withheld := withheld || 'obligation.progress.supplements.reason'::text;
            END IF;
          END IF;
        END IF;
        payload := CASE WHEN cardinality(withheld) = 0 THEN p_payload ELSE v::text END;
      END
      $fn$;
      DO $pin$
      BEGIN
        EXECUTE format('ALTER FUNCTION irr_comms_payload(text, text) SET search_path = %I, pg_temp', current_schema());
      END
      $pin$;
      -- The hashes are a guessing oracle: a hidden payload such as {"facts":{"subjects_total":N}}
      -- is found by hashing each N until one gives the stored hash (a million guesses take a
      -- quarter of a second), and every later hash depends on it too. So comms sees an entry's
      -- real hash (and the next entry's real prev_hash) only while every entry up to it is wholly
      -- readable; after that, both as a keyed digest, sha256(secret || hash), the secret this
      -- database's own (random, readable by its owner only). Equal hashes give equal digests, so
      -- comms still checks every link; it re-hashes only the entries before the first hidden one.
      CREATE TABLE irr_comms_key (k text NOT NULL);
      INSERT INTO irr_comms_key (k) SELECT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
      REVOKE ALL ON irr_comms_key FROM PUBLIC;
      -- Read with the owner's rights (past the privileges revoked below); security_barrier: a
      -- reader's own conditions are not evaluated on the rows before the view has cut them down.
      CREATE VIEW comms_events WITH (security_barrier) AS
        WITH cut AS (
          SELECT e.incident, e.seq, e.type, e.at, e.recorded_at, e.actor, e.prev_hash, e.hash, c.payload, c.withheld,
                 bool_and(cardinality(c.withheld) = 0) OVER (PARTITION BY e.incident ORDER BY e.seq) AS readable_to_here,
                 coalesce(bool_and(cardinality(c.withheld) = 0) OVER (PARTITION BY e.incident ORDER BY e.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS readable_before
          FROM events e CROSS JOIN LATERAL irr_comms_payload(e.type, e.payload) c
        )
        SELECT cut.incident, cut.seq, cut.type, cut.at, cut.recorded_at, cut.actor,
               CASE WHEN cut.readable_before THEN cut.prev_hash ELSE encode(sha256(convert_to(s.k || cut.prev_hash, 'UTF8')), 'hex') END AS prev_hash,
               CASE WHEN cut.readable_to_here THEN cut.hash ELSE encode(sha256(convert_to(s.k || cut.hash, 'UTF8')), 'hex') END AS hash,
               cut.payload, cut.withheld
        FROM cut CROSS JOIN (SELECT k FROM irr_comms_key LIMIT 1) s;
      REVOKE ALL ON FUNCTION irr_comms_payload(text, text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION irr_comms_payload(text, text) TO irr_comms;
      GRANT SELECT ON comms_events TO irr_comms;
      -- Nothing else of the log: not the events (payloads), not their real hashes (event_headers),
      -- not the signatures (over payloads it may not read). Incidents and playbooks stay readable.
      REVOKE SELECT ON events, signatures, event_headers FROM irr_comms;
      -- Functions are executable by PUBLIC unless revoked: the append is for the roles that append.
      REVOKE ALL ON FUNCTION irr_append(text, integer, text, text, text, text, text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION irr_append(text, integer, text, text, text, text, text) TO irr_responder, irr_approver;
    `,
  },
  {
    version: 9,
    sql: `
      -- The snapshot is a cache of the fold, sealed with a hash anyone can recompute: a member who
      -- may write snapshots (responders and approvers, for the cache) could write a made-up state
      -- with a valid seal (an approval nobody gave, a fact never recorded) and every other
      -- member's engine would serve it. So each snapshot records who wrote it, set by the server
      -- (not the writer), and an engine serves only the snapshots its own role wrote; another's is
      -- replayed from the events (and replaced by its own). irr verify compares it with a replay.
      ALTER TABLE snapshots ADD COLUMN written_by text;
      CREATE FUNCTION irr_snapshot_writer() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.written_by := current_user;
        RETURN NEW;
      END
      $fn$;
      DO $pin$
      BEGIN
        EXECUTE format('ALTER FUNCTION irr_snapshot_writer() SET search_path = %I, pg_temp', current_schema());
      END
      $pin$;
      CREATE TRIGGER snapshots_writer BEFORE INSERT OR UPDATE ON snapshots FOR EACH ROW EXECUTE FUNCTION irr_snapshot_writer();
    `,
  },
  {
    version: 10,
    sql: `
      -- Four eyes on the server (issue 15): the client refuses to record a notice to an authority
      -- or to individuals as sent before someone other than its drafter, holding an approver role,
      -- approved its latest draft (machine/approval.ts), but a member who speaks SQL to the server
      -- (INSERT on events, or irr_append) could append the 'sent' without it. The server refuses it.
      --
      -- Which notices: the regime's audience is in the catalogue the binary carries, not on the
      -- server, so the regimes whose audience is neither 'authority' nor 'individuals' (card brands,
      -- processors' controllers, consumer reporting agencies, investors, the media, an internal
      -- assessment) are listed here and every other id is held to four eyes: a regime added to
      -- the catalogue later is held until a migration lists it (test/int/pg-four-eyes.test.ts
      -- compares this list with the catalogue).
      CREATE TABLE four_eyes_exempt_regimes (regime text PRIMARY KEY);
      CREATE TRIGGER four_eyes_exempt_regimes_append_only BEFORE UPDATE OR DELETE ON four_eyes_exempt_regimes FOR EACH ROW EXECUTE FUNCTION irr_refuse_change();
      CREATE TRIGGER four_eyes_exempt_regimes_no_truncate BEFORE TRUNCATE ON four_eyes_exempt_regimes FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change();
      INSERT INTO four_eyes_exempt_regimes (regime) VALUES
        ('au-ndb-assessment'), ('gdpr-art33-processor'), ('hipaa-ba'), ('hipaa-media'), ('pci-card-brands'),
        ('sec-8k-1.05'), ('us-ak-cra'), ('us-al-cra'), ('us-az-cra'), ('us-co-cra'), ('us-dc-cra'),
        ('us-fl-cra'), ('us-ga-cra'), ('us-hi-cra'), ('us-in-cra'), ('us-ks-cra'), ('us-ky-cra'),
        ('us-md-cra'), ('us-me-cra'), ('us-mi-cra'), ('us-mn-cra'), ('us-mo-cra'), ('us-mt-cra'),
        ('us-nc-cra'), ('us-nh-cra'), ('us-nj-cra'), ('us-nm-cra'), ('us-nv-cra'), ('us-ny-cra'),
        ('us-oh-cra'), ('us-or-cra'), ('us-pa-cra'), ('us-ri-cra'), ('us-sc-cra'), ('us-sd-cra'),
        ('us-tn-cra'), ('us-tx-cra'), ('us-ut-cra'), ('us-va-cra'), ('us-vt-cra'), ('us-wi-cra'),
        ('us-wv-cra');
      GRANT SELECT ON four_eyes_exempt_regimes TO irr_responder, irr_approver, irr_auditor;

      -- The client's rule, on the log as stored. The duty's progress is re-derived from its own
      -- entries (obligation.triggered, .cleared, .recorded), leaving out every entry withdrawn by an
      -- entry.retracted (as engine/retract.ts derives a withdrawal: the progress a retraction
      -- carries is the writer's word, so it is not trusted here), with machine/obligation-progress.ts's
      -- steps: a draft makes it 'drafted' and drops an approval, an approval makes it 'approved',
      -- a waiver or a not-applicable decision takes it out of 'approved'. A 'sent' is let through when
      -- it is already sent (as approval.ts does) or approved by someone other than the latest draft's
      -- drafter who holds an approver role: a member of irr_approver (as serverApprovers reads it:
      -- a direct member, now), or named to one of the runbook's approver roles (approvers.roles,
      -- else every role) by a team.assigned entry before the approval, or, in a drill (a role-play:
      -- migration 3 lets members write as the played roles), an actor named after such a role.
      -- Waivers and not-applicable decisions are not held. The entries of an incident pushed from a
      -- laptop, written in the transaction that recorded the push, are its history, copied verbatim
      -- (old logs replay unchanged): the laptop's own engine held them to four eyes.
      -- Refused: SQLSTATE IR004 (the client's exit 3), one line naming who may approve.
      CREATE FUNCTION irr_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        p json;
        ob text;
        inc record;
        pb json;
        all_roles text[];
        approver_roles text[];
        e record;
        status text := 'pending';
        drafted_by text;
        approved_by text;
        approved_seq integer;
        why text;
        may text;
      BEGIN
        IF NEW.type IS DISTINCT FROM 'obligation.recorded' THEN
          RETURN NEW;
        END IF;
        -- json, not jsonb: jsonb refuses some text JSON.parse reads (\\u0000), and json keeps the
        -- last of duplicate keys as JSON.parse does.
        p := NEW.payload::json;
        IF json_typeof(p) IS DISTINCT FROM 'object' OR p->>'action' IS DISTINCT FROM 'sent' THEN
          RETURN NEW;
        END IF;
        ob := p->>'obligation';
        IF EXISTS (SELECT 1 FROM four_eyes_exempt_regimes WHERE regime = ob) THEN
          RETURN NEW;
        END IF;
        IF EXISTS (SELECT 1 FROM pushed_incidents WHERE id = NEW.incident AND xmin = pg_current_xact_id()::xid) THEN
          RETURN NEW;
        END IF;
        SELECT mode, playbook_hash INTO inc FROM incidents WHERE id = NEW.incident;
        SELECT content::json INTO pb FROM playbooks WHERE hash = inc.playbook_hash;
        all_roles := ARRAY(SELECT r->>'id' FROM json_array_elements(CASE WHEN json_typeof(pb->'roles') = 'array' THEN pb->'roles' ELSE '[]'::json END) r);
        approver_roles := CASE WHEN json_typeof(pb->'approvers'->'roles') = 'array'
                               THEN ARRAY(SELECT json_array_elements_text(pb->'approvers'->'roles')) ELSE all_roles END;

        FOR e IN
          SELECT ev.seq, ev.type, ev.actor, ev.payload::json->>'action' AS action FROM events ev
          WHERE ev.incident = NEW.incident AND ev.type IN ('obligation.triggered', 'obligation.cleared', 'obligation.recorded')
            AND ev.payload::json->>'obligation' = ob
            AND ev.seq NOT IN (SELECT CASE WHEN r.payload::json->>'seq' ~ '^[0-9]{1,9}$' THEN (r.payload::json->>'seq')::integer END
                               FROM events r WHERE r.incident = NEW.incident AND r.type = 'entry.retracted' AND r.payload::json->>'seq' ~ '^[0-9]{1,9}$')
          ORDER BY ev.seq
        LOOP
          IF e.type = 'obligation.triggered' OR (e.type = 'obligation.recorded' AND e.action = 'required') THEN
            IF status = 'not_required' THEN status := 'pending'; END IF;
          ELSIF e.type = 'obligation.cleared' THEN
            IF status = 'pending' THEN status := 'not_required'; END IF;
          ELSIF e.action = 'drafted' THEN
            status := 'drafted'; drafted_by := e.actor; approved_by := NULL; approved_seq := NULL;
          ELSIF e.action = 'approved' THEN
            status := 'approved'; approved_by := e.actor; approved_seq := e.seq;
          ELSIF e.action IN ('sent', 'waived', 'not_applicable') THEN
            status := e.action;
          END IF;
        END LOOP;

        IF status = 'sent' THEN
          RETURN NEW;
        END IF;
        IF status = 'approved' AND drafted_by IS NOT NULL AND approved_by IS DISTINCT FROM drafted_by THEN
          IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
                     WHERE r.rolname = approved_by AND g.rolname = 'irr_approver')
             OR EXISTS (SELECT 1 FROM events t WHERE t.incident = NEW.incident AND t.type = 'team.assigned' AND t.seq < approved_seq
                        AND t.payload::json->>'member' = approved_by AND t.payload::json->>'role' = ANY (approver_roles))
             OR (inc.mode = 'drill' AND approved_by = ANY (all_roles) AND approved_by = ANY (approver_roles)) THEN
            RETURN NEW;
          END IF;
          why := format('%s was approved by %s, who holds no approver role (%s) on %s', ob, approved_by, array_to_string(approver_roles, ', '), NEW.incident);
        ELSIF status = 'approved' AND drafted_by IS NULL THEN
          why := format('%s was approved by %s without a draft', ob, approved_by);
        ELSIF status = 'approved' THEN
          why := format('%s was approved by its own drafter, %s', ob, drafted_by);
        ELSIF status = 'drafted' THEN
          why := format('%s is drafted by %s and not approved', ob, drafted_by);
        ELSE
          why := format('%s is not drafted and approved', ob);
        END IF;
        -- Who may approve: as machine/approval.ts whoMayApprove names them (the drafter excluded).
        SELECT string_agg(DISTINCT w, ', ' ORDER BY w) INTO may FROM (
          SELECT r.rolname::text AS w FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'irr_approver'
          UNION SELECT t.payload::json->>'member' FROM events t WHERE t.incident = NEW.incident AND t.type = 'team.assigned' AND t.payload::json->>'role' = ANY (approver_roles)
          UNION SELECT x FROM unnest(approver_roles) x WHERE inc.mode = 'drill' AND x = ANY (all_roles)
        ) c WHERE w IS DISTINCT FROM drafted_by;
        RAISE EXCEPTION '%', format('obligation %s sent refused by the server: %s; a notice to an authority or to individuals is recorded as sent only after someone other than its drafter, holding an approver role, approves its latest draft; %s',
          ob, why, CASE WHEN may IS NOT NULL THEN 'who may approve: ' || may
                        ELSE format('nobody%s holds an approver role (%s) on %s: irr team assign %s <name> --role %s, or irr team add <name> --role approver',
                                    CASE WHEN drafted_by IS NOT NULL THEN ' else' ELSE '' END, array_to_string(approver_roles, ', '), NEW.incident, NEW.incident, array_to_string(approver_roles, '|')) END)
          USING ERRCODE = 'IR004';
      END
      $fn$;
      DO $pin$
      BEGIN
        EXECUTE format('ALTER FUNCTION irr_four_eyes() SET search_path = %I, pg_temp', current_schema());
      END
      $pin$;
      -- Only the rows that may be a send call the function (the other appends pay nothing for it).
      CREATE TRIGGER events_four_eyes BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.type = 'obligation.recorded') EXECUTE FUNCTION irr_four_eyes();
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;
