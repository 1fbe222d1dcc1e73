-- Redshift's SUM of an integer type (emulation, opt-in: sim/redshift/integer-sum.ts).
--
-- SUM function (https://docs.aws.amazon.com/redshift/latest/dg/r_SUM.html): SUM of SMALLINT, INTEGER
-- or BIGINT returns BIGINT, and an overflowing computation is an error (docs/aws-facts.md §11.1, §80).
-- PostgreSQL's sum(bigint) returns NUMERIC and never overflows, so a query that sums BIGINT keys near
-- 2^62 would pass here and fail on Redshift. This aggregate adds with int8pl, which raises
-- "bigint out of range" on overflow; sum(integer) and sum(smallint) already return BIGINT in PostgreSQL
-- (their int8 accumulator overflows only past 2^63, as Redshift's does).
-- Resolved before pg_catalog.sum because the installer puts redshift_sum ahead of pg_catalog in the
-- database's search_path.

CREATE SCHEMA IF NOT EXISTS redshift_sum;
GRANT USAGE ON SCHEMA redshift_sum TO PUBLIC;
DROP AGGREGATE IF EXISTS redshift_sum.sum(bigint);
CREATE AGGREGATE redshift_sum.sum(bigint) (SFUNC = pg_catalog.int8pl, STYPE = bigint);
