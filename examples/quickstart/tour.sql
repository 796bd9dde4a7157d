-- The five-minute tour of featuregate, with psql, in the quickstart
-- project (README.md says how to start it). Run the whole file with
--   psql -v ON_ERROR_STOP=1 postgres://demo@127.0.0.1:5433/quickstart -f examples/quickstart/tour.sql
-- or paste the statements one by one.

\echo '== 1. What the repo defined (featuregate apply examples/quickstart/repo)'
SHOW FEATURE VIEWS;
SHOW FEATURES IN driver_hourly_stats;
\d driver_activity

\echo '== 2. A training set: each row gets the features valid at its own time'
-- The spine: which driver, when, and the label to learn. Here VALUES; in
-- practice a table, a view, or a temporary table filled with COPY or
-- pandas to_sql. LEFT JOIN keeps every spine row exactly once; a row with
-- no earlier value (1004, before the data starts) gets NULLs.
SELECT s.driver_id, s.ts, s.trip_completed, f.conv_rate, f.acc_rate, f.avg_daily_trips
FROM (VALUES (1001, TIMESTAMPTZ '2025-06-01 10:30:00+00', true),
             (1002, TIMESTAMPTZ '2025-06-02 08:00:00+00', false),
             (1003, TIMESTAMPTZ '2025-06-03 12:59:59+00', true),
             (1001, TIMESTAMPTZ '2025-06-04 12:00:00+00', true),
             (1004, TIMESTAMPTZ '2025-05-31 23:00:00+00', false))
     AS s(driver_id, ts, trip_completed)
LEFT JOIN driver_hourly_stats AS OF s.ts f USING (driver_id)
ORDER BY s.driver_id, s.ts;

\echo '== 3. Every driver as of one time'
SELECT driver_id, conv_rate, acc_rate, avg_daily_trips
FROM driver_hourly_stats AS OF TIMESTAMPTZ '2025-06-02 00:00:00+00'
ORDER BY driver_id;

\echo '== 4. The SQL that ran on the offline PostgreSQL (NOTICEs) and its plan'
EXPLAIN (COSTS OFF)
SELECT s.driver_id, f.conv_rate
FROM (VALUES (1001, TIMESTAMPTZ '2025-06-01 10:30:00+00')) AS s(driver_id, ts)
LEFT JOIN driver_hourly_stats AS OF s.ts f USING (driver_id);

\echo '== 5. Materialize: the latest values of each driver go to the online store'
MATERIALIZE FROM '2025-06-01T00:00:00Z' TO '2025-06-04T00:00:00Z';

\echo '== 6. Online lookups: one row per key, in request order, NULLs for an unknown key'
SELECT * FROM driver_activity WHERE driver_id IN (1001, 1005, 9999);
SELECT driver_id, conv_rate FROM driver_hourly_stats WHERE driver_id = 1002;
