-- Feast's default template (local) keeps its data in a parquet file of the
-- repo, data/driver_stats.parquet, which featuregate apply loads into the
-- offline PostgreSQL: there is no table to create. (The file holds the
-- quickstart's rows: hourly statistics of drivers 1001 to 1005 from
-- 2025-06-01 00:00 to 2025-06-03 23:00 UTC.)
SELECT 'the local template has no tables: its data is data/driver_stats.parquet' AS note;
