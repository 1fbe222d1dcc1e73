-- Redshift emulation: turns a PostgreSQL database into a stand-in for an Amazon Redshift target.
--
-- The ONE place where Redshift behaviour is emulated. Every object below names the Redshift
-- documentation page it mirrors and what is simplified. Facts come from docs/aws-facts.md (§3 system
-- views, §7 types and literals, §11 dialect, §82–§85 semantics the jobs rely on). Run as a superuser, once per database, by sim/redshift/emulation.ts,
-- which also sets the database options (standard_conforming_strings = off, timezone = UTC,
-- search_path including redshift_system).
--
-- Visibility (docs/aws-facts.md §3): STL/SVL/SYS rows are visible to their own user only, unless the
-- reader is a superuser or holds SYSLOG ACCESS UNRESTRICTED. Emulated with row-level security and
-- the role "syslog_access_unrestricted" (grant it to emulate ALTER USER … SYSLOG ACCESS UNRESTRICTED).
-- SYS_TRANSACTION_HISTORY is superuser only: emulated by revoking SELECT from PUBLIC.
-- User ids are PostgreSQL role oids, so userid joins to pg_user.usesysid as in Redshift.
--
-- Simplified everywhere: in the system tables below CHAR(n) counts characters (Redshift CHAR counts
-- bytes and holds single-byte characters only; its system tables store multi-byte text in their pieces
-- as characters, which is what docs/aws-facts.md §3 describes) — user tables get Redshift's byte limits
-- (section "VARCHAR(n) and CHAR(n) lengths in bytes" below); only the columns the toolkit or a runbook
-- reads are present; rows are written by sim/redshift/record.ts, not by the server itself.

CREATE SCHEMA IF NOT EXISTS redshift_system;
SET search_path = redshift_system, pg_catalog;

DO $$ BEGIN
  CREATE ROLE syslog_access_unrestricted NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

GRANT USAGE ON SCHEMA redshift_system TO PUBLIC;

-- Allocates query ids and transaction ids for recorded statements.
CREATE SEQUENCE IF NOT EXISTS redshift_system.query_id_seq START 100000;
CREATE SEQUENCE IF NOT EXISTS redshift_system.xid_seq START 5000000;

-- STL_QUERY (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERY.html)
-- querytxt holds the first 4000 characters; newlines are stored as the two characters \n.
-- aborted = 1 only when the query itself was stopped; an UPDATE whose transaction is later rolled
-- back keeps aborted = 0 (docs/aws-facts.md §3).
CREATE TABLE redshift_system.stl_query (
  userid integer NOT NULL,
  query integer NOT NULL,
  label char(320) NOT NULL DEFAULT 'default',
  xid bigint NOT NULL,
  pid integer NOT NULL,
  database char(32) NOT NULL,
  querytxt char(4000) NOT NULL,
  starttime timestamp NOT NULL,
  endtime timestamp NOT NULL,
  aborted integer NOT NULL DEFAULT 0,
  insert_pristine integer NOT NULL DEFAULT 0,
  concurrency_scaling_status integer NOT NULL DEFAULT 0
);

-- STL_QUERYTEXT (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERYTEXT.html)
-- The whole text in 200-character pieces, sequence 0, 1, …; every piece but the last is exactly
-- 200 characters, trailing spaces included; newlines stored as \n.
CREATE TABLE redshift_system.stl_querytext (
  userid integer NOT NULL,
  xid bigint NOT NULL,
  pid integer NOT NULL,
  query integer NOT NULL,
  sequence integer NOT NULL,
  text char(200) NOT NULL
);

-- STL_UTILITYTEXT (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_UTILITYTEXT.html)
-- Non-SELECT utility commands (BEGIN, COMMIT, ROLLBACK, SET, …) in 200-character pieces.
CREATE TABLE redshift_system.stl_utilitytext (
  userid integer NOT NULL,
  xid bigint NOT NULL,
  pid integer NOT NULL,
  label char(320) NOT NULL DEFAULT 'default',
  starttime timestamp NOT NULL,
  endtime timestamp NOT NULL,
  sequence integer NOT NULL,
  text char(200) NOT NULL
);

