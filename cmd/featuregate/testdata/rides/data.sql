-- The tables of the CLI tests' small project: three drivers with a
-- statistics row at three times, and the fares of trips, keyed by driver
-- and trip (a composite entity key). Driver 3's last row breaks the CHECK
-- rule on conv_rate, so MATERIALIZE rejects it.
CREATE TABLE driver_stats (
  driver_id bigint NOT NULL, event_timestamp timestamptz NOT NULL,
  conv_rate real, trips bigint);
INSERT INTO driver_stats VALUES
  (1, '2024-01-01 00:00:00+00', 0.10, 10),
  (1, '2024-01-15 00:00:00+00', 0.15, 15),
  (1, '2024-02-01 00:00:00+00', 0.20, 20),
  (2, '2024-01-01 00:00:00+00', 0.30, 30),
  (2, '2024-01-20 00:00:00+00', 0.35, 35),
  (3, '2024-01-01 00:00:00+00', 0.50, 50),
  (3, '2024-01-25 00:00:00+00', 1.50, 55);

CREATE TABLE trip_fares (
  driver_id bigint NOT NULL, trip_id bigint NOT NULL,
  event_timestamp timestamptz NOT NULL, fare real);
INSERT INTO trip_fares VALUES
  (1, 100, '2024-01-02 00:00:00+00', 12.5),
  (1, 101, '2024-01-03 00:00:00+00', 7.25),
  (2, 100, '2024-01-04 00:00:00+00', 30),
  (2, 100, '2024-01-10 00:00:00+00', 31);

-- A spine with labels, for get-historical-features --entity-sql.
CREATE TABLE labels (driver_id bigint, event_timestamp timestamptz, churned boolean);
INSERT INTO labels VALUES
  (1, '2024-01-10 00:00:00+00', false),
  (1, '2024-02-10 00:00:00+00', true),
  (2, '2023-12-31 00:00:00+00', false),
  (4, '2024-01-10 00:00:00+00', true);
