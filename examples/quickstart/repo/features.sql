-- Where the rows come from: the table data.sql creates. event_timestamp is
-- when a value became true, created when the row was written.
CREATE SOURCE driver_stats_source
  TIMESTAMP COLUMN event_timestamp CREATED COLUMN created
  AS TABLE driver_stats;

-- Feast's template has ttl=timedelta(days=1). Online lookups measure the
-- TTL from now, and the sample data ends on 2025-06-03, so a TTL would hide
-- every online value of this example: it has none.
CREATE FEATURE VIEW driver_hourly_stats (
  conv_rate       REAL,
  acc_rate        REAL,
  avg_daily_trips BIGINT
) ENTITY driver SOURCE driver_stats_source
  TTL NONE ONLINE TAGS (team = 'driver_performance') COMMENT 'hourly driver statistics';

-- What a model reads, by one name.
CREATE FEATURE SERVICE driver_activity AS
  driver_hourly_stats.conv_rate, driver_hourly_stats.acc_rate, driver_hourly_stats.avg_daily_trips
  COMMENT 'driver activity model';