-- STL_DDLTEXT (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_DDLTEXT.html)
CREATE TABLE redshift_system.stl_ddltext (LIKE redshift_system.stl_utilitytext INCLUDING DEFAULTS);

-- STL_UNDONE (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_UNDONE.html)
-- One row per table whose changes were undone by a rolled-back transaction.
CREATE TABLE redshift_system.stl_undone (
  userid integer NOT NULL,
  xact_id bigint NOT NULL,
  xact_id_undone bigint NOT NULL,
  undo_start_time timestamp NOT NULL,
  undo_end_time timestamp NOT NULL,
  table_id bigint NOT NULL
);

-- SYS_QUERY_HISTORY (https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_HISTORY.html)
-- Provisioned and Serverless. query_text holds the first 4000 characters. status is the query's
-- own outcome (success for an UPDATE later rolled back with its transaction).
CREATE TABLE redshift_system.sys_query_history (
  user_id integer NOT NULL,
  query_id bigint NOT NULL,
  query_label char(320) NOT NULL DEFAULT 'default',
  transaction_id bigint NOT NULL,
  session_id integer NOT NULL,
  database_name char(128) NOT NULL,
  query_type char(32) NOT NULL,
  status char(10) NOT NULL,
  start_time timestamp NOT NULL,
  end_time timestamp NOT NULL,
  elapsed_time bigint NOT NULL,
  returned_rows bigint NOT NULL DEFAULT 0,
  error_message char(512),
  query_text char(4000) NOT NULL
);

-- SYS_QUERY_TEXT (https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_TEXT.html)
-- The whole text in 4000-character pieces.
CREATE TABLE redshift_system.sys_query_text (
  user_id integer NOT NULL,
  query_id bigint NOT NULL,
  transaction_id bigint NOT NULL,
  session_id integer NOT NULL,
  start_time timestamp NOT NULL,
  sequence integer NOT NULL,
  text char(4000) NOT NULL
);

