-- Seed 000's biometric example on PostgreSQL: one reading a day at 08:00
-- for 200 users (user_1 … user_200) over the 30 days before the day this
-- file is loaded, and health labels. Times are relative to now(), so the
-- feature view's 90-day TTL keeps the readings fresh for online lookups
-- whenever the example runs; the values are deterministic.
CREATE TABLE user_biometrics (
  user_id                  text        NOT NULL,
  event_timestamp          timestamptz NOT NULL,
  heart_rate               real,
  blood_pressure_systolic  bigint,
  blood_pressure_diastolic bigint,
  body_temperature         real,
  oxygen_saturation        real,
  PRIMARY KEY (user_id, event_timestamp)  -- the index point-in-time reads probe
);

-- Every fifth user is at risk: faster heart, higher pressure and
-- temperature, lower oxygen. r1 … r4 are pseudo-random numbers in [0, 1), from md5.
-- Sensor glitches break the feature view's CHECK rules: a heart rate of 0
-- in the latest reading of every 13th user, a temperature of 45.5 in the
-- latest reading of every 17th, and a heart rate of 250 ten days ago for
-- every 7th.
INSERT INTO user_biometrics
SELECT 'user_' || u,
       date_trunc('day', now()) - d * interval '1 day' + interval '8 hours',
       CASE WHEN d = 1 AND u % 13 = 0 THEN 0
            WHEN d = 10 AND u % 7 = 0 THEN 250
            ELSE round(CASE WHEN risk THEN 92 + 38 * r1 ELSE 55 + 40 * r1 END, 1) END,
       round(CASE WHEN risk THEN 128 + 30 * r2 ELSE 105 + 35 * r2 END),
       round(CASE WHEN risk THEN 82 + 15 * r3 ELSE 65 + 20 * r3 END),
       CASE WHEN d = 1 AND u % 17 = 0 THEN 45.5
            ELSE round(CASE WHEN risk THEN 37.0 + 1.6 * r4 ELSE 36.1 + 1.3 * r4 END, 1) END,
       round(CASE WHEN risk THEN 89 + 8 * r1 ELSE 95 + 5 * r3 END, 1)
FROM generate_series(1, 200) AS u,
     generate_series(1, 30) AS d,
     LATERAL (SELECT u % 5 = 0 AS risk,
                     ('x' || left(md5(u || ':' || d || ':1'), 8))::bit(32)::bigint / 4294967296.0 AS r1,
                     ('x' || left(md5(u || ':' || d || ':2'), 8))::bit(32)::bigint / 4294967296.0 AS r2,
                     ('x' || left(md5(u || ':' || d || ':3'), 8))::bit(32)::bigint / 4294967296.0 AS r3,
                     ('x' || left(md5(u || ':' || d || ':4'), 8))::bit(32)::bigint / 4294967296.0 AS r4) AS r;

-- Labels, as seed 000's training script makes them: a health check at
-- 20:00 on each day but the last, abnormal (1) when that day's reading
-- has a heart rate above 100, a systolic pressure above 140, a temperature
-- above 37.5 or an oxygen saturation below 95, except for one check in
-- sixteen, where the clinician disagreed (the model cannot be perfect).
CREATE TABLE health_labels (
  user_id         text        NOT NULL,
  event_timestamp timestamptz NOT NULL,
  health_status   integer     NOT NULL,
  PRIMARY KEY (user_id, event_timestamp)
);
INSERT INTO health_labels
SELECT user_id, event_timestamp + interval '12 hours',
       CASE WHEN (heart_rate > 100 OR blood_pressure_systolic > 140
                  OR body_temperature > 37.5 OR oxygen_saturation < 95)
                 <> (left(md5(user_id || extract(epoch FROM event_timestamp)::text), 1) = '0')
            THEN 1 ELSE 0 END
FROM user_biometrics
WHERE event_timestamp < date_trunc('day', now()) - interval '1 day';
