\set VERBOSITY default
SELECT version() LIKE 'PostgreSQL %' AS is_postgres;
SELECT * FROM customers WHERE id IN (0, 1, 2) ORDER BY id;
\d customers
\dt
\dv
\d+ active_customers
-- empty query and multi-statement strings
;
SELECT 1 AS a; SELECT 2 AS b;
-- errors keep the session usable; syntax errors carry a position
SELECT 1/0;
\echo :LAST_ERROR_SQLSTATE
SELEC 1;
\echo :LAST_ERROR_SQLSTATE
SELECT nosuchcolumn FROM customers;
\echo :LAST_ERROR_SQLSTATE
-- transactions: I, T, E
BEGIN;
SELECT count(*) FROM customers;
SELECT 1/0;
SELECT 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SAVEPOINT s1;
SELECT 1/0;
ROLLBACK TO SAVEPOINT s1;
SELECT 'recovered' AS state;
COMMIT;
-- cursors
BEGIN;
DECLARE c CURSOR FOR SELECT id, code FROM customers ORDER BY id;
FETCH 3 FROM c;
MOVE FORWARD 100 IN c;
FETCH 2 FROM c;
CLOSE c;
COMMIT;
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM customers WHERE id < 5 ORDER BY id;
FETCH ALL FROM h;
CLOSE h;
-- COPY out, and into a temporary table
COPY (SELECT id, code, amount, seen_at FROM customers WHERE id <= 5 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE t (a int, b text);
COPY t FROM STDIN;
1	one
2	two
\.
SELECT * FROM t ORDER BY a;
-- session statements
SET TimeZone = 'Asia/Seoul';
SHOW TimeZone;
SELECT seen_at FROM customers WHERE id = 1;
RESET TimeZone;
SET search_path = pg_catalog, public;
SHOW search_path;
RESET ALL;
PREPARE p(int) AS SELECT code FROM customers WHERE id = $1;
EXECUTE p(42);
DEALLOCATE p;
EXECUTE p(42);
DISCARD ALL;
SELECT count(*) FROM pg_prepared_statements;
