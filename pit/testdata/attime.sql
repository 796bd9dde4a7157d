(SELECT "fg_spine"."user_id", "fg_spine"."event_timestamp", "fg_v1"."months_active" AS "months_active", "fg_v1"."monthly_fee" AS "monthly_fee", "fg_v2"."watch_hours_30d" AS "watch_hours_30d"
FROM (SELECT "fg_e"."user_id", "fg_at"."t" AS "event_timestamp"
FROM (SELECT CASE WHEN isfinite("fg_t"."fg_time") THEN timezone('UTC', (DATE 'epoch' + ("fg_t"."fg_time" - 'epoch'))::timestamp) ELSE "fg_t"."fg_time"::timestamptz END AS "t"
FROM (SELECT (TIMESTAMPTZ '2024-01-31') AS "fg_time") AS "fg_t") AS "fg_at" CROSS JOIN LATERAL (SELECT DISTINCT "fg_src"."user_id"
FROM subscriptions_profile_snapshots AS "fg_src" WHERE "fg_src"."as_of" <= "fg_at"."t" AND "fg_src"."user_id" IS NOT NULL UNION SELECT DISTINCT "fg_src"."user_id"
FROM (SELECT *
FROM "Usage") AS "fg_src" WHERE "fg_src"."as_of" <= "fg_at"."t" AND "fg_src"."user_id" IS NOT NULL) AS "fg_e") AS "fg_spine" LEFT JOIN LATERAL (SELECT "fg_src"."months_active"::bigint AS "months_active", "fg_src"."monthly_fee"::real AS "monthly_fee"
FROM subscriptions_profile_snapshots AS "fg_src" WHERE "fg_src"."user_id" = "fg_spine"."user_id" AND "fg_src"."as_of" <= "fg_spine"."event_timestamp" ORDER BY "fg_src"."as_of" DESC LIMIT 1) AS "fg_v1" ON true LEFT JOIN LATERAL (SELECT "fg_src"."watch_hours_30d"::double precision AS "watch_hours_30d"
FROM (SELECT "fg_all"."user_id", "fg_all"."as_of", "fg_all"."loaded_at", "fg_all"."watch_hours_30d", lead("fg_all"."as_of") OVER (PARTITION BY "fg_all"."user_id" ORDER BY "fg_all"."as_of", "fg_all"."loaded_at" NULLS FIRST) AS "fg_next"
FROM (SELECT *
FROM "Usage") AS "fg_all" WHERE "fg_all"."as_of" IS NOT NULL) AS "fg_src" WHERE "fg_src"."user_id" = "fg_spine"."user_id" AND "fg_src"."as_of" <= "fg_spine"."event_timestamp" AND "fg_src"."as_of" >= "fg_spine"."event_timestamp" - '2592000 seconds'::interval AND ("fg_src"."fg_next" IS NULL OR "fg_src"."fg_next" > "fg_spine"."event_timestamp")) AS "fg_v2" ON true)
