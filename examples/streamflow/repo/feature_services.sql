-- The features the churn model v1 reads.
CREATE FEATURE SERVICE churn_v1 AS
  subs_profile_fv.*, usage_agg_30d_fv.watch_hours_30d, payments_agg_90d_fv.failed_payments_90d
  COMMENT 'churn model v1';
