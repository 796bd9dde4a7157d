-- StreamFlow online (seed 004): materialize January, then read the latest
-- values of one user, as the lab's debug_online_features.py did. Run with
--   psql -v ON_ERROR_STOP=1 postgres://demo@127.0.0.1:5433/streamflow -f examples/streamflow/online.sql

-- feast materialize 2024-01-01T00:00:00 2024-02-01T00:00:00
MATERIALIZE FROM '2024-01-01T00:00:00Z' TO '2024-02-01T00:00:00Z';

-- store.get_online_features(features=[subs_profile_fv:months_active, …],
--                           entity_rows=[{"user_id": "7590-VHVEG"}])
SELECT user_id, months_active, monthly_fee, paperless_billing
FROM subs_profile_fv WHERE user_id = '7590-VHVEG';

-- The model's service for two users, and one without values (NULLs).
SELECT * FROM churn_v1 WHERE user_id IN ('7590-VHVEG', '5575-GNVDE', '0000-NOPE');
