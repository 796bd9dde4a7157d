CREATE TABLE subscriptions_profile_snapshots (
  user_id text, as_of date, months_active bigint, monthly_fee real, paperless_billing boolean,
  plan_stream_tv boolean, plan_stream_movies boolean, net_service text);
CREATE TABLE usage_agg_30d_snapshots (
  user_id text, as_of date, watch_hours_30d real, avg_session_mins_7d real,
  unique_devices_30d bigint, skips_7d bigint, rebuffer_events_7d bigint);
CREATE TABLE payments_agg_90d_snapshots (user_id text, as_of date, failed_payments_90d bigint);
CREATE TABLE support_agg_90d_snapshots (
  user_id text, as_of date, support_tickets_90d bigint, ticket_avg_resolution_hrs_90d real);
