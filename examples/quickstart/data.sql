-- The quickstart's table, Feast's template data (driver_stats.parquet):
-- hourly statistics of five drivers, 1001 to 1005, for three days, from
-- 2025-06-01 00:00 to 2025-06-03 23:00 UTC; created is when each row was
-- written. Deterministic values. The table is not called
-- driver_hourly_stats, the feature view's name: through the gateway a bare
-- name is the feature relation, and psql's \d would show the table.
CREATE TABLE driver_stats (
  driver_id       bigint      NOT NULL,
  event_timestamp timestamptz NOT NULL,
  created         timestamptz NOT NULL,
  conv_rate       real,
  acc_rate        real,
  avg_daily_trips bigint
);

INSERT INTO driver_stats
SELECT d, t.ts, t.ts + interval '5 minutes',
       round(0.10 + ((d * 37 + h * 11) % 80) / 100.0, 2),
       round(0.50 + ((d * 13 + h * 7) % 50) / 100.0, 2),
       100 + (d * 31 + h * 17) % 900
FROM generate_series(1001, 1005) AS d,
     generate_series(0, 71) AS h,
     LATERAL (SELECT TIMESTAMPTZ '2025-06-01 00:00:00+00' + h * interval '1 hour' AS ts) AS t;

-- A late correction of driver 1001's last hour: same event time, written
-- later. Point-in-time reads and materialization take it (ties in
-- event_timestamp go to the greatest created).
INSERT INTO driver_stats
VALUES (1001, '2025-06-03 23:00:00+00', '2025-06-04 01:00:00+00', 0.99, 0.99, 999);

-- The index point-in-time reads probe: (entity key, event timestamp).
CREATE INDEX driver_stats_driver_ts ON driver_stats (driver_id, event_timestamp);
