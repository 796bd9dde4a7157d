-- Feast's default template (feast init), line for line: its data is a
-- parquet file of the repo, read as a file source.
CREATE ENTITY driver (driver_id BIGINT) COMMENT 'driver id';

-- FileSource(path="data/driver_stats.parquet", timestamp_field="event_timestamp",
--            created_timestamp_column="created")
CREATE SOURCE driver_stats_source
  TIMESTAMP COLUMN event_timestamp CREATED COLUMN created
  AS FILE 'data/driver_stats.parquet';

-- Feast's template has ttl=timedelta(days=1); the sample data ends on
-- 2025-06-03, so a TTL would hide every online value: this one has none.
CREATE FEATURE VIEW driver_hourly_stats (
  conv_rate       REAL,
  acc_rate        REAL,
  avg_daily_trips BIGINT
) ENTITY driver SOURCE driver_stats_source
  TTL NONE ONLINE TAGS (team = 'driver_performance') COMMENT 'hourly driver statistics';

CREATE FEATURE SERVICE driver_activity AS driver_hourly_stats.*
  COMMENT 'driver activity model';
