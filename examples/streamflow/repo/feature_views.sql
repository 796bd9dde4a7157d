-- StreamFlow feature views, one per source, as in the lab's
-- feature_views.py: ttl=None, online, tags owner=mlops-course.
CREATE FEATURE VIEW subs_profile_fv (
  months_active      BIGINT,
  monthly_fee        REAL,
  paperless_billing  BOOLEAN,
  plan_stream_tv     BOOLEAN,
  plan_stream_movies BOOLEAN,
  net_service        TEXT
) ENTITY user SOURCE subs_profile_source
  TTL NONE ONLINE TAGS (owner = 'mlops-course') COMMENT 'subscription profile';

CREATE FEATURE VIEW usage_agg_30d_fv (
  watch_hours_30d     REAL,
  avg_session_mins_7d REAL,
  unique_devices_30d  BIGINT,
  skips_7d            BIGINT,
  rebuffer_events_7d  BIGINT
) ENTITY user SOURCE usage_agg_30d_source
  TTL NONE ONLINE TAGS (owner = 'mlops-course') COMMENT 'platform usage, last 30 days';

CREATE FEATURE VIEW payments_agg_90d_fv (
  failed_payments_90d BIGINT
) ENTITY user SOURCE payments_agg_90d_source
  TTL NONE ONLINE TAGS (owner = 'mlops-course') COMMENT 'recent payments, last 90 days';

CREATE FEATURE VIEW support_agg_90d_fv (
  support_tickets_90d           BIGINT,
  ticket_avg_resolution_hrs_90d REAL
) ENTITY user SOURCE support_agg_90d_source
  TTL NONE ONLINE TAGS (owner = 'mlops-course') COMMENT 'support interactions, last 90 days';
