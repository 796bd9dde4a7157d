-- The CLI tests' project: drivers, and trips keyed by driver and trip.
CREATE ENTITY driver (driver_id BIGINT) COMMENT 'a driver';
CREATE ENTITY driver_trip (driver_id BIGINT, trip_id BIGINT) COMMENT 'a trip of a driver';

CREATE SOURCE driver_stats_source TIMESTAMP COLUMN event_timestamp AS TABLE driver_stats;
CREATE SOURCE trip_fares_source TIMESTAMP COLUMN event_timestamp AS TABLE trip_fares;

CREATE FEATURE VIEW driver_stats_fv (
  conv_rate REAL CHECK (conv_rate BETWEEN 0 AND 1),
  trips     BIGINT
) ENTITY driver SOURCE driver_stats_source TTL NONE;

CREATE FEATURE VIEW trip_fv (fare REAL) ENTITY driver_trip SOURCE trip_fares_source TTL NONE;

CREATE FEATURE SERVICE driver_service AS driver_stats_fv.*;
