# RPostgreSQL (Debian's r-cran-rpostgresql) reads through featuregate:
#   Rscript rpostgresql_client.R URL USER1 USER2 SECTION...
#
# RPostgreSQL sends statements without parameters with PQexec (the simple
# protocol) and statements with parameters with PQexecParams (the unnamed
# statement of the extended protocol, text parameters). It reports errors
# as libpq formats them (no SQLSTATE: RPostgreSQL does not expose it).
#
# Sections:
#   meta      dbListTables, dbExistsTable, dbListFields (all read pg_tables,
#             so they see tables, not views such as the feature relations),
#             the feature relations from information_schema, parameterized
#             and chunked reads of the offline tables: the same through the
#             gateway and on PostgreSQL.
#   errors    bad SQL: the message and the connection going on, the same
#             through the gateway and on PostgreSQL.
#   features  AS OF queries and lookups with parameters (gateway only).

suppressPackageStartupMessages(library(RPostgreSQL))

args <- commandArgs(trailingOnly = TRUE)
url <- args[1]
u1 <- args[2]
u2 <- args[3]
m <- regmatches(url, regexec("^postgres://([^@:]+)@([^:/]+):([0-9]+)/([^?]+)", url))[[1]]
con <- dbConnect(dbDriver("PostgreSQL"), user = m[2], host = m[3], port = as.integer(m[4]), dbname = m[5])

out <- function(...) cat(..., "\n", sep = "")

cell <- function(name, v) {
  if (is.na(v)) return("NULL")
  if (name == "fee") return(sprintf("%.2f", v))
  as.character(v)
}

lines <- function(kind, df) {
  for (i in seq_len(nrow(df))) {
    out(kind, " ", paste(mapply(cell, names(df), df[i, ]), collapse = " "))
  }
}

ASOF_CONST <- paste("SELECT user_id, months_active, round(watch_hours_30d::numeric, 2)::text AS watch",
                    "FROM features AS OF $1 WHERE user_id = $2")
ASOF_SPINE <- paste("SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch",
                    "FROM (VALUES ($2::text, $1::timestamptz)) AS s(user_id, t)",
                    "LEFT JOIN features AS OF s.t f USING (user_id)")
LOOKUP <- "SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = $1"
T <- "2024-01-31 00:00:00+00"

meta <- function() {
  out("tables ", paste(sort(dbListTables(con)), collapse = ","))
  out("exists users ", dbExistsTable(con, "users"))
  out("exists subs_profile_fv ", dbExistsTable(con, "subs_profile_fv"))
  out("fields ", paste(dbListFields(con, "subscriptions_profile_snapshots"), collapse = ","))
  out("fields subs_profile_fv ", length(dbListFields(con, "subs_profile_fv")))
  views <- dbGetQuery(con, paste("SELECT table_schema, table_name FROM information_schema.views",
                                 "WHERE table_schema LIKE $1 ORDER BY 1, 2"), list("fg\\_%"))
  for (i in seq_len(nrow(views))) out("view ", views$table_schema[i], " ", views$table_name[i])
  cols <- dbGetQuery(con, paste("SELECT column_name, data_type FROM information_schema.columns",
                                "WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position"),
                     list(views$table_schema[1], "subs_profile_fv"))
  out("columns subs_profile_fv ", paste(cols$column_name, cols$data_type, sep = ":", collapse = ","))
  for (u in c(u1, u2)) {
    df <- dbGetQuery(con, paste("SELECT user_id, as_of, months_active, monthly_fee AS fee",
                                "FROM subscriptions_profile_snapshots WHERE user_id = $1 AND as_of <= $2 ORDER BY as_of"),
                     list(u, "2024-02-29"))
    lines("snapshot", df)
  }
  users <- dbReadTable(con, "users")
  out("readTable users ", nrow(users), " ", paste(names(users), collapse = ","))
  res <- dbSendQuery(con, "SELECT user_id FROM users ORDER BY user_id")
  sizes <- c()
  repeat {
    chunk <- fetch(res, n = 300)
    if (nrow(chunk) == 0) break
    sizes <- c(sizes, nrow(chunk))
  }
  dbClearResult(res)
  out("chunks ", paste(sizes, collapse = ","))
}

# failed runs a statement with dbSendQuery, which stops with the error
# (dbGetQuery prints it and returns NULL), and returns the message.
failed <- function(sql, params = NULL) {
  tryCatch({
    res <- if (is.null(params)) dbSendQuery(con, sql) else dbSendQuery(con, sql, params)
    dbClearResult(res)
    "NO ERROR"
  }, error = function(e) gsub("\n", "|", conditionMessage(e)))
}

errors <- function() {
  cases <- list(
    list("syntax", "SELEC 1", NULL),
    list("undefined table", "SELECT * FROM no_such_table", NULL),
    list("undefined column", "SELECT no_such_column FROM users", NULL),
    list("division with params", "SELECT count(*) / $1 FROM users", list(0)),
    list("bad date param", "SELECT count(*) FROM users WHERE signup_date = $1", list("2024-02-30"))
  )
  for (c in cases) {
    out(c[[1]], " ERROR ", failed(c[[2]], c[[3]]))
    out(c[[1]], " exception ", gsub("\n", "|", dbGetException(con)$errorMsg))
    out(c[[1]], " after ", dbGetQuery(con, "SELECT count(*) AS n FROM users WHERE user_id = $1", list(u1))$n)
  }
  dbBegin(con)
  out("in transaction ERROR ", failed("SELECT 1 / 0"))
  out("failed transaction ERROR ", failed("SELECT 1"))
  dbRollback(con)
  out("final ", dbGetQuery(con, "SELECT 'still usable' AS s")$s)
}

features <- function() {
  for (u in c(u1, u2)) {
    lines("asof-const", dbGetQuery(con, ASOF_CONST, list(T, u)))
    lines("asof-spine", dbGetQuery(con, ASOF_SPINE, list(T, u)))
  }
  for (u in c(u1, "nobody", u2, u1, u2, u1)) {
    lines("lookup", dbGetQuery(con, LOOKUP, list(u)))
  }
  # a lookup inside a transaction, read with dbSendQuery and fetch
  dbBegin(con)
  res <- dbSendQuery(con, LOOKUP, list(u2))
  lines("fetched", fetch(res, n = -1))
  dbClearResult(res)
  dbCommit(con)
  # a training set: the snapshots as the spine, features AS OF each row
  lines("training", dbGetQuery(con, paste(
    "SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch",
    "FROM subscriptions_profile_snapshots s LEFT JOIN features AS OF s.as_of f USING (user_id)",
    "WHERE s.user_id IN ($1, $2) AND s.as_of = '2024-01-31' ORDER BY s.user_id"), list(u1, u2)))
  # dbReadTable of a feature view: the one-time form, every entity's latest values
  fv <- dbReadTable(con, "subs_profile_fv")
  out("readtable ", nrow(fv) > 0, " ", paste(colnames(fv)[1:3], collapse = ","))
}

sections <- list(meta = meta, errors = errors, features = features)
for (name in args[-(1:3)]) {
  out("== ", name)
  sections[[name]]()
}
invisible(dbDisconnect(con))
out("== done")
