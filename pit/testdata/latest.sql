SELECT DISTINCT ON ("fg_src"."user_id") "fg_src"."user_id", "fg_src"."as_of"::timestamptz, "fg_src"."loaded_at"::timestamptz, "fg_src"."watch_hours_30d"::double precision AS "watch_hours_30d", ((watch_hours_30d >= 0) IS NOT FALSE AND (watch_hours_30d < 1000) IS NOT FALSE) AS "fg_valid"
FROM (SELECT *
FROM "Usage") AS "fg_src" WHERE "fg_src"."as_of" >= $1::timestamptz AND "fg_src"."as_of" <= $2::timestamptz AND "fg_src"."user_id" IS NOT NULL ORDER BY "fg_src"."user_id", "fg_src"."as_of" DESC, "fg_src"."loaded_at" DESC NULLS LAST