-- SYS_TRANSACTION_HISTORY (https://docs.aws.amazon.com/redshift/latest/dg/SYS_TRANSACTION_HISTORY.html)
-- status 'committed' or 'rolledback'. Superuser only (docs/aws-facts.md §3).
CREATE TABLE redshift_system.sys_transaction_history (
  user_id integer NOT NULL,
  transaction_id bigint NOT NULL,
  isolation_level char(20) NOT NULL DEFAULT 'Serializable',
  transaction_start_time timestamp NOT NULL,
  commit_start_time timestamp,
  commit_end_time timestamp,
  status char(16) NOT NULL
);

-- SVL_STATEMENTTEXT (https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_STATEMENTTEXT.html)
-- DDL, query and utility text of every statement, by xid; type DDL, QUERY or UTILITY.
CREATE VIEW redshift_system.svl_statementtext WITH (security_invoker = true) AS
  SELECT d.userid, d.xid, d.pid, d.label, d.starttime, d.endtime, d.sequence, 'DDL'::varchar(10) AS type, d.text
    FROM redshift_system.stl_ddltext d
  UNION ALL
  SELECT q.userid, q.xid, q.pid, s.label, s.starttime, s.endtime, q.sequence, 'QUERY'::varchar(10), q.text
    FROM redshift_system.stl_querytext q JOIN redshift_system.stl_query s ON s.query = q.query
  UNION ALL
  SELECT u.userid, u.xid, u.pid, u.label, u.starttime, u.endtime, u.sequence, 'UTILITY'::varchar(10), u.text
    FROM redshift_system.stl_utilitytext u;

-- Own rows only, unless superuser (bypasses RLS) or SYSLOG ACCESS UNRESTRICTED.
CREATE FUNCTION redshift_system.syslog_visible(owner integer) RETURNS boolean
  LANGUAGE sql STABLE AS $f$
    SELECT owner = (SELECT oid::integer FROM pg_catalog.pg_roles WHERE rolname = current_user)
        OR pg_catalog.pg_has_role(current_user, 'syslog_access_unrestricted', 'MEMBER')
  $f$;

DO $$
DECLARE t text; col text;
BEGIN
  FOR t, col IN VALUES ('stl_query','userid'), ('stl_querytext','userid'), ('stl_utilitytext','userid'),
                        ('stl_ddltext','userid'), ('stl_undone','userid'), ('sys_query_history','user_id'),
                        ('sys_query_text','user_id'), ('sys_transaction_history','user_id') LOOP
    EXECUTE format('ALTER TABLE redshift_system.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY own_rows ON redshift_system.%I FOR SELECT USING (redshift_system.syslog_visible(%I))', t, col);
    EXECUTE format('GRANT SELECT ON redshift_system.%I TO PUBLIC', t);
  END LOOP;
END $$;
GRANT SELECT ON redshift_system.svl_statementtext TO PUBLIC;
REVOKE ALL ON redshift_system.sys_transaction_history FROM PUBLIC;

-- The system role sys:monitor (docs/aws-facts.md §13.3; https://docs.aws.amazon.com/redshift/latest/dg/r_roles-default.html):
-- lets a non-superuser read every user's rows of the SYS monitoring views, the way a Serverless
-- workgroup's monitoring user is set up. Emulated as a role holding SELECT on SYS_TRANSACTION_HISTORY
-- and SYSLOG ACCESS UNRESTRICTED (sim/target-kinds.ts grants it to the Serverless target's user).
DO $$ BEGIN
  CREATE ROLE "sys:monitor" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
GRANT syslog_access_unrestricted TO "sys:monitor";
GRANT SELECT ON redshift_system.sys_transaction_history TO "sys:monitor";

-- SUPER (https://docs.aws.amazon.com/redshift/latest/dg/r_SUPER_type.html): semi-structured
-- values. Emulated as jsonb; Redshift's PartiQL navigation is not emulated.
CREATE DOMAIN redshift_system.super AS jsonb;

-- VARBYTE (https://docs.aws.amazon.com/redshift/latest/dg/r_VARBYTE_type.html): binary, up to
-- 1,024,000 bytes. Emulated as bytea; a length modifier (VARBYTE(n)) is not accepted here.
CREATE DOMAIN redshift_system.varbyte AS bytea;

-- GETDATE() (https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html): current statement
-- start, UTC, no fractional seconds, timestamp without time zone.
CREATE FUNCTION redshift_system.getdate() RETURNS timestamp
  LANGUAGE sql STABLE AS $f$ SELECT date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC') $f$;

-- JSON_PARSE (https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html): text → SUPER;
-- fails on invalid JSON. Size limit (16 MB) not enforced.
CREATE FUNCTION redshift_system.json_parse(text) RETURNS redshift_system.super
  LANGUAGE sql IMMUTABLE STRICT AS $f$ SELECT $1::jsonb::redshift_system.super $f$;

-- TO_VARBYTE (https://docs.aws.amazon.com/redshift/latest/dg/r_TO_VARBYTE.html): text → VARBYTE
-- in format 'hex', 'utf8' or 'base64' ('binary' is not emulated).
CREATE FUNCTION redshift_system.to_varbyte(text, text) RETURNS redshift_system.varbyte
  LANGUAGE plpgsql IMMUTABLE STRICT AS $f$
  BEGIN
    CASE lower($2)
      WHEN 'hex' THEN RETURN decode($1, 'hex');
      WHEN 'utf8' THEN RETURN convert_to($1, 'UTF8');
      WHEN 'base64' THEN RETURN decode($1, 'base64');
      ELSE RAISE EXCEPTION 'invalid format for TO_VARBYTE: %', $2;
    END CASE;
  END $f$;

-- FROM_HEX (https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_HEX.html): hex text → VARBYTE.
-- Redshift accepts only literals here (docs/aws-facts.md §7); not enforced.
CREATE FUNCTION redshift_system.from_hex(text) RETURNS redshift_system.varbyte
  LANGUAGE sql IMMUTABLE STRICT AS $f$ SELECT decode($1, 'hex')::redshift_system.varbyte $f$;

-- STRTOL (https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html, docs/aws-facts.md §80.2, §90): text in a
-- base from 2 to 36 → BIGINT; leading white space, then one optional sign, then (base 16) an optional 0x; '' → 0;
-- a result outside the signed 64-bit range is an error. A digit invalid for the base (trailing blanks included) is an
-- error here; Redshift's documentation does not say what it does with one.
-- strtol_any is the general case (PL/pgSQL, about 2 µs a call). strtol takes a fast path for 1 to 15 plain hex
-- digits — gap-filling converts a 15-digit slice of an MD5 for every row it compares — in C-level casts only:
-- 15 digits are exactly bit(60); fewer are read as bit varying after a '0' nibble, widened on the right to 64
-- bits and shifted back. The condition routes everything else (sign, blank, 0x, other lengths, other bases) to
-- strtol_any; a character that is not a hex digit fails in bit_in on the fast path, as it fails in strtol_any.
-- A second fast path reads 8 hex digits that begin with a digit from 1 to f — a CRC32, for 15 of 16 rows — with
-- decode() and PostgreSQL 18's bytea → bigint cast (big-endian): about 0.1 µs a call cheaper than the bit-string
-- casts, and tested first. decode() skips white space between digit pairs, so on that path an 8-character string with
-- blanks inside reads as its digits where the general path fails; Redshift's documentation says nothing about blanks
-- after the digits begin, and gap-filling never passes any.
-- strtol is an SQL function without STRICT so that PostgreSQL inlines it and folds the constant base away. The
-- inlined expression reads its argument several times: PostgreSQL then evaluates the argument expression once per
-- reference, so a caller passes a column, never an expression such as SUBSTRING(MD5(…)) (measured on 10M rows:
-- about 0.25 µs a call on a column; 2.2 µs with MD5 recomputed per reference).
CREATE FUNCTION redshift_system.strtol_any(text, integer) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  DECLARE r numeric := 0; d integer; c text; neg boolean := false;
          s text := lower(ltrim($1, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)));
  BEGIN
    IF $2 < 2 OR $2 > 36 THEN RAISE EXCEPTION 'STRTOL base must be between 2 and 36, got %', $2; END IF;
    IF left(s, 1) IN ('-', '+') THEN neg := left(s, 1) = '-'; s := substr(s, 2); END IF;
    IF $2 = 16 AND left(s, 2) = '0x' THEN s := substr(s, 3); END IF;
    FOREACH c IN ARRAY regexp_split_to_array(s, '') LOOP
      d := strpos('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1;
      IF d < 0 OR d >= $2 THEN RAISE EXCEPTION 'invalid digit "%" for base %', c, $2; END IF;
      r := r * $2 + d;
    END LOOP;
    RETURN (CASE WHEN neg THEN -r ELSE r END)::bigint;
  END $f$;

CREATE FUNCTION redshift_system.strtol(text, integer) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT CASE WHEN $2 = 16 AND octet_length($1) = 8 AND $1 COLLATE "C" >= '1'
                THEN decode($1, 'hex')::bigint
                WHEN $2 <> 16 OR octet_length($1) NOT BETWEEN 1 AND 15 OR ascii($1) < 48
                     OR (ascii($1) = 48 AND (strpos($1, 'x') > 0 OR strpos($1, 'X') > 0))
                THEN redshift_system.strtol_any($1, $2)
                WHEN octet_length($1) = 15 THEN ('x' || $1)::bit(60)::bigint
                ELSE (('x0' || $1)::varbit::bit(64))::bigint >> (60 - 4 * octet_length($1)) END
  $f$;

-- CRC32 (https://docs.aws.amazon.com/redshift/latest/dg/crc32-function.html, docs/aws-facts.md §87): the CRC-32C of a
-- string's bytes (UTF-8) as 8 lowercase hex digits, zero-padded; CRC32('Amazon Redshift') = 'f2726906', the documented
-- example. PostgreSQL 18's crc32c() computes the same checksum as a number. textsend() gives the text's bytes in the
-- session's client encoding, UTF-8 for every client of the emulation (node-postgres sets it). STABLE (textsend is)
-- so that PostgreSQL inlines it: one C call per step, no SQL function call per row.
-- The result is a text of the domain crc32_hex, which behaves as text everywhere (comparison, concatenation, LENGTH,
-- CAST, output) except that STRTOL(CRC32(…), 16) takes the overload below. The general STRTOL reads its argument
-- several times, and an argument as dear as a CRC32 would be computed once per reading; the overload reads it once,
-- so that STRTOL(CRC32(x), 16) costs one checksum and one decode() a row wherever it stands, with no subquery around
-- it, and the query may run in parallel. A CRC32 is always 8 hex digits, so decode() and the bytea → bigint cast
-- (big-endian, zero-extended from 4 bytes) read it exactly, leading zeros included. Another base on a CRC32 taken
-- straight from CRC32() is refused, naming the way round it (CAST to VARCHAR, which reaches the general STRTOL): a
-- second reading of the argument for the general case would stop PostgreSQL from inlining the overload whenever the
-- argument costs more than 10 operators (a version column hashed with the key does), and each row would then run as
-- an SQL function call, about 7 µs. This is a limit of the stand-in, not Redshift's behaviour (docs/aws-facts.md §90.2).
CREATE DOMAIN redshift_system.crc32_hex AS text;
CREATE FUNCTION redshift_system.crc32(text) RETURNS redshift_system.crc32_hex
  LANGUAGE sql STABLE PARALLEL SAFE AS $f$
    SELECT CAST(encode(substring(int8send(crc32c(textsend($1))) FROM 5), 'hex') AS redshift_system.crc32_hex)
  $f$;
CREATE FUNCTION redshift_system.strtol_crc32_base(integer) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$
  BEGIN
    RAISE EXCEPTION 'the emulation reads STRTOL(CRC32(...), %) in base 16 only; CAST the CRC32 AS VARCHAR for base %', $1, $1
      USING ERRCODE = '0A000';
  END $f$;
CREATE FUNCTION redshift_system.strtol(redshift_system.crc32_hex, integer) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT CASE WHEN $2 = 16 THEN decode($1, 'hex')::bigint ELSE redshift_system.strtol_crc32_base($2) END
  $f$;

-- SUM of SMALLINT, INTEGER and BIGINT (https://docs.aws.amazon.com/redshift/latest/dg/r_SUM.html,
-- docs/aws-facts.md §11.1): the result is BIGINT and a sum past 2^63 - 1 fails. PostgreSQL's own sum(smallint) and
-- sum(integer) already return BIGINT (C transition functions with a BIGINT state), so they are left to pg_catalog;
-- the one simplification: their state adds without an overflow check, which only more than 2^32 rows of values near
-- 2^31 in one group could reach. sum(bigint), which PostgreSQL returns as NUMERIC, is replaced by one that adds with
-- the C function int8pl ("bigint out of range" on overflow; Redshift's text differs: "Overflow (Long valid range …)").
-- It wins over pg_catalog's for unqualified calls because the database's search_path lists redshift_system before
-- pg_catalog (sim/redshift/emulation.ts). SUM(DECIMAL) and SUM(float) are left to pg_catalog.
CREATE AGGREGATE redshift_system.sum(bigint) (SFUNC = pg_catalog.int8pl, STYPE = bigint, COMBINEFUNC = pg_catalog.int8pl, PARALLEL = SAFE);

-- LISTAGG (https://docs.aws.amazon.com/redshift/latest/dg/r_LISTAGG.html; docs/aws-facts.md §11.5, §84):
-- concatenates the non-NULL values with a delimiter; a result over 65,535 bytes fails with "Result size
-- exceeds LISTAGG limit" (Redshift prefixes "Invalid operation: "; here SQLSTATE 54000). The limit is
-- checked as the list grows, so a failing list stops at the first value past it. A transition function
-- in PL/pgSQL (PostgreSQL's own string_agg keeps its state in a type only C can read): about 3 µs a
-- value, which the few LISTAGGs the jobs send do not notice. Simplified: the WITHIN GROUP (ORDER BY …)
-- clause is not emulated (order is unspecified without it).
CREATE FUNCTION redshift_system.listagg_step(list text, v text, delimiter text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$
  DECLARE r text;
  BEGIN
    IF v IS NULL THEN RETURN list; END IF;
    r := CASE WHEN list IS NULL THEN v ELSE list || coalesce(delimiter, '') || v END;
    IF octet_length(r) > 65535 THEN
      RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = 'Result size exceeds LISTAGG limit',
        DETAIL = format('the list would be %s bytes; LISTAGG returns at most 65535', octet_length(r));
    END IF;
    RETURN r;
  END $f$;
CREATE AGGREGATE redshift_system.listagg(text, text) (SFUNC = redshift_system.listagg_step, STYPE = text, PARALLEL = SAFE);

-- Informational constraints (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html):
-- Redshift accepts PRIMARY KEY and UNIQUE but does not enforce them, so a target table can hold a
-- key twice. Emulated by an event trigger that records each such constraint here and drops it from
-- the table. (Redshift keeps them in its catalog; the toolkit reads keys from its config instead.)
CREATE TABLE redshift_system.informational_constraints (
  schema_name name NOT NULL,
  table_name name NOT NULL,
  constraint_type char(1) NOT NULL,
  columns name[] NOT NULL
);
GRANT SELECT ON redshift_system.informational_constraints TO PUBLIC;

CREATE FUNCTION redshift_system.make_constraints_informational() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
  DECLARE cmd record; k record;
  BEGIN
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
      FOR k IN
        SELECT c.conname, c.contype::text AS contype, n.nspname, t.relname,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS u(num, ord)
                       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.num ORDER BY u.ord) AS cols
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE c.conrelid = cmd.objid AND c.contype IN ('p', 'u') AND n.nspname <> 'redshift_system'
      LOOP
        INSERT INTO redshift_system.informational_constraints VALUES (k.nspname, k.relname, k.contype, k.cols);
        EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', k.nspname, k.relname, k.conname);
      END LOOP;
    END LOOP;
  END $f$;

CREATE EVENT TRIGGER redshift_informational_constraints ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE TABLE AS')
  EXECUTE FUNCTION redshift_system.make_constraints_informational();

-- Trailing blanks in comparisons (Character types, "Significance of trailing blanks":
-- https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html; docs/aws-facts.md §11.2, §82):
-- Redshift ignores trailing blanks when it compares CHAR and VARCHAR values, so 'a' = 'a  ' is true for
-- VARCHAR too. PostgreSQL's CHAR (bpchar) already compares that way; its VARCHAR compares exactly.
-- Emulated by comparison operators on (varchar, varchar) — and (varchar, char), (char, varchar), which
-- would otherwise be ambiguous — built on bpchar's own C comparison functions (which ignore trailing
-- spaces and read any text datum), so `col = 'x'`, `col = $1`, `a.col = b.col`, IN lists and joins
-- pick them (no pg_catalog operator takes exactly these types). They form the DEFAULT btree and hash
-- operator classes of varchar, so hash joins, merge joins, hash aggregates, GROUP BY, DISTINCT and
-- ORDER BY treat 'a' and 'a ' as one value too (AWS does not say how GROUP BY and ORDER BY treat them;
-- the emulation takes the reading that follows from its "compared" rule, under which a job grouping or
-- ordering text keys on the target must add OCTET_LENGTH to tell them apart, docs/aws-facts.md §82).
-- Simplified: an expression of type TEXT (Redshift: VARCHAR(256)) compared with TEXT or VARCHAR
-- compares exactly; min/max and LIKE are exact, as in PostgreSQL.
CREATE FUNCTION redshift_system.varchar_eq(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpchareq';
CREATE FUNCTION redshift_system.varchar_ne(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharne';
CREATE FUNCTION redshift_system.varchar_lt(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharlt';
CREATE FUNCTION redshift_system.varchar_le(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharle';
CREATE FUNCTION redshift_system.varchar_gt(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpchargt';
CREATE FUNCTION redshift_system.varchar_ge(varchar, varchar) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharge';
CREATE FUNCTION redshift_system.varchar_cmp(varchar, varchar) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharcmp';
CREATE FUNCTION redshift_system.varchar_sortsupport(internal) RETURNS void LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpchar_sortsupport';
CREATE FUNCTION redshift_system.varchar_hash(varchar) RETURNS integer LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashbpchar';
CREATE FUNCTION redshift_system.varchar_hash_extended(varchar, bigint) RETURNS bigint
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashbpcharextended';
CREATE OPERATOR redshift_system.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_eq,
  COMMUTATOR = OPERATOR(redshift_system.=), NEGATOR = OPERATOR(redshift_system.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR redshift_system.<> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_ne,
  COMMUTATOR = OPERATOR(redshift_system.<>), NEGATOR = OPERATOR(redshift_system.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR redshift_system.< (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_lt,
  COMMUTATOR = OPERATOR(redshift_system.>), NEGATOR = OPERATOR(redshift_system.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR redshift_system.<= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_le,
  COMMUTATOR = OPERATOR(redshift_system.>=), NEGATOR = OPERATOR(redshift_system.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR redshift_system.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_gt,
  COMMUTATOR = OPERATOR(redshift_system.<), NEGATOR = OPERATOR(redshift_system.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR redshift_system.>= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = redshift_system.varchar_ge,
  COMMUTATOR = OPERATOR(redshift_system.<=), NEGATOR = OPERATOR(redshift_system.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR CLASS redshift_system.varchar_blank_ops DEFAULT FOR TYPE varchar USING btree AS
  OPERATOR 1 redshift_system.<, OPERATOR 2 redshift_system.<=, OPERATOR 3 redshift_system.=,
  OPERATOR 4 redshift_system.>=, OPERATOR 5 redshift_system.>,
  FUNCTION 1 redshift_system.varchar_cmp(varchar, varchar), FUNCTION 2 redshift_system.varchar_sortsupport(internal);
CREATE OPERATOR CLASS redshift_system.varchar_blank_ops DEFAULT FOR TYPE varchar USING hash AS
  OPERATOR 1 redshift_system.=,
  FUNCTION 1 redshift_system.varchar_hash(varchar), FUNCTION 2 redshift_system.varchar_hash_extended(varchar, bigint);
-- VARCHAR against CHAR, both ways: the same comparisons (no join or sort support needed).
DO $$
DECLARE op text; fn text; l text; r text;
BEGIN
  FOR op, fn IN VALUES ('=', 'bpchareq'), ('<>', 'bpcharne'), ('<', 'bpcharlt'), ('<=', 'bpcharle'), ('>', 'bpchargt'), ('>=', 'bpcharge') LOOP
    FOR l, r IN VALUES ('varchar', 'bpchar'), ('bpchar', 'varchar') LOOP
      EXECUTE format('CREATE FUNCTION redshift_system.%I(%s, %s) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS %L',
                     l || '_' || r || '_' || fn, l, r, fn);
      EXECUTE format('CREATE OPERATOR redshift_system.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = redshift_system.%I)',
                     op, l, r, l || '_' || r || '_' || fn);
    END LOOP;
  END LOOP;
END $$;

-- VARCHAR(n) and CHAR(n) lengths in bytes (Character types, "Storage and ranges":
-- https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html; docs/aws-facts.md §7.2, §11.4, §83):
-- a VARCHAR(n) holds at most n bytes, so a value of n characters with multi-byte ones among them fails
-- with "value too long for type character varying(n)"; a CHAR column holds single-byte characters only
-- (Multibyte character load errors, https://docs.aws.amazon.com/redshift/latest/dg/multi-byte-character-load-errors.html:
-- "Multibyte character not supported for CHAR (Hint: Try using VARCHAR)"). PostgreSQL counts characters.
-- Emulated by an event trigger that gives every VARCHAR(n) and CHAR(n) column of a user table a CHECK
-- (named redshift_bytes_<column number>_<n>) which raises Redshift's error, SQLSTATE 22001, when the
-- value's bytes exceed n (22021 for a multi-byte character in a CHAR). The trigger runs again on the
-- ALTER TABLE it issues itself and then finds every CHECK in place; after ALTER COLUMN … TYPE a CHECK
-- for the old length is replaced. Simplified: a cast (CAST(x AS VARCHAR(n))) still cuts characters,
-- not bytes, and an over-long value whose excess is blanks fails where Redshift would cut the blanks
-- when its characters fit but its bytes do not.
CREATE FUNCTION redshift_system.value_too_long(type_name text, n integer) RETURNS boolean
  LANGUAGE plpgsql VOLATILE AS $f$
  BEGIN
    RAISE EXCEPTION USING ERRCODE = '22001', MESSAGE = format('value too long for type %s(%s)', type_name, n);
  END $f$;
CREATE FUNCTION redshift_system.multibyte_in_char() RETURNS boolean
  LANGUAGE plpgsql VOLATILE AS $f$
  BEGIN
    RAISE EXCEPTION USING ERRCODE = '22021', MESSAGE = 'Multibyte character not supported for CHAR (Hint: Try using VARCHAR)';
  END $f$;

CREATE FUNCTION redshift_system.limit_text_bytes() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
  DECLARE cmd record; c record; adds text[]; drops text[]; wanted text;
  BEGIN
    FOR cmd IN SELECT DISTINCT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
      adds := '{}'; drops := '{}';
      FOR c IN
        SELECT n.nspname, t.relname, a.attnum, a.attname, a.atttypid, a.atttypmod - 4 AS len
          FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE a.attrelid = cmd.objid AND a.attnum > 0 AND NOT a.attisdropped AND t.relkind IN ('r', 'p')
           AND a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4
           AND n.nspname <> 'redshift_system'
      LOOP
        wanted := format('redshift_bytes_%s_%s', c.attnum, c.len);
        drops := drops || ARRAY(SELECT format('DROP CONSTRAINT %I', k.conname) FROM pg_constraint k
                                 WHERE k.conrelid = cmd.objid AND k.contype = 'c'
                                   AND starts_with(k.conname, format('redshift_bytes_%s_', c.attnum)) AND k.conname <> wanted);
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = cmd.objid AND k.conname = wanted);
        adds := adds || CASE WHEN c.atttypid = 'varchar'::regtype
          THEN format('ADD CONSTRAINT %I CHECK (%I IS NULL OR octet_length(%I) <= %s OR redshift_system.value_too_long(%L, %s))',
                      wanted, c.attname, c.attname, c.len, 'character varying', c.len)
          ELSE format('ADD CONSTRAINT %I CHECK (%I IS NULL OR octet_length(CAST(%I AS text)) = char_length(CAST(%I AS text)) '
                      'OR redshift_system.multibyte_in_char())', wanted, c.attname, c.attname, c.attname)
        END;
      END LOOP;
      IF cardinality(drops) + cardinality(adds) > 0 THEN
        EXECUTE format('ALTER TABLE %s %s', cmd.objid::regclass, array_to_string(drops || adds, ', '));
      END IF;
    END LOOP;
  END $f$;

CREATE EVENT TRIGGER redshift_text_bytes ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE TABLE AS')
  EXECUTE FUNCTION redshift_system.limit_text_bytes();

-- Identifier folding (Names and identifiers, https://docs.aws.amazon.com/redshift/latest/dg/r_names.html;
-- enable_case_sensitive_identifier, https://docs.aws.amazon.com/redshift/latest/dg/r_enable_case_sensitive_identifier.html;
-- docs/aws-facts.md §11.3, §85): Redshift folds the ASCII letters of quoted identifiers to lower case too.
-- Not done in the database (PostgreSQL's parser keeps a quoted identifier's case): the statements the
-- companion sends are folded before they reach it (sim/redshift/dialect/fold-identifiers.ts).

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA redshift_system TO PUBLIC;
GRANT USAGE ON TYPE redshift_system.super, redshift_system.varbyte TO PUBLIC;
