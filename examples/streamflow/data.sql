-- StreamFlow's tables, as in the course lab: monthly snapshots of four
-- feature groups per user, and the churn labels. 1000 synthetic users, two
-- month-end snapshots (2024-01-31 and 2024-02-29), deterministic values.
CREATE TABLE users (user_id text PRIMARY KEY, signup_date date NOT NULL);
INSERT INTO users
SELECT 'u' || lpad(i::text, 5, '0'), DATE '2021-01-01' + (i * 7 % 1000)
FROM generate_series(1, 1000) AS i;

CREATE TABLE subscriptions_profile_snapshots (
  user_id text NOT NULL, as_of date NOT NULL,
  months_active bigint, monthly_fee real, paperless_billing boolean,
  plan_stream_tv boolean, plan_stream_movies boolean, net_service text,
  PRIMARY KEY (user_id, as_of));
CREATE TABLE usage_agg_30d_snapshots (
  user_id text NOT NULL, as_of date NOT NULL,
  watch_hours_30d real, avg_session_mins_7d real, unique_devices_30d bigint,
  skips_7d bigint, rebuffer_events_7d bigint,
  PRIMARY KEY (user_id, as_of));
CREATE TABLE payments_agg_90d_snapshots (
  user_id text NOT NULL, as_of date NOT NULL, failed_payments_90d bigint,
  PRIMARY KEY (user_id, as_of));
CREATE TABLE support_agg_90d_snapshots (
  user_id text NOT NULL, as_of date NOT NULL,
  support_tickets_90d bigint, ticket_avg_resolution_hrs_90d real,
  PRIMARY KEY (user_id, as_of));
CREATE TABLE labels (user_id text PRIMARY KEY, churn_label boolean NOT NULL);

INSERT INTO subscriptions_profile_snapshots
SELECT 'u' || lpad(i::text, 5, '0'), d,
       1 + (i * 13 % 72) + m, 19.99 + (i * 7 % 90), i % 3 <> 0, i % 2 = 0, i % 5 < 2,
       (ARRAY['DSL', 'Fiber optic', 'No'])[1 + i % 3]
FROM generate_series(1, 1000) AS i,
     (VALUES (0, DATE '2024-01-31'), (1, DATE '2024-02-29')) AS month(m, d);

INSERT INTO usage_agg_30d_snapshots
SELECT 'u' || lpad(i::text, 5, '0'), d, round(((i * 17 % 120) + m * 3.5)::numeric, 1),
       round((5 + i * 11 % 55)::numeric, 1), 1 + i % 4, i * 3 % 25, i * 5 % 9
FROM generate_series(1, 1000) AS i,
     (VALUES (0, DATE '2024-01-31'), (1, DATE '2024-02-29')) AS month(m, d);

INSERT INTO payments_agg_90d_snapshots
SELECT 'u' || lpad(i::text, 5, '0'), d, (i * 7 + m) % 4
FROM generate_series(1, 1000) AS i,
     (VALUES (0, DATE '2024-01-31'), (1, DATE '2024-02-29')) AS month(m, d);

INSERT INTO support_agg_90d_snapshots
SELECT 'u' || lpad(i::text, 5, '0'), d, (i * 3 + m) % 6, round((1 + i * 19 % 72)::numeric, 1)
FROM generate_series(1, 1000) AS i,
     (VALUES (0, DATE '2024-01-31'), (1, DATE '2024-02-29')) AS month(m, d);

INSERT INTO labels
SELECT 'u' || lpad(i::text, 5, '0'), (i * 7 % 100) < 27
FROM generate_series(1, 1000) AS i;
