-- The entity every feature of the quickstart describes: a driver.
CREATE ENTITY driver (driver_id BIGINT) COMMENT 'driver id';
