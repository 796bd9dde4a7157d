-- StreamFlow: the monthly snapshot tables on the offline PostgreSQL, one
-- row per user and as_of date (data.sql), as in the lab's data_sources.py.
CREATE SOURCE subs_profile_source TIMESTAMP COLUMN as_of AS
  SELECT user_id, as_of, months_active, monthly_fee, paperless_billing,
         plan_stream_tv, plan_stream_movies, net_service
  FROM subscriptions_profile_snapshots;

CREATE SOURCE usage_agg_30d_source TIMESTAMP COLUMN as_of AS TABLE usage_agg_30d_snapshots;

CREATE SOURCE payments_agg_90d_source TIMESTAMP COLUMN as_of AS TABLE payments_agg_90d_snapshots;

CREATE SOURCE support_agg_90d_source TIMESTAMP COLUMN as_of AS TABLE support_agg_90d_snapshots;
COMMENT ON SOURCE support_agg_90d_source IS 'support ticket aggregates';
